"""The medical group's screens and actions.

Each action: fetch through a permission helper, validate a form, call the
service, respond. One-tap actions on the board answer an htmx request with the
room's fragment (the websocket brings everybody else the same change); a
refusal is retargeted to the panel so the room stays as it was. Plain
requests get a redirect, so every form works without JavaScript too.
"""

import uuid
from functools import partial

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from groups.medical import board
from groups.medical import services as medical
from groups.medical.board import room_round
from groups.medical.forms import (
    CancelForm,
    CertificateForm,
    CollectForm,
    CorrectionForm,
    ExtendForm,
    HealthEntryForm,
    LabSheetForm,
    MedicineNeedForm,
    ResultForm,
    RoundForm,
)
from groups.medical.models import Alert, HealthCheck, LabImport, Sample, TestProtocol
from groups.medical.notice import release_notice
from rooms import services
from rooms.actions import (
    CONFLICT,
    INVALID,
    back_to,
    done,
    get_person_for_user,
    parse_floor,
    refused_in_panel,
    refused_status,
    site_for_user,
)
from rooms.forms import OnceForm, VersionedForm
from rooms.models import Person, Room, Stay
from site_ops import boards
from site_ops.inputs import whole_number

MEDICAL_ROLES = medical.MEDICAL_ROLES


def _room_done(request, room_id: int, message: str):
    """Success of a one-tap action: the room's fragment for the board, a redirect otherwise."""
    if request.htmx and request.htmx.target == f"med-room-{room_id}":
        context = {"room": room_round(room_id), "token": uuid.uuid4().hex}
        return render(request, "medical/board.html#med-room", context)
    if request.htmx:
        return render(request, "rooms/panel_done.html", {"message": message})
    messages.success(request, message)
    return redirect(back_to(request, reverse("medical-board")))


def _get_sample_for_user(request, pk: int) -> Sample:
    site = site_for_user(request, *MEDICAL_ROLES)
    sample = Sample.objects.select_related("person", "stay").filter(pk=pk, site=site).first()
    if sample is None:
        raise Http404(_("No such sample on this site."))
    return sample


# --- the board ------------------------------------------------------------


@login_required
@require_GET
def medical_board(request):
    site = site_for_user(request, *boards.BOARDS["medical"].roles)
    context = board.medical_board(
        site, floor=parse_floor(request.GET.get("floor")), care=request.GET.get("care") == "1"
    )
    # A site whose head has not set its protocol samples by the national one: the board says so.
    default_protocol = TestProtocol.numbers_for(site.pk)
    if default_protocol.pk is None:
        context["default_protocol"] = default_protocol
        context["sampling_days"] = "、".join(str(day) for day, _kind in default_protocol.schedule())
    return render(request, "medical/board.html", context)


def _already() -> str:
    return _("This form was already submitted; it was recorded once.")


def _act(request, form, call, fallback: str):
    """Validate the form and call the service with its data: (result, refusal).

    The refusal is the response to send when the form or the service said
    no. A form submitted twice counts as done: the first one was recorded.
    """
    if not form.is_valid():
        # Each error names its field: "enter a number" alone does not say which of two Ct boxes.
        errors = " ".join(
            _("%(field)s: %(error)s") % {"field": form.fields[name].label, "error": error}
            if name in form.fields and form.fields[name].label and name not in ("version", "token")
            else error
            for name, errors in form.errors.items()
            for error in errors
        )
        return None, refused_in_panel(
            request, errors or _("The form was incomplete; reload the page."), INVALID, fallback
        )
    try:
        return call(**form.cleaned_data), None
    except services.AlreadySubmitted:
        return None, None
    except services.ServiceError as error:
        return None, refused_in_panel(request, error.message, refused_status(error), fallback)


@login_required
@require_POST
def sample_collect(request, pk):
    sample = _get_sample_for_user(request, pk)
    _result, refusal = _act(
        request,
        CollectForm(request.POST),
        partial(medical.sample_collect, sample=sample, by=request.user),
        reverse("medical-board"),
    )
    message = _("Sample of %(name)s collected.") % {"name": sample.person.name}
    return refusal or _room_done(request, sample.stay.room_id, message)


