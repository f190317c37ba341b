"""The catering, disinfection and security boards' pages.

An htmx GET (the board's clock, see the templates) gets the board body alone.
"""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.views.decorators.http import require_GET

from groups import boards
from rooms.board_actions import floor_param
from rooms.views import site_for_user


def _board(request, template: str, context: dict):
    if request.htmx:
        return render(request, f"{template}#board-body", context)
    return render(request, template, context)


@login_required
@require_GET
def catering_board(request):
    site = site_for_user(request, *boards.BOARDS["catering"].roles)
    return _board(request, "groups/catering.html", boards.catering_board(site, floor=floor_param(request)))


@login_required
@require_GET
def disinfection_board(request):
    site = site_for_user(request, *boards.BOARDS["disinfection"].roles)
    return _board(request, "groups/disinfection.html", boards.disinfection_board(site))


@login_required
@require_GET
def security_board(request):
    site = site_for_user(request, *boards.BOARDS["security"].roles)
    return _board(request, "groups/security.html", boards.security_board(site))
