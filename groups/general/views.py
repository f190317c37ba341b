"""Actions on people, stays and rooms.

Each view: fetch the object through a permission helper, validate a form,
call the service, respond. htmx requests get the panel fragment back (the
boards themselves change over the websocket); plain requests get a redirect,
so every form also works without JavaScript.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from groups.general import board
from groups.general.board import PAGE_ROLES, person_page, room_page
from groups.general.forms import (
    CarerForm,
    CheckInForm,
    FamilyFormSet,
    HouseholdForm,
    NoShowForm,
    PersonEditForm,
    PersonForm,
    RegisterForm,
    ReleaseForm,
    ReleaseListForm,
    RevealForm,
    RoomChangeForm,
    RoomMoveForm,
)
from groups.general.release_list import release_list_export, released_on, require_past_or_today
from groups.general.suggest import room_options, suggest_room
from rooms import services
from rooms.actions import (
    INVALID,
    done,
    floor_param,
    get_person_for_user,
    get_room_for_user,
    panel_action,
    refused_response,
    refused_status,
    site_for_user,
)
from rooms.models import Person, Room, Stay
from rooms.roles import Role, has_role
from rooms.sheets import sheet_download, sheet_name
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
        # One home: a member whose address was left empty (a child) lives at the first one given,
        # which their release certificate and the communities' list need.
        home = next((member["address"] for member in members if member.get("address")), "")
        for member in members:
            member["address"] = member.get("address") or home
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

    # A family arriving together is checked in together, to one room.
    family = services.family_expected(person) if person.status == Person.Status.EXPECTED else []

    def check_in(data):
        stay = services.stay_check_in(person=person, by=request.user, **data)
        if stay.checked_in_with:
            return _("%(names)s checked in together to room %(room)s until %(date)s.") % {
                "names": "、".join(who.name for who in [person, *stay.checked_in_with]),
                "room": stay.room.number,
                "date": stay.ends_on.isoformat(),
            }
        return _("%(name)s checked in to room %(room)s until %(date)s.") % {
            "name": person.name,
            "room": stay.room.number,
            "date": stay.ends_on.isoformat(),
        }

    return _room_form(
        request,
        person,
        CheckInForm,
        check_in,
        "general/check_in.html",
        leaving=None,
        initial={"together": True} if family else None,
        form_kwargs={"family": family},
        beds=1 + len(family),
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_room_change(request, pk):
    """Room change (换房): ``?reason=exposure`` comes from a sealed room's
    room-mate and suggests an empty room of their own."""
    person = get_person_for_user(request, pk, *services.PEOPLE_ROLES)
    stay = Stay.objects.open().filter(person=person).select_related("room").first()
    if stay is None:
        return refused_response(request, _("%(name)s is not in a room.") % {"name": person.name}, INVALID)

    # The family in the room may move with them in one step; not out of a
    # sealed room, whose people are each placed on their own.
    sealed = stay.room.status == Room.Status.SEALED
    family = [] if sealed else services.family_in_room(person, stay.room_id)

    def move(data):
        moved = services.stay_move(person=person, by=request.user, **data)
        if moved.moved_with:
            return _("%(names)s moved together from room %(from)s to room %(to)s.") % {
                "names": "、".join(who.name for who in [person, *moved.moved_with]),
                "from": stay.room.number,
                "to": moved.room.number,
            }
        return _("%(name)s moved from room %(from)s to room %(to)s.") % {
            "name": person.name,
            "from": stay.room.number,
            "to": moved.room.number,
        }

    reason = request.GET.get("reason")
    initial = {"reason": reason} if reason in Stay.MoveReason.values else {}
    # A family changes room together unless the move is away from an exposure.
    together = bool(family) and reason != Stay.MoveReason.EXPOSURE
    if together:
        initial["together"] = True
    return _room_form(
        request,
        person,
        RoomChangeForm,
        move,
        "general/room_change.html",
        leaving=stay.room,
        initial=initial,
        form_kwargs={"family": family},
        beds=1 + len(family) if together else 1,
    )


def _room_form(request, person, form_class, act, template, *, leaving, initial=None, form_kwargs=None, beds=1):
    """The shape both room forms share: offer the rooms this person may go
    to, suggest one, call the service, answer in the panel or the page."""
    options = room_options(person, leaving=leaving)
    site_head = has_role(request.user, Role.SITE_HEAD)
    kwargs = {"site": person.site, "options": options, "site_head": site_head, **(form_kwargs or {})}
    suggestion = None
    if request.method == "POST":
        form = form_class(request.POST, **kwargs)
        if form.is_valid():
            data = dict(form.cleaned_data)
            data.setdefault("override", "")
            try:
                message = act(data)
            except services.AlreadySubmitted as error:
                return done(request, error.message, "general-board")
            except services.ServiceError as error:
                form.add_error(None, error.message)
                status = refused_status(error)
            else:
                return done(request, message, "general-board")
        else:
            status = INVALID
    else:
        single = (initial or {}).get("reason") == Stay.MoveReason.EXPOSURE
        suggestion = suggest_room(person, options, single=single, beds=beds)
        initial = {"version": person.version, "room": suggestion.room, **(initial or {})}
        form = form_class(initial=initial, **kwargs)
        status = 200
    context = {"person": person, "form": form, "suggestion": suggestion, "leaving": leaving, "linked": person.linked()}
    return render(request, f"{template}#form" if request.htmx else template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def person_no_show(request, pk):
    person = get_person_for_user(request, pk, *services.PEOPLE_ROLES)
    form = NoShowForm(request.POST or None, initial={"version": person.version})

    def run(data):
        services.person_no_show(person=person, by=request.user, **data)
        return _("%(name)s marked as not arrived.") % {"name": person.name}

    return panel_action(
        request,
        form,
        run=run,
        fallback="general-board",
        title=_("%(name)s did not arrive") % {"name": person.name},
        intro=_("They leave the expected count; the reason is kept in the history."),
        submit=_("Mark as not arrived"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def person_carer(request, pk):
    """Link a carer (陪护) to the person they look after, from the carer's page."""
    person = get_person_for_user(request, pk, *services.PEOPLE_ROLES)
    form = CarerForm(
        request.POST or None, person=person, initial={"version": person.version, "cares_for": person.cares_for_id}
    )

    def run(data):
        services.person_set_carer(
            carer=person, cares_for=data["cares_for"], by=request.user, version=data["version"], token=data["token"]
        )
        if data["cares_for"] is None:
            return _("%(name)s cares for nobody now.") % {"name": person.name}
        return _("%(name)s cares for %(other)s: they are roomed, transferred and released together.") % {
            "name": person.name,
            "other": data["cares_for"].name,
        }

    return panel_action(
        request,
        form,
        run=run,
        fallback="general-board",
        title=_("Carer: %(name)s") % {"name": person.name},
        submit=_("Save"),
    )