@login_required
@require_POST
def sample_result(request, pk):
    sample = _get_sample_for_user(request, pk)
    form = ResultForm(request.POST)
    _result, refusal = _act(
        request, form, partial(medical.sample_record_result, sample=sample, by=request.user), reverse("medical-board")
    )
    if refusal:
        return refusal
    label = Sample.Result(form.cleaned_data["result"]).label
    message = _("%(name)s: %(result)s recorded.") % {"name": sample.person.name, "result": label}
    return _room_done(request, sample.stay.room_id, message)


def _sample_on_persons_page(request, pk, service, form_class, message: str):
    """A sample's move made from the person's page (a correction, a cancellation, a collection taken back)."""
    sample = _get_sample_for_user(request, pk)
    fallback = reverse("person-medical", args=[sample.person_id])
    call = partial(service, sample=sample, by=request.user)
    _result, refusal = _act(request, form_class(request.POST), call, fallback)
    return refusal or done(request, message, fallback)


@login_required
@require_POST
def sample_correct(request, pk):
    message = _("The correction is recorded; the history keeps both results.")
    return _sample_on_persons_page(request, pk, medical.sample_correct_result, CorrectionForm, message)


@login_required
@require_POST
def sample_cancel(request, pk):
    return _sample_on_persons_page(request, pk, medical.sample_cancel, CancelForm, _("The sample is cancelled."))


@login_required
@require_POST
def sample_uncollect(request, pk):
    message = _("The collection is taken back: the sample waits to be taken.")
    return _sample_on_persons_page(request, pk, medical.sample_uncollect, CancelForm, message)


@login_required
@require_POST
def floor_collected(request, floor):
    site = site_for_user(request, *MEDICAL_ROLES)
    fallback = reverse("medical-board") + f"?floor={floor}"
    call = partial(medical.samples_collect_floor, site=site, floor=floor, by=request.user)
    count, refusal = _act(request, OnceForm(request.POST), call, fallback)
    message = _("Floor %(floor)s: %(count)s samples collected.") % {"floor": floor, "count": count}
    return refusal or done(request, message if count is not None else _already(), fallback)


@login_required
@require_POST
def alert_acknowledge(request, pk):
    site = site_for_user(request, *MEDICAL_ROLES)
    alert = get_object_or_404(Alert, pk=pk, site=site)
    medical.alert_acknowledge(alert=alert, by=request.user)
    if request.htmx:
        return HttpResponse(status=204)
    return redirect(request.headers.get("referer") or "home")


# --- health round ---------------------------------------------------------


def _default_round() -> str:
    return HealthCheck.Round.MORNING if timezone.localtime().hour < 13 else HealthCheck.Round.AFTERNOON


