"""ASGI entry point: HTTP through Django, websockets through the board consumers.

Websockets pass the origin check (the Origin header must be one of
ALLOWED_HOSTS) and session authentication before any consumer runs.
"""

import gc
import os

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "site_ops.settings")
# Load Django (apps, models) before importing anything that uses the ORM.
django_asgi_app = get_asgi_application()

from channels.auth import AuthMiddlewareStack  # noqa: E402
from channels.routing import ProtocolTypeRouter, URLRouter  # noqa: E402
from channels.security.websocket import AllowedHostsOriginValidator  # noqa: E402
from django.urls import path  # noqa: E402

from groups.consumers import BoardConsumer  # noqa: E402

websocket_urlpatterns = [
    path("ws/boards/<slug:board>/", BoardConsumer.as_asgi()),
    path("ws/rooms/<int:room_id>/", BoardConsumer.as_asgi()),
    path("ws/people/<int:person_id>/", BoardConsumer.as_asgi()),
    path("ws/transfers/<int:transfer_id>/", BoardConsumer.as_asgi()),
]

application = ProtocolTypeRouter(
    {
        "http": django_asgi_app,
        "websocket": AllowedHostsOriginValidator(AuthMiddlewareStack(URLRouter(websocket_urlpatterns))),
    }
)

# What is loaded by now (Django, the apps, the URL and model machinery) lives
# as long as the process: keep the collector from walking it again on every
# full collection, a pause that delayed whole broadcasts (bench/README.md).
gc.freeze()
