"""The security board and its actions."""

from django.urls import path

from groups.security import views

urlpatterns = [
    path("security/", views.security_board, name="security-board"),
    path("security/checkpoint/", views.checkpoint_in, name="checkpoint-in"),
    path("security/checkpoint/<id:pk>/out/", views.checkpoint_out, name="checkpoint-out"),
    path("security/patrols/", views.patrol_new, name="patrol-new"),
    path("security/incidents/new/", views.incident_new, name="incident-new"),
    path("security/incidents/<id:pk>/resolve/", views.incident_resolve, name="incident-resolve"),
    path("security/incidents/<id:pk>/exposure/", views.incident_exposure, name="incident-exposure"),
]