@login_required
@require_http_methods(["GET", "POST"])
def health_round(request):
    site = site_for_user(request, *MEDICAL_ROLES)
    data = request.POST if request.method == "POST" else request.GET
    floor = parse_floor(data.get("floor"))
    floors = sorted(set(Room.objects.filter(site=site).values_list("floor", flat=True)))
    if floor not in floors:
        floor = floors[0] if floors else 0
    round_ = data.get("round") if data.get("round") in HealthCheck.Round.values else _default_round()
    today = timezone.localdate()
    context = board.health_round(site, floor, today, round_)
    rows = board.round_forms(context["rows"], request.POST or None)
    # A row the page did not show (someone who checked in after it was sent) is not in the form.
    sent = [row["form"] for row in rows if row["form"].is_bound]
    round_form = RoundForm(request.POST or None, initial={"day": today, "round": round_})
    status = 200
    if request.method == "POST":
        status = INVALID
        if round_form.is_valid() and all(form.is_valid() for form in sent):
            if _left_the_floor(request.POST, rows):
                round_form.add_error(None, _("Someone on this list is no longer on this floor; reload the page."))
            else:
                entries = [
                    {"person": row["person"], **entry}
                    for row in rows
                    if row["form"].is_bound and (entry := row["form"].entry()) is not None
                ]
                try:
                    saved = medical.health_round_record(
                        site=site,
                        day=round_form.cleaned_data["day"],
                        round=round_form.cleaned_data["round"],
                        entries=entries,
                        by=request.user,
                        token=round_form.cleaned_data["token"],
                    )
                except services.AlreadySubmitted as error:
                    messages.success(request, error.message)
                    return redirect(reverse("medical-board") + f"?floor={floor}")
                except services.ServiceError as error:
                    round_form.add_error(None, error.message)
                    status = refused_status(error)
                    if isinstance(error, services.Conflict):
                        # What she typed stays, now on the current versions:
                        # told who recorded it, she may save it over theirs.
                        rows = board.round_forms(rows, _on_current_versions(request.POST, rows))
                else:
                    messages.success(
                        request,
                        _("Floor %(floor)s %(round)s round: %(count)s checks recorded.")
                        % {"floor": floor, "round": HealthCheck.Round(round_).label, "count": len(saved)},
                    )
                    return redirect(reverse("medical-board") + f"?floor={floor}")
    context.update(
        {
            "round_form": round_form,
            "rounds": HealthCheck.Round.choices,
            "protocol": TestProtocol.numbers_for(site.pk),
            "ws_path": board.round_ws_path(floor, round_),
        }
    )
    return render(request, "medical/health_round.html", context, status=status)


def _on_current_versions(data, rows):
    """The posted round with each row's version set to its check's version now."""
    data = data.copy()
    for row in rows:
        key = f"{board.round_prefix(row['person'].pk)}-version"
        if key in data:
            data[key] = row["check"].version if row["check"] else 0
    return data


def _left_the_floor(data, rows) -> bool:
    """Whether the form has a row filled in for someone no longer on the floor
    (the page showed them; they moved or left before it was sent)."""
    here = {row["person"].pk for row in rows}
    for key in data:
        pk = key.removeprefix("hc-").removesuffix("-person")
        if key.endswith("-person") and whole_number(pk) is not None and int(pk) not in here:
            form = HealthEntryForm(data, prefix=board.round_prefix(int(pk)))
            if form.is_valid() and form.entry() is not None:
                return True
    return False


# --- a person's medical page ----------------------------------------------


@login_required
@require_GET
def person_medical(request, pk):
    person = get_person_for_user(request, pk, *MEDICAL_ROLES)
    return render(request, "medical/person_medical.html", board.person_medical_page(person))


def _open_stay(person: Person) -> Stay:
    stay = Stay.objects.open().filter(person=person).select_related("room", "person").first()
    if stay is None:
        raise Http404(_("This person is not in isolation."))
    return stay


@login_required
@require_POST
def stay_extend(request, pk):
    person = get_person_for_user(request, pk, *MEDICAL_ROLES)
    fallback = reverse("person-medical", args=[person.pk])
    call = partial(medical.stay_extend, stay=_open_stay(person), by=request.user)
    stay, refusal = _act(request, ExtendForm(request.POST), call, fallback)
    if refusal or stay is None:
        return refusal or done(request, _already(), fallback)
    message = _("The quarantine of %(name)s now ends on %(date)s; the samples for release are scheduled again.") % {
        "name": person.name,
        "date": stay.ends_on.isoformat(),
    }
    return done(request, message, fallback)


@login_required
@require_POST
def stay_replan(request, pk):
    person = get_person_for_user(request, pk, *MEDICAL_ROLES)
    fallback = reverse("person-medical", args=[person.pk])
    stay = _open_stay(person)
    ends_on = stay.ends_on
    call = partial(medical.sampling_replan, stay=stay, by=request.user)
    plan, refusal = _act(request, VersionedForm(request.POST), call, fallback)
    if refusal or plan is None:
        return refusal or done(request, _already(), fallback)
    stay.refresh_from_db()
    message = _("The remaining samples follow the current protocol.")
    if stay.ends_on == ends_on:
        message += " " + _("The end date stays %(date)s: it is never shortened.") % {"date": ends_on.isoformat()}
    return done(request, message, fallback)


