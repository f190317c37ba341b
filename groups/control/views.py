from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from groups.control import board
from rooms.actions import site_for_user
from rooms.roles import Role
from site_ops import boards
from site_ops.upkeep import reads


@login_required
@require_GET
def control_screen(request):
    site = site_for_user(request, *boards.BOARDS["control"].roles)
    return render(request, "control/screen.html", board.control_screen(site))


@login_required
@require_GET
def upkeep(request):
    """Backups and scheduled jobs, for the site head: did last night's run, and the backup?"""
    site_for_user(request, Role.SITE_HEAD)
    return render(request, "control/upkeep.html", reads.upkeep_status())
