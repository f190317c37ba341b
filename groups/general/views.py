"""Actions on people, stays and rooms.

Each view: fetch the object through a permission helper, validate a form,
call the service, respond. htmx requests get the panel fragment back (the
boards themselves change over the websocket); plain requests get a redirect,
so every form also works without JavaScript.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from groups.general import board
from groups.general.board import PAGE_ROLES, person_page, room_page
from groups.general.forms import (
    CheckInForm,
    FamilyFormSet,
    HouseholdForm,
    PersonEditForm,
    PersonForm,
    RegisterForm,
    ReleaseForm,
    RevealForm,
    RoomMoveForm,
)
from groups.general.suggest import suggest_room
from rooms import services
from rooms.actions import (
    INVALID,
    done,
    get_person_for_user,
    get_room_for_user,
    refused_response,
    refused_status,
    site_for_user,
)
from rooms.models import Person, Room
from rooms.roles import Role, has_role
from site_ops import boards

# --- arrivals -------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def person_new(request):
    site = site_for_user(request, *services.PEOPLE_ROLES)
    form = PersonForm(request.POST or None)
    once = RegisterForm(request.POST or None)
    if request.method == "POST" and form.is_valid() and once.is_valid():
        try:
            person = services.person_register(
                site=site, by=request.user, data=form.values(), token=once.cleaned_data["token"]
            )
        except services.AlreadySubmitted as error:
            return done(request, error.message, "general-board")
        except services.ServiceError as error:
            form.add_error(None, error.message)
        else:
            return done(request, _("%(name)s is on the arrival list.") % {"name": person.name}, "general-board")
    status = INVALID if request.method == "POST" else 200
    template = "general/person_form.html#form" if request.htmx else "general/person_form.html"
    return render(request, template, {"form": form, "once": once}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def household_new(request):
    site = site_for_user(request, *services.PEOPLE_ROLES)
    form = HouseholdForm(request.POST or None)
    formset = FamilyFormSet(request.POST or None, prefix="member")
    if request.method == "POST" and form.is_valid() and formset.is_valid():
        members = [member.values() for member in formset.forms if member.has_changed()]
        try:
            people = services.household_register(
                site=site,
                by=request.user,
                members=members,
                household=form.cleaned_data["household"],
                token=form.cleaned_data["token"],
            )
        except services.AlreadySubmitted as error:
            return done(request, error.message, "general-board")
        except services.ServiceError as error:
            form.add_error(None, error.message)
        else:
            names = "、".join(person.name for person in people)
            return done(request, _("Family on the arrival list: %(names)s.") % {"names": names}, "general-board")
    status = INVALID if request.method == "POST" else 200
    template = "general/household_form.html#form" if request.htmx else "general/household_form.html"
    return render(request, template, {"form": form, "formset": formset}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def person_check_in(request, pk):
    person = get_person_for_user(request, pk, *services.PEOPLE_ROLES)
    site = person.site
    if request.method == "POST":
        form = CheckInForm(request.POST, site=site)
        if form.is_valid():
            try:
                stay = services.stay_check_in(
                    person=person,
                    room=form.cleaned_data["room"],
                    by=request.user,
                    version=form.cleaned_data["version"],
                    token=form.cleaned_data["token"],
                )
            except services.AlreadySubmitted as error:
                return done(request, error.message, "general-board")
            except services.ServiceError as error:
                form.add_error(None, error.message)
                status = refused_status(error)
            else:
                message = _("%(name)s checked in to room %(room)s until %(date)s.") % {
                    "name": person.name,
                    "room": stay.room.number,
                    "date": stay.ends_on.isoformat(),
                }
                return done(request, message, "general-board")
        else:
            status = INVALID
    else:
        suggested = suggest_room(person)
        form = CheckInForm(site=site, initial={"version": person.version, "room": suggested})
        status = 200
    context = {"person": person, "form": form}
    template = "general/check_in.html#form" if request.htmx else "general/check_in.html"
    return render(request, template, context, status=status)


@login_required
@require_POST
def person_release(request, pk):
    person = get_person_for_user(request, pk, *services.PEOPLE_ROLES)
    form = ReleaseForm(request.POST)
    if not form.is_valid():
        return refused_response(request, _("The release form was incomplete; reload the page."), INVALID)
    try:
        services.stay_release(
            person=person, by=request.user, version=form.cleaned_data["version"], token=form.cleaned_data["token"]
        )
    except services.AlreadySubmitted as error:
        return done(request, error.message, "general-board")
    except services.ServiceError as error:
        return refused_response(request, error.message, refused_status(error))
    return done(request, _("%(name)s was released.") % {"name": person.name}, "general-board")


# --- pages ----------------------------------------------------------------


@login_required
@require_GET
def person_detail(request, pk):
    person = get_person_for_user(request, pk, *PAGE_ROLES)
    context = person_page(person)
    context["reveal_form"] = RevealForm()
    return render(request, "general/person_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request, pk):
    person = get_person_for_user(request, pk, *services.PEOPLE_ROLES)
    form = PersonEditForm(request.POST or None, instance=person)
    status = 200
    if request.method == "POST":
        status = INVALID
        if form.is_valid():
            try:
                services.person_update(
                    person=person,
                    by=request.user,
                    data=form.values(),
                    version=form.cleaned_data["version"],
                    token=form.cleaned_data["token"],
                )
            except services.AlreadySubmitted as error:
                return _done_person(request, person, error.message)
            except services.ServiceError as error:
                form.add_error(None, error.message)
                status = refused_status(error)
            else:
                return _done_person(request, person, _("%(name)s's details were saved.") % {"name": person.name})
    template = "general/person_edit.html#form" if request.htmx else "general/person_edit.html"
    return render(request, template, {"person": person, "form": form}, status=status)


def _done_person(request, person, message):
    if request.htmx:
        return render(request, "rooms/panel_done.html", {"message": message})
    messages.success(request, message)
    return redirect("person-detail", pk=person.pk)


@login_required
@require_POST
def person_reveal(request, pk):
    person = get_person_for_user(request, pk, *PAGE_ROLES)
    form = RevealForm(request.POST)
    value = None
    status = 200
    if form.is_valid():
        try:
            value = services.person_reveal(
                person=person, field=form.cleaned_data["field"], reason=form.cleaned_data["reason"], by=request.user
            )
        except services.ServiceError as error:
            form.add_error(None, error.message)
            status = INVALID
    else:
        status = INVALID
    context = {"person": person, "reveal_form": form, "revealed": value, "field": form.cleaned_data.get("field")}
    if request.htmx:
        return render(request, "general/person_detail.html#reveal", context, status=status)
    context.update(person_page(person))
    return render(request, "general/person_detail.html", context, status=status)


@login_required
@require_GET
def room_detail(request, pk):
    room = get_room_for_user(request, pk, *PAGE_ROLES)
    return render(request, "general/room_detail.html", room_page(room))


@login_required
@require_POST
def room_move(request, pk):
    # Who may make which move depends on the move: the service decides.
    room = get_room_for_user(request, pk, *PAGE_ROLES, Role.DISINFECTION, Role.MEDICAL)
    form = RoomMoveForm(request.POST)
    if not form.is_valid():
        return refused_response(request, _("Choose a status."), INVALID)
    if form.cleaned_data["to"] == Room.Status.VENTILATING:
        return refused_response(
            request,
            _("Record the terminal disinfection (agent, concentration, contact time) on the disinfection board."),
            INVALID,
        )
    try:
        room = services.room_move(
            room=room,
            to=form.cleaned_data["to"],
            by=request.user,
            version=form.cleaned_data["version"],
            note=form.cleaned_data["note"],
        )
    except services.ServiceError as error:
        return refused_response(request, error.message, refused_status(error))
    message = _("Room %(room)s is now %(status)s.") % {"room": room.number, "status": room.get_status_display()}
    if request.htmx:
        return render(request, "rooms/panel_done.html", {"message": message})
    messages.success(request, message)
    if has_role(request.user, *PAGE_ROLES):
        return redirect("room-detail", pk=room.pk)
    return redirect("home")


@login_required
@require_GET
def general_board(request):
    site = site_for_user(request, *boards.BOARDS["general"].roles)
    floor = request.GET.get("floor", "")
    floor = int(floor) if floor.lstrip("-").isdigit() else None
    context = board.general_board(site, floor=floor)
    query = request.GET.get("q", "").strip()
    context["q"] = query
    context["results"] = search_people(site, query) if query else None
    if request.htmx and request.htmx.target == "search-results":
        return render(request, "general/board.html#search-results", context)
    return render(request, "general/board.html", context)


def search_people(site, query: str) -> list[Person]:
    """People on the site by name, or by the number of the room they are in."""
    from django.db.models import Q

    return list(
        Person.objects.filter(site=site)
        .filter(Q(name__icontains=query) | Q(stays__room__number=query, stays__ended_at__isnull=True))
        .distinct()
        .order_by("status", "name")[:50]
    )