@login_required
@require_POST
def medicine_need_add(request, pk):
    person = get_person_for_user(request, pk, *MEDICAL_ROLES)
    fallback = reverse("person-medical", args=[person.pk])
    form = MedicineNeedForm(request.POST)
    if not form.is_valid():
        return refused_in_panel(request, _("Name the medicine."), INVALID, fallback)
    try:
        medical.medicine_need_add(person=person, by=request.user, **form.cleaned_data)
    except services.AlreadySubmitted as error:
        return done(request, error.message, fallback)
    return done(request, _("Regular medicine recorded."), fallback)


# --- lab sheets -----------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def lab_import(request):
    site = site_for_user(request, *MEDICAL_ROLES)
    form = LabSheetForm(request.POST or None, request.FILES or None)
    status = 200
    if request.method == "POST":
        status = INVALID
        if form.is_valid():
            sheet = form.cleaned_data["sheet"]
            try:
                imported = medical.lab_import_preview(
                    site=site, by=request.user, filename=sheet.name, content=sheet.read()
                )
            except services.ServiceError as error:
                form.add_error("sheet", error.message)
            else:
                return redirect("lab-import-preview", pk=imported.pk)
    recent = LabImport.objects.filter(site=site).select_related("uploaded_by", "applied_by")[:10]
    return render(request, "medical/lab_import.html", {"form": form, "recent": recent}, status=status)


@login_required
@require_GET
def lab_import_preview(request, pk):
    site = site_for_user(request, *MEDICAL_ROLES)
    imported = get_object_or_404(LabImport.objects.select_related("uploaded_by", "applied_by"), pk=pk, site=site)
    earlier = (
        LabImport.objects.filter(site=site, digest=imported.digest, status=LabImport.Status.APPLIED)
        .exclude(pk=imported.pk)
        .select_related("applied_by")
        .first()
    )
    context = {
        "imported": imported,
        "lines": imported.lines(),
        "earlier": earlier,
        "once": OnceForm(),
        "apply_count": imported.count("apply"),
        "skip_count": imported.count("skip"),
        "error_count": imported.count("error"),
        "unrecorded_positives": sum(
            line["action"] == "error" and line["result"] == Sample.Result.POSITIVE for line in imported.rows
        ),
    }
    return render(request, "medical/lab_import_preview.html", context)


@login_required
@require_POST
def lab_import_apply(request, pk):
    site = site_for_user(request, *MEDICAL_ROLES)
    imported = get_object_or_404(LabImport, pk=pk, site=site)
    fallback = reverse("lab-import-preview", args=[imported.pk])
    call = partial(medical.lab_import_apply, lab_import=imported, by=request.user)
    count, refusal = _act(request, OnceForm(request.POST), call, fallback)
    message = _("%(count)s results applied from the lab sheet.") % {"count": count}
    return refusal or done(request, message if count is not None else _already(), fallback)


# --- release certificate --------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def release_certificate(request, pk):
    """The release notice: its preview (the ID masked), and the print, audited."""
    person = get_person_for_user(request, pk, *medical.CERTIFICATE_ROLES)
    notice = release_notice(person)
    can_reveal = request.user.has_perm("rooms.reveal_personal_data")
    # The full ID is printed only when asked for, as on every other print and export: masked by default.
    form = CertificateForm(request.POST if request.method == "POST" else None)
    printing = False
    status = 200
    if request.method == "POST":
        if notice.refusal:
            return refused_in_panel(request, notice.refusal, CONFLICT, reverse("release-certificate", args=[person.pk]))
        form.is_valid()
        try:
            notice = medical.certificate_print(person=person, by=request.user, full_id=form.cleaned_data.get("full_id"))
        except services.ServiceError as error:
            form.add_error(None, error.message)
            status = INVALID
        else:
            printing = True
    context = {
        "person": person,
        "notice": notice,
        "stay": notice.stay,
        "refusal": notice.refusal,
        "form": form,
        "printing": printing,
        "full_id": printing and form.cleaned_data.get("full_id"),
        "can_reveal": can_reveal,
    }
    return render(request, "medical/release_certificate.html", context, status=status)
