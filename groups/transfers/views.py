"""Transfers: the request, each move, and a transfer's page.

Like the other actions: fetch through a permission helper, validate a form,
call the service, respond (a panel fragment for htmx, a redirect otherwise).
Which group may make which move is the service's table; the views let in
everyone who may open a transfer at all.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from groups.transfers import services
from groups.transfers.board import ESCORT_PAGE_ROLES, TRANSFER_PAGE_ROLES, escort_may_open, load_transfer, transfer_page
from groups.transfers.forms import STEPS, TransferRequestForm
from groups.transfers.models import Transfer
from rooms.actions import CONFLICT, INVALID, refused_status, site_for_user
from rooms.models import ACTION_LABELS
from rooms.roles import has_role
from rooms.services import AlreadySubmitted, ServiceError
from site_ops import boards
from site_ops.inputs import whole_number


def _get_transfer_for_user(request, pk: int) -> Transfer:
    site = site_for_user(request, *TRANSFER_PAGE_ROLES, *ESCORT_PAGE_ROLES)
    try:
        return load_transfer(pk, site.pk)
    except Transfer.DoesNotExist:
        raise Http404(_("No such transfer on this site.")) from None


def _done(request, transfer: Transfer, message: str, *, error: bool = False, status: int = 200):
    """A panel message for htmx; otherwise back to the transfer's page (or home, for a group that cannot open it)."""
    if request.htmx:
        # On the transfer's own page the result needs no link to it (the page changes with the step).
        on_page = request.htmx.current_url_abs_path == transfer.get_absolute_url()
        context = {"message": message, "error": error, "transfer": transfer, "on_page": on_page}
        return render(request, "transfers/form.html#done", context, status=status)
    (messages.error if error else messages.success)(request, message)
    if has_role(request.user, *TRANSFER_PAGE_ROLES, *ESCORT_PAGE_ROLES):
        return redirect(transfer)
    return redirect("home")


@login_required
@require_http_methods(["GET", "POST"])
def transfer_new(request):
    site = site_for_user(request, *services.TRANSFER_REQUEST_ROLES)
    person = request.GET.get("person", "")
    initial = {"person": person} if whole_number(person) else {}
    # Going with someone (a carer, a child's guardian): where, how urgent and why come from their transfer.
    going_with = Transfer.objects.filter(pk=whole_number(request.GET.get("with")) or 0, site=site).first()
    if going_with is not None and initial:
        initial.update(
            destination_type=going_with.destination_type,
            destination_name=going_with.destination_name,
            urgency=going_with.urgency,
            reason=_("Goes with %(name)s (%(transfer)s).")
            % {"name": going_with.person.name, "transfer": going_with.get_destination_type_display()},
        )
    form = TransferRequestForm(request.POST or None, site=site, initial=initial)
    status = 200
    if request.method == "POST":
        status = INVALID
        if form.is_valid():
            try:
                transfer = services.transfer_request(
                    by=request.user, token=form.cleaned_data["token"], **form.arguments()
                )
            except services.TransferOpen as error:
                # A second request shows the open one instead.
                return _done(request, error.transfer, error.message, error=True, status=409)
            except AlreadySubmitted as error:
                if request.htmx:
                    return render(request, "rooms/panel_done.html", {"message": error.message})
                messages.success(request, error.message)
                return redirect("home")
            except ServiceError as error:
                form.add_error(None, error.message)
                status = refused_status(error)
            else:
                message = _("Transfer requested for %(name)s; it now waits for the site head's approval.") % {
                    "name": transfer.person.name
                }
                return _done(request, transfer, message)
    context = {
        "form": form,
        "title": _("Request a transfer"),
        "action": reverse("transfer-new"),
        "submit": _("Request the transfer"),
    }
    template = "transfers/form.html#form" if request.htmx else "transfers/form.html"
    return render(request, template, context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def transfer_move(request, pk, to):
    if to not in STEPS:
        raise Http404(_("No such step."))
    transfer = _get_transfer_for_user(request, pk)
    step = STEPS[to]
    form_class = step.form
    status = 200
    if request.method == "POST":
        form = form_class(request.POST, transfer=transfer)
        status = INVALID
        if form.is_valid():
            try:
                transfer = step.service(transfer=transfer, by=request.user, **form.arguments())
            except AlreadySubmitted as error:
                return _done(request, transfer, error.message)
            except ServiceError as error:
                form.add_error(None, error.message)
                status = refused_status(error)
            else:
                message = _("%(transfer)s: %(step)s.") % {
                    "transfer": transfer,
                    "step": ACTION_LABELS[f"transfer.{to}"],
                }
                return _done(request, transfer, message)
    else:
        waiting = to == Transfer.State.ARRANGED and services.waits_for_office(transfer)
        if waiting:  # said before anything is typed, not after
            return _done(request, transfer, waiting, error=True, status=CONFLICT)
        form = form_class(transfer=transfer)
    context = {
        "form": form,
        "transfer": transfer,
        "title": f"{step.label}: {transfer}",
        "action": reverse("transfer-move", args=[transfer.pk, to]),
        "submit": step.label,
    }
    template = "transfers/form.html#form" if request.htmx else "transfers/form.html"
    return render(request, template, context, status=status)


@login_required
@require_GET
def transfer_detail(request, pk):
    transfer = _get_transfer_for_user(request, pk)
    # The escort's page for the security group, unless the user also has the whole.
    escort = not has_role(request.user, *TRANSFER_PAGE_ROLES)
    if escort and not escort_may_open(transfer):
        raise Http404(_("No such transfer on this site."))
    page = transfer_page(transfer, escort=escort)
    page["can_reveal"] = request.user.has_perm("rooms.reveal_personal_data")
    return render(request, "transfers/detail.html", page)


@login_required
@require_POST
def transfer_print(request, pk):
    """The handover sheet for the receiver with the full national ID: audited, for those who may reveal it."""
    site_for_user(request, *TRANSFER_PAGE_ROLES)
    transfer = _get_transfer_for_user(request, pk)
    try:
        services.transfer_print(transfer=transfer, by=request.user)
    except ServiceError as error:
        return _done(request, transfer, error.message, error=True, status=refused_status(error))
    page = transfer_page(transfer)
    page.update({"can_reveal": True, "full_id": True, "printing": True})
    return render(request, "transfers/detail.html", page)


@login_required
@require_GET
def transfer_board(request):
    return _transfer_board(request, "transfers")


@login_required
@require_GET
def escort_board(request):
    return _transfer_board(request, "escorts")


def _transfer_board(request, key: str):
    board = boards.BOARDS[key]
    site = site_for_user(request, *board.roles)
    return render(request, "transfers/board.html", board.context(site))
