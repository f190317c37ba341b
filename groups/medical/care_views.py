"""The care ledger's screen and actions: the ledger, a plan, a follow-up, planned hospital visits.

Each action: fetch the person through the permission helper (403 for other
groups, 404 for another site), validate the form, call the service, respond.
A follow-up answers htmx with the person's row of the ledger; everybody else
gets the same row over the socket.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from groups.medical import services as medical
from groups.medical.care_board import care_ledger
from groups.medical.care_forms import CarePlanForm, FollowUpForm, VisitPlanForm, VisitStopForm
from groups.medical.care_models import CarePlan, HospitalVisitPlan
from rooms import services
from rooms.actions import (
    INVALID,
    done,
    get_person_for_user,
    panel_action,
    refused_in_panel,
    refused_status,
    site_for_user,
)
from rooms.models import Person

CARE_ROLES = medical.CARE_ROLES


@login_required
@require_GET
def ledger(request):
    site = site_for_user(request, *CARE_ROLES)
    return render(request, "medical/care_ledger.html", care_ledger(site))


@login_required
@require_http_methods(["GET", "POST"])
def plan_edit(request, pk):
    person = get_person_for_user(request, pk, *CARE_ROLES)
    plan = CarePlan.objects.filter(person=person).first()
    form = CarePlanForm(
        request.POST or None,
        site=person.site,
        plan=plan,
        pregnant=Person.Need.PREGNANT in person.special_needs or bool(plan and plan.due_date),
    )

    def run(data):
        version = data.pop("version")
        token = data.pop("token")
        medical.care_plan_save(person=person, by=request.user, data=data, version=version, token=token)
        return _("The care plan of %(name)s is saved.") % {"name": person.name}

    return panel_action(
        request,
        form,
        run=run,
        fallback=reverse("care-ledger"),
        title=_("Care plan: %(name)s") % {"name": person.name},
        submit=_("Save the plan"),
        intro=_(
            "How to talk to them and the meals-and-knocking note are shown to catering: never write a diagnosis there."
        ),
    )


@login_required
@require_POST
def follow_up(request, pk):
    person = get_person_for_user(request, pk, *CARE_ROLES)
    fallback = reverse("care-ledger")
    form = FollowUpForm(request.POST)
    if not form.is_valid():
        errors = " ".join(f"{form.fields[name].label}: {' '.join(errs)}" for name, errs in form.errors.items())
        return refused_in_panel(request, errors, INVALID, fallback)
    try:
        medical.care_follow_up_record(person=person, by=request.user, **form.cleaned_data)
    except services.AlreadySubmitted as error:
        message = error.message
    except services.ServiceError as error:
        return refused_in_panel(request, error.message, refused_status(error), fallback)
    else:
        message = _("Follow-up of %(name)s recorded.") % {"name": person.name}
    if request.htmx and request.htmx.target == f"care-row-{person.pk}":
        context = care_ledger(person.site)
        row = next((row for row in context["rows"] if row.person.pk == person.pk), None)
        if row is not None:
            return render(request, "medical/care_ledger.html#care-row", {**context, "row": row})
    return done(request, message, fallback)


@login_required
@require_http_methods(["GET", "POST"])
def visit_plan_add(request, pk):
    person = get_person_for_user(request, pk, *CARE_ROLES)
    form = VisitPlanForm(request.POST or None)

    def run(data):
        medical.hospital_visit_plan_add(person=person, by=request.user, **data)
        return _("Hospital visits planned for %(name)s: each trip is requested on its day.") % {"name": person.name}

    return panel_action(
        request,
        form,
        run=run,
        fallback=reverse("care-ledger"),
        title=_("Planned hospital visits: %(name)s") % {"name": person.name},
        submit=_("Plan the visits"),
        intro=_(
            "Planned once: on each of these days a round-trip transfer is requested early in the morning,"
            " for the site head to approve and the vehicle to be arranged."
        ),
    )


@login_required
@require_POST
def visit_plan_stop(request, pk):
    site = site_for_user(request, *CARE_ROLES)
    plan = get_object_or_404(HospitalVisitPlan, pk=pk, site=site)
    fallback = reverse("care-ledger")
    form = VisitStopForm(request.POST)
    if not form.is_valid():
        return refused_in_panel(request, _("This button is out of date; reload the page."), INVALID, fallback)
    try:
        medical.hospital_visit_plan_stop(plan=plan, by=request.user, **form.cleaned_data)
    except services.AlreadySubmitted as error:
        messages.info(request, error.message)
        return redirect(fallback)
    except services.ServiceError as error:
        return refused_in_panel(request, error.message, refused_status(error), fallback)
    return done(request, _("No more trips will be requested from this plan."), fallback)
