"""The frame every screen shares: the start page by role and logging out."""

from django.urls import path

from rooms import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
]
