from django.urls import path

from site_ops.upkeep import views

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
]