@login_required
@require_POST
def person_release(request, pk):
    person = get_person_for_user(request, pk, *services.PEOPLE_ROLES)
    form = ReleaseForm(request.POST)
    if not form.is_valid():
        return refused_response(request, _("The release form was incomplete; reload the page."), INVALID)
    try:
        services.stay_release(
            person=person,
            by=request.user,
            version=form.cleaned_data["version"],
            token=form.cleaned_data["token"],
            together=form.cleaned_data["together"],
        )
    except services.AlreadySubmitted as error:
        return done(request, error.message, "general-board")
    except services.ServiceError as error:
        return refused_response(request, error.message, refused_status(error))
    return done(request, _("%(name)s was released.") % {"name": person.name}, "general-board")


@login_required
@require_http_methods(["GET", "POST"])
def release_list(request):
    """The day's releases for the communities: GET shows who is on it, POST
    downloads it as .xlsx (audited in each person's history)."""
    site = site_for_user(request, *services.PEOPLE_ROLES)
    data = (request.POST if request.method == "POST" else request.GET).copy()
    if not data.get("day"):
        data["day"] = timezone.localdate().isoformat()
    form = ReleaseListForm(data)
    rows, status = [], 200
    if form.is_valid():
        day = form.cleaned_data["day"]
        try:
            if request.method == "POST":
                content, _count = release_list_export(
                    site=site, day=day, by=request.user, full_id=form.cleaned_data["full_id"]
                )
                return sheet_download(content, sheet_name(pgettext("file name", "releases"), day))
            require_past_or_today(day)
            rows = released_on(site, day)
        except services.ServiceError as error:
            form.add_error(None, error.message)
            status = refused_status(error)
    else:
        status = INVALID
    context = {
        "form": form,
        "rows": rows,
        "can_reveal": request.user.has_perm("rooms.reveal_personal_data"),
    }
    return render(request, "general/release_list.html", context, status=status)


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
    context = board.general_board(site, floor=floor_param(request), care=request.GET.get("care") == "1")
    # A name or a room number: a hundred characters is more than any (SQLite refuses a LIKE over 50 KB).
    query = request.GET.get("q", "").strip()[:SEARCH_LENGTH]
    context["q"] = query
    context["results"] = search_people(site, query) if query else None
    # A room number finds the room itself too, empty or not: a site of twenty floors is not browsed floor by floor.
    context["room_found"] = Room.objects.filter(site=site, number=query.upper()).first() if query else None
    if request.htmx and request.htmx.target == "search-results":
        return render(request, "general/board.html#search-results", context)
    return render(request, "general/board.html", context)


SEARCH_LENGTH = 100


def search_people(site, query: str) -> list[Person]:
    """People on the site by name, or by the number of the room they are in."""
    from django.db.models import Q

    return list(
        Person.objects.filter(site=site)
        .filter(Q(name__icontains=query) | Q(stays__room__number=query, stays__ended_at__isnull=True))
        .distinct()
        .order_by("status", "name")[:50]
    )
