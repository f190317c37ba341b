"""The project's URLs: each app's own, named by string so that the live spine imports nothing above it."""

from django.contrib import admin
from django.urls import include, path
from django.utils.translation import gettext_lazy as _

handler400 = "rooms.views.bad_request"
handler403 = "rooms.views.not_allowed"
handler404 = "rooms.views.not_found"
handler500 = "rooms.views.server_error"

# The site head's set-up pages are the product's, not Django's.
admin.site.site_header = _("Isolation site administration")
admin.site.site_title = _("Isolation site administration")

urlpatterns = [
    path("", include("rooms.urls")),
    path("", include("site_ops.upkeep.urls")),
    *(
        path("", include(f"groups.{group}.urls"))
        for group in ("control", "general", "transfers", "catering", "disinfection", "security", "medical")
    ),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
]
