"""The project's URLs: each app's own, named by string so that the live spine imports nothing above it."""

from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

handler403 = "rooms.views.not_allowed"

urlpatterns = [
    path("", include("rooms.urls")),
    *(
        path("", include(f"groups.{group}.urls"))
        for group in ("control", "general", "transfers", "catering", "disinfection", "security", "medical")
    ),
    path("login/", auth_views.LoginView.as_view(redirect_authenticated_user=True), name="login"),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
