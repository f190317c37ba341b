"""The site head's control screen."""

from django.urls import path

from groups.control import views

urlpatterns = [
    path("control/", views.control_screen, name="control-screen"),
    path("control/upkeep/", views.upkeep, name="upkeep"),
]
