"""The frame every screen shares: the start page by role and logging out."""

from django.urls import path

from rooms import views

urlpatterns = [
    path("", views.home, name="home"),
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", views.logout_view, name="logout"),
    path("handover/<str:group>/", views.handover_give, name="handover-give"),
    path("handover/<id:pk>/acknowledge/", views.handover_acknowledge, name="handover-acknowledge"),
]
