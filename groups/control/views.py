from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from groups.control import board
from rooms.actions import site_for_user
from site_ops import boards


@login_required
@require_GET
def control_screen(request):
    site = site_for_user(request, *boards.BOARDS["control"].roles)
    return render(request, "control/screen.html", board.control_screen(site))
