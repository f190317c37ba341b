"""Security actions: the checkpoint log, patrols and incidents."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from groups.security import board
from groups.security import services as security
from groups.security.forms import CheckpointInForm, CheckpointOutForm, IncidentForm, IncidentResolveForm, PatrolForm
from groups.security.models import CheckpointEntry, Incident
from rooms.actions import board_page, floor_param, get_for_site, panel_action, site_for_user, tap_action
from rooms.forms import VersionedForm
from rooms.roles import Role
from site_ops import boards

FALLBACK = "security-board"


@login_required
@require_http_methods(["GET", "POST"])
def checkpoint_in(request):
    site = site_for_user(request, *security.SECURITY_ROLES)
    form = CheckpointInForm(request.POST or None, site=site, initial={"kind": CheckpointEntry.Kind.PERSON})

    def run(data):
        entry = security.checkpoint_log_in(
            site=site,
            kind=data["kind"],
            name=data["name"],
            purpose=data["purpose"],
            by=request.user,
            token=data["token"],
            request=data.get("request"),
        )
        if entry.request_id:
            return _("%(name)s logged in; the request's group is told the delivery is here.") % {"name": entry.name}
        return _("%(name)s logged in.") % {"name": entry.name}

    return panel_action(request, form, run=run, fallback=FALLBACK, title=_("Log in at the checkpoint"), submit=_("In"))


@login_required
@require_POST
def checkpoint_out(request, pk):
    site = site_for_user(request, *security.SECURITY_ROLES)
    entry = get_for_site(CheckpointEntry, site, pk)
    form = CheckpointOutForm(request.POST)

    def run(data):
        security.checkpoint_log_out(entry=entry, by=request.user, version=data["version"], token=data["token"])
        return _("%(name)s logged out.") % {"name": entry.name}

    return tap_action(
        request,
        form,
        run=run,
        respond=lambda: render(request, "security/board.html#inside", board.security_board(site)),
        fallback=FALLBACK,
    )


@login_required
@require_http_methods(["GET", "POST"])
def patrol_new(request):
    site = site_for_user(request, *security.SECURITY_ROLES)
    form = PatrolForm(request.POST or None, floors=site.floors(), initial={"floor": floor_param(request)})

    def run(data):
        patrol = security.patrol_record(
            site=site, floor=data["floor"], remarks=data["remarks"], by=request.user, token=data["token"]
        )
        return _("Floor %(floor)s patrolled.") % {"floor": patrol.floor}

    return panel_action(request, form, run=run, fallback=FALLBACK, title=_("Record a patrol"), submit=_("Patrolled"))


@login_required
@require_http_methods(["GET", "POST"])
def incident_new(request):
    site = site_for_user(request, *security.SECURITY_ROLES)
    form = IncidentForm(request.POST or None, site=site)

    def run(data):
        incident = security.incident_report(
            site=site,
            kind=data["kind"],
            severity=data["severity"],
            description=data["description"],
            room=data["room"],
            visited_room=data["visited_room"],
            by=request.user,
            token=data["token"],
        )
        return _("Incident reported: %(incident)s. The site head sees it now.") % {"incident": incident}

    return panel_action(
        request,
        form,
        run=run,
        fallback=FALLBACK,
        title=_("Report an incident"),
        intro=_("A medical emergency also alerts the medical group."),
        submit=_("Report"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def incident_resolve(request, pk):
    site = site_for_user(request, *security.SECURITY_ROLES)
    incident = get_for_site(Incident, site, pk)
    form = IncidentResolveForm(request.POST or None, initial={"version": incident.version})

    def run(data):
        security.incident_resolve(
            incident=incident,
            resolution=data["resolution"],
            by=request.user,
            version=data["version"],
            token=data["token"],
        )
        return _("Incident resolved: %(incident)s.") % {"incident": incident}

    return panel_action(
        request,
        form,
        run=run,
        fallback=FALLBACK,
        title=_("Resolve: %(incident)s") % {"incident": incident},
        intro=incident.description,
        submit=_("Resolve"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def incident_exposure(request, pk):
    """The site head decides that a person in another room was an exposure
    (from the control screen): the form names who it restarts."""
    site = site_for_user(request, Role.SITE_HEAD)
    incident = get_for_site(Incident, site, pk)
    form = VersionedForm(request.POST or None, initial={"version": incident.version})
    names = "、".join(person.name for person in incident.people.order_by("name"))
    rooms = "、".join(room.number for room in (incident.room, incident.visited_room) if room is not None)

    def run(data):
        security.incident_mark_exposure(
            incident=incident, by=request.user, version=data["version"], token=data["token"]
        )
        return _("Marked as an exposure: %(names)s are tested today and their quarantine restarts.") % {"names": names}

    return panel_action(
        request,
        form,
        run=run,
        fallback="control-screen",
        title=_("Mark as an exposure: %(incident)s") % {"incident": incident},
        intro=_(
            "Everyone in rooms %(rooms)s gets a PCR today and their quarantine restarts"
            " from the day it happened: %(names)s."
        )
        % {"rooms": rooms, "names": names},
        submit=_("Mark as an exposure"),
    )


@login_required
@require_GET
def security_board(request):
    site = site_for_user(request, *boards.BOARDS["security"].roles)
    return board_page(request, "security/board.html", board.security_board(site))
