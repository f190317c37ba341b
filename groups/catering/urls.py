"""The catering board and its actions."""

from django.urls import path

from groups.catering import views

urlpatterns = [
    path("catering/", views.catering_board, name="catering-board"),
    path("catering/record/", views.meal_record, name="meal-record"),
    path("catering/floor/", views.meal_floor_deliver, name="meal-floor-deliver"),
    path("catering/late/", views.meal_late_deliver, name="meal-late-deliver"),
    path("catering/feedback/<id:pk>/", views.meal_feedback, name="meal-feedback"),
]
