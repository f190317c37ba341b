"""Actions on people, stays and rooms.

Each view: fetch the object through a permission helper, validate a form,
call the service, respond. htmx requests get the panel fragment back (the
boards themselves change over the websocket); plain requests get a redirect,
so every form also works without JavaScript.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from groups.boards import PAGE_ROLES, person_page, room_page
from groups.roles import Role, has_role, require_role, site_of
from rooms import services
from rooms.forms import (
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
from rooms.models import Person, Room
from rooms.suggest import suggest_room

# Status codes for a refused action: htmx is configured (base.html) to swap
# these so the user sees the message and keeps what they typed.
INVALID = 422
CONFLICT = 409


# Shared by every app's views: the role check, then the user's site.
def site_for_user(request, *roles):
    require_role(request.user, *roles)
    site = site_of(request.user)
    if site is None:
        raise Http404(_("Your login is not attached to a site."))
    return site


def _get_person_for_user(request, pk: int, *roles) -> Person:
    site = site_for_user(request, *roles)
    try:
        return Person.objects.select_related("site", "updated_by").get(pk=pk, site=site)
    except Person.DoesNotExist:
        raise Http404(_("No such person on this site.")) from None


def _get_room_for_user(request, pk: int, *roles) -> Room:
    site = site_for_user(request, *roles)
    try:
        return Room.objects.select_related("site", "updated_by").get(pk=pk, site=site)
    except Room.DoesNotExist:
        raise Http404(_("No such room on this site.")) from None


def _refused(error: services.ServiceError) -> int:
    return CONFLICT if isinstance(error, services.Conflict) else INVALID


def _done(request, message: str, fallback: str, **kwargs):
    """Success: a panel message for htmx, a redirect with a flash otherwise."""
    if request.htmx:
        return render(request, "rooms/panel_done.html", {"message": message})
    messages.success(request, message)
    return redirect(fallback, **kwargs)


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
            return _done(request, error.message, "general-board")
        except services.ServiceError as error:
            form.add_error(None, error.message)
        else:
            return _done(request, _("%(name)s is on the arrival list.") % {"name": person.name}, "general-board")
    status = INVALID if request.method == "POST" else 200
    template = "rooms/person_form.html#form" if request.htmx else "rooms/person_form.html"
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
            return _done(request, error.message, "general-board")
        except services.ServiceError as error:
            form.add_error(None, error.message)
        else:
            names = "、".join(person.name for person in people)
            return _done(request, _("Family on the arrival list: %(names)s.") % {"names": names}, "general-board")
    status = INVALID if request.method == "POST" else 200
    template = "rooms/household_form.html#form" if request.htmx else "rooms/household_form.html"
    return render(request, template, {"form": form, "formset": formset}, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def person_check_in(request, pk):
    person = _get_person_for_user(request, pk, *services.PEOPLE_ROLES)
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
                return _done(request, error.message, "general-board")
            except services.ServiceError as error:
                form.add_error(None, error.message)
                status = _refused(error)
            else:
                message = _("%(name)s checked in to room %(room)s until %(date)s.") % {
                    "name": person.name,
                    "room": stay.room.number,
                    "date": stay.ends_on.isoformat(),
                }
                return _done(request, message, "general-board")
        else:
            status = INVALID
    else:
        suggested = suggest_room(person)
        form = CheckInForm(site=site, initial={"version": person.version, "room": suggested})
        status = 200
    context = {"person": person, "form": form}
    template = "rooms/check_in.html#form" if request.htmx else "rooms/check_in.html"
    return render(request, template, context, status=status)


@login_required
@require_POST
def person_release(request, pk):
    person = _get_person_for_user(request, pk, *services.PEOPLE_ROLES)
    form = ReleaseForm(request.POST)
    if not form.is_valid():
        return _refused_response(request, _("The release form was incomplete; reload the page."), INVALID)
    try:
        services.stay_release(
            person=person, by=request.user, version=form.cleaned_data["version"], token=form.cleaned_data["token"]
        )
    except services.AlreadySubmitted as error:
        return _done(request, error.message, "general-board")
    except services.ServiceError as error:
        return _refused_response(request, error.message, _refused(error))
    return _done(request, _("%(name)s was released.") % {"name": person.name}, "general-board")


def _refused_response(request, message: str, status: int):
    if request.htmx:
        return render(request, "rooms/panel_done.html", {"message": message, "error": True}, status=status)
    messages.error(request, message)
    return redirect(request.headers.get("referer") or "general-board")


# --- pages ----------------------------------------------------------------


@login_required
@require_GET
def person_detail(request, pk):
    person = _get_person_for_user(request, pk, *PAGE_ROLES)
    context = person_page(person)
    context["reveal_form"] = RevealForm()
    return render(request, "rooms/person_detail.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def person_edit(request, pk):
    person = _get_person_for_user(request, pk, *services.PEOPLE_ROLES)
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
                status = _refused(error)
            else:
                return _done_person(request, person, _("%(name)s's details were saved.") % {"name": person.name})
    template = "rooms/person_edit.html#form" if request.htmx else "rooms/person_edit.html"
    return render(request, template, {"person": person, "form": form}, status=status)


def _done_person(request, person, message):
    if request.htmx:
        return render(request, "rooms/panel_done.html", {"message": message})
    messages.success(request, message)
    return redirect("person-detail", pk=person.pk)


@login_required
@require_POST
def person_reveal(request, pk):
    person = _get_person_for_user(request, pk, *PAGE_ROLES)
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
        return render(request, "rooms/person_detail.html#reveal", context, status=status)
    context.update(person_page(person))
    return render(request, "rooms/person_detail.html", context, status=status)


@login_required
@require_GET
def room_detail(request, pk):
    room = _get_room_for_user(request, pk, *PAGE_ROLES)
    return render(request, "rooms/room_detail.html", room_page(room))


@login_required
@require_POST
def room_move(request, pk):
    # Who may make which move depends on the move: the service decides.
    room = _get_room_for_user(request, pk, *PAGE_ROLES, Role.DISINFECTION, Role.MEDICAL)
    form = RoomMoveForm(request.POST)
    if not form.is_valid():
        return _refused_response(request, _("Choose a status."), INVALID)
    if form.cleaned_data["to"] == Room.Status.VENTILATING:
        return _refused_response(
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
        return _refused_response(request, error.message, _refused(error))
    message = _("Room %(room)s is now %(status)s.") % {"room": room.number, "status": room.get_status_display()}
    if request.htmx:
        return render(request, "rooms/panel_done.html", {"message": message})
    messages.success(request, message)
    if has_role(request.user, *PAGE_ROLES):
        return redirect("room-detail", pk=room.pk)
    return redirect("home")
