"""The disinfection board and its actions."""

from django.urls import path

from groups.disinfection import views

urlpatterns = [
    path("disinfection/", views.disinfection_board, name="disinfection-board"),
    path("disinfection/tasks/<id:pk>/done/", views.task_complete, name="disinfection-task-complete"),
    path("disinfection/routine/<id:pk>/done/", views.routine_complete, name="routine-complete"),
    path("disinfection/spot/", views.spot_new, name="disinfection-spot-new"),
    path("disinfection/samples/<id:pk>/taken/", views.sample_take, name="environmental-sample-take"),
    path("disinfection/samples/<id:pk>/result/", views.sample_result, name="environmental-sample-result"),
    path("disinfection/waste/", views.waste_collect, name="waste-collect"),
    path("disinfection/waste/hand-over/", views.waste_hand_over, name="waste-hand-over"),
]
