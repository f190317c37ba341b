from django.http import JsonResponse
from django.views.decorators.http import require_GET

from site_ops.upkeep.health import health


@require_GET
def healthz(request):
    """For the site's monitoring: no login, no personal data; 503 names the part that failed."""
    parts = health()
    healthy = all(state == "ok" for state in parts.values())
    response = JsonResponse({"status": "ok" if healthy else "error", **parts}, status=200 if healthy else 503)
    response["Cache-Control"] = "no-store"
    return response
