"""Residents' requests on the screens: logging one from any board, working it
from its group's board, and the ledger the general group keeps (the period's
figures, printed or exported for the isolation office).

The writes and reads are rooms.requests: every group logs and works them.
"""

import io
import unicodedata
from datetime import date, datetime, timedelta
from decimal import Decimal
from functools import partial

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST
from openpyxl import Workbook
from openpyxl.styles import Font

from rooms import requests as ledger
from rooms.actions import on_this_site, panel_action, site_for_user, tap_action
from rooms.forms import DayField, OnceForm, TickField, VersionedForm
from rooms.models import Person, Request, Room
from rooms.roles import Role
from rooms.services import audit, repaired_out_of_service
from rooms.sheets import append_row, fit_columns, sheet_download, sheet_name
from site_ops.inputs import MAX_ID, whole_number

LEDGER_ROLES = (Role.GENERAL, Role.SITE_HEAD)
# How many item lines the resolve form offers (a tablet form, no scripting).
ITEM_LINES = 3


# --- forms --------------------------------------------------------------------


class RequestForm(OnceForm):
    """Quick enough to fill while the person is on the phone: room, kind, urgency, what."""

    room = forms.CharField(
        label=gettext_lazy("room"),
        max_length=10,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off", "list": "request-rooms"}),
    )
    kind = forms.ChoiceField(label=gettext_lazy("kind"), choices=Request.Kind.choices, widget=forms.RadioSelect)
    urgency = forms.ChoiceField(
        label=gettext_lazy("urgency"),
        choices=Request.Urgency.choices,
        initial=Request.Urgency.TODAY,
        widget=forms.RadioSelect,
    )
    what = forms.CharField(label=gettext_lazy("what exactly"), max_length=200)
    via = forms.ChoiceField(
        label=gettext_lazy("who asked"),
        choices=Request.Via.choices,
        initial=Request.Via.PHONE,
        widget=forms.RadioSelect,
    )
    person = forms.IntegerField(widget=forms.HiddenInput, required=False, min_value=1, max_value=MAX_ID)

    def __init__(self, *args, site, **kwargs):
        super().__init__(*args, **kwargs)
        self.site = site

    def clean_room(self):
        number = self.cleaned_data["room"].strip()
        try:
            return Room.objects.get(site=self.site, number=number)
        except Room.DoesNotExist:
            raise ValidationError(_("There is no room %(number)s on this site.") % {"number": number}) from None

    def clean_person(self):
        pk = self.cleaned_data.get("person")
        if not pk:
            return None
        try:
            return Person.objects.get(pk=pk, site=self.site)
        except Person.DoesNotExist:
            raise ValidationError(_("No such person on this site.")) from None


class ResolveForm(VersionedForm):
    outcome = forms.CharField(
        label=gettext_lazy("what was done"),
        max_length=300,
        widget=forms.TextInput(attrs={"autocomplete": "off"}),
    )

    def arguments(self) -> dict:
        return {"outcome": self.cleaned_data["outcome"]}


class GoodsResolveForm(ResolveForm):
    """Goods (medicine, supplies): the items handed over, their source and cost, and to whom."""

    source = forms.ChoiceField(
        label=gettext_lazy("sourced from"),
        choices=Request.Source.choices,
        widget=forms.RadioSelect,
    )
    cost = forms.DecimalField(
        label=gettext_lazy("cost (¥)"), required=False, min_value=0, max_digits=9, decimal_places=2
    )
    handed_to = forms.CharField(
        label=gettext_lazy("handed to"),
        max_length=50,
        required=False,
        help_text=gettext_lazy("Who took the goods at the door."),
    )
    goods_disinfected = TickField(label=gettext_lazy("goods disinfected before hand-over"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for line in range(1, ITEM_LINES + 1):
            self.fields[f"item_{line}"] = forms.CharField(
                label=_("item %(n)s") % {"n": line}, max_length=60, required=False
            )
            self.fields[f"quantity_{line}"] = forms.DecimalField(
                label=_("quantity"), required=False, min_value=Decimal("0.01"), max_digits=8, decimal_places=2
            )
            self.fields[f"unit_{line}"] = forms.CharField(
                label=_("unit"), max_length=10, required=False, widget=forms.TextInput(attrs={"placeholder": "盒"})
            )

    def clean(self):
        data = super().clean()
        for line in range(1, ITEM_LINES + 1):
            if data.get(f"quantity_{line}") and not (data.get(f"item_{line}") or "").strip():
                self.add_error(f"item_{line}", _("Name the item of this quantity."))
        return data

    def arguments(self) -> dict:
        data = self.cleaned_data
        items = [
            (data[f"item_{line}"].strip(), data.get(f"quantity_{line}") or Decimal(1), data.get(f"unit_{line}") or "")
            for line in range(1, ITEM_LINES + 1)
            if (data.get(f"item_{line}") or "").strip()
        ]
        return {
            "outcome": data["outcome"],
            "items": items,
            "source": data["source"],
            "cost": data.get("cost"),
            "handed_to": data.get("handed_to", ""),
            "goods_disinfected": data.get("goods_disinfected", False),
        }


class DeclineForm(VersionedForm):
    reason = forms.CharField(label=gettext_lazy("why not"), max_length=300)


# The ledger's list narrowed to what is still to do, or to what was done.
NOT_DONE = "not_done"
SHOWN_STATUSES = [
    ("", gettext_lazy("every status")),
    (NOT_DONE, gettext_lazy("not done yet")),
    (Request.Status.RESOLVED, Request.Status.RESOLVED.label),
    (Request.Status.DECLINED, Request.Status.DECLINED.label),
]


class PeriodForm(forms.Form):
    first = DayField(label=gettext_lazy("from"), required=False)
    last = DayField(label=gettext_lazy("to"), required=False)
    # The list of requests only: the figures are always the whole period's. A choice the
    # page never offers shows the list whole rather than dropping the period asked for.
    status = forms.CharField(label=gettext_lazy("status"), required=False, widget=forms.Select(choices=SHOWN_STATUSES))
    kind = forms.CharField(
        label=gettext_lazy("kind"),
        required=False,
        widget=forms.Select(choices=[("", gettext_lazy("every kind")), *Request.Kind.choices]),
    )
    room = forms.CharField(label=gettext_lazy("room"), max_length=10, required=False)

    def clean_status(self):
        value = self.cleaned_data["status"]
        return value if value in dict(SHOWN_STATUSES) else ""

    def clean_kind(self):
        value = self.cleaned_data["kind"]
        return value if value in Request.Kind.values else ""

    def narrowed(self, requests: list) -> list:
        """The period's requests with the status, kind and room asked for (an unreadable choice: all)."""
        data = self.cleaned_data if self.is_bound and self.is_valid() else {}
        status, kind = data.get("status"), data.get("kind")
        # "614房", "６１４": the room's number.
        room = (
            unicodedata.normalize("NFKC", data.get("room") or "")
            .strip()
            .removesuffix("房间")
            .removesuffix("房")
            .upper()
        )
        if status == NOT_DONE:
            requests = [found for found in requests if found.status in Request.OPEN_STATUSES]
        elif status:
            requests = [found for found in requests if found.status == status]
        if kind:
            requests = [found for found in requests if found.kind == kind]
        if room:
            requests = [found for found in requests if found.room.number == room]
        return requests

    def not_done(self) -> bool:
        return self.is_bound and self.is_valid() and self.cleaned_data.get("status") == NOT_DONE

    def narrowing(self) -> bool:
        return self.is_bound and self.is_valid() and any(self.cleaned_data.get(k) for k in ("status", "kind", "room"))

    def period(self):
        today = timezone.localdate()
        first = last = today
        if self.is_valid():
            first = self.cleaned_data.get("first") or today
            last = self.cleaned_data.get("last") or first
        if last < first:
            first, last = last, first
        # A year at most: the figures stay one screen.
        return max(first, last - timedelta(days=366)), last


# --- views --------------------------------------------------------------------


def _fallback(request) -> str:
    target = request.GET.get("next")
    return target if on_this_site(request, target) else reverse("home")


@login_required
@require_http_methods(["GET", "POST"])
def request_new(request):
    """Log a request from any board, a room's page or a person's page."""
    site = site_for_user(request, *ledger.LOG_ROLES)
    initial = {key: request.GET[key] for key in ("room", "kind", "person") if request.GET.get(key)}
    form = RequestForm(request.POST or None, site=site, initial=initial)
    person = None
    if whole_number(initial.get("person")):
        person = Person.objects.filter(pk=initial["person"], site=site).first()

    def run(data):
        logged = ledger.request_log(
            site=site,
            room=data["room"],
            person=data["person"],
            by=request.user,
            kind=data["kind"],
            urgency=data["urgency"],
            what=data["what"],
            via=data["via"],
            token=data["token"],
        )
        return _("Request logged for room %(room)s; it is on the %(group)s's board now.") % {
            "room": logged.room.number,
            "group": logged.get_group_display(),
        }

    return panel_action(
        request,
        form,
        run=run,
        fallback=_fallback(request),
        title=_("Log a request") if person is None else _("Log a request for %(name)s") % {"name": person.name},
        submit=_("Log the request"),
        template="general/request_form.html",
        extra={"rooms": Room.objects.filter(site=site).values_list("number", flat=True).order_by("number")},
    )


def _request_of(request, pk) -> Request:
    site = site_for_user(request, *ledger.LOG_ROLES)
    found = Request.objects.select_related("room", "person", "site").filter(pk=pk, site=site).first()
    if found is None:
        raise Http404(_("Not found on this site."))
    return found


@login_required
@require_POST
def request_take(request, pk):
    """One tap on the group's board: I am on it."""
    found = _request_of(request, pk)
    call = partial(ledger.request_take, request=found, by=request.user)
    return tap_action(
        request,
        OnceForm(request.POST),
        run=lambda data: call(token=data["token"]) and _("Request taken."),
        respond=lambda: HttpResponse(status=204),
        fallback=_fallback(request),
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_resolve(request, pk):
    found = _request_of(request, pk)
    ledger.require_may_work(request.user, found)
    form_class = GoodsResolveForm if found.is_goods else ResolveForm
    form = form_class(request.POST or None, initial={"version": found.version, "source": found.source})

    def run(data):
        ledger.request_resolve(
            request=found, by=request.user, version=data["version"], token=data["token"], **form.arguments()
        )
        if found.kind == Request.Kind.REPAIR and repaired_out_of_service(found.room):
            return _("Request resolved. Room %(room)s is still out of service: put it back in service on its page.") % {
                "room": found.room.number
            }
        return _("Request resolved.")

    return panel_action(
        request,
        form,
        run=run,
        fallback=_fallback(request),
        title=_("Resolve: %(room)s · %(what)s") % {"room": ledger.where(found), "what": found.what},
        submit=_("Resolve the request"),
    )


@login_required
@require_http_methods(["GET", "POST"])
def request_decline(request, pk):
    found = _request_of(request, pk)
    ledger.require_may_work(request.user, found)
    form = DeclineForm(request.POST or None, initial={"version": found.version})

    def run(data):
        ledger.request_decline(
            request=found, by=request.user, reason=data["reason"], version=data["version"], token=data["token"]
        )
        return _("Request declined; tell the person why.")

    return panel_action(
        request,
        form,
        run=run,
        fallback=_fallback(request),
        title=_("Decline: %(room)s · %(what)s") % {"room": ledger.where(found), "what": found.what},
        submit=_("Decline the request"),
    )


def _period_requests(site, first, last, user, *, open_before_too: bool = False):
    """The requests logged in the period; ``open_before_too``: and the ones logged before it still open
    (what is not done yet, whatever day it was logged)."""
    start, end = ledger.day_range(first, last)
    logged = Q(requested_at__gte=start, requested_at__lt=end)
    if open_before_too:
        logged |= Q(requested_at__lt=start, status__in=Request.OPEN_STATUSES)
    requests = list(
        Request.objects.filter(logged, site=site)
        .select_related("room", "person", "requested_by", "closed_by")
        .prefetch_related("items")
        .order_by("requested_at", "pk")
    )
    for found in requests:
        found.readable = ledger.may_read(user, found.kind)
    return requests


@login_required
@require_GET
def request_ledger(request):
    """The ledger of a period (today unless asked): figures by kind and day, and every request."""
    site = site_for_user(request, *LEDGER_ROLES)
    period = PeriodForm(request.GET or None)
    first, last = period.period()
    context = {
        "site": site,
        "period": period,
        "first": first,
        "last": last,
        "totals": ledger.ledger_totals(site, first, last),
        "headline": ledger.headline(site),
        "requests": period.narrowed(
            _period_requests(site, first, last, request.user, open_before_too=period.not_done())
        ),
        "printing": request.GET.get("print") == "1",
    }
    return render(request, "general/request_ledger.html", context)


@login_required
@require_GET
def request_ledger_xlsx(request):
    """The period's ledger as a workbook for the isolation office: totals, days, every request."""
    site = site_for_user(request, *LEDGER_ROLES)
    first, last = PeriodForm(request.GET or None).period()
    totals = ledger.ledger_totals(site, first, last)
    requests = _period_requests(site, first, last, request.user)
    hidden = _("(medical group only)")
    sheets = [
        (
            _("Totals"),
            [_("kind"), _("requests"), _("resolved"), _("declined"), _("items"), _("cost (¥)")],
            [
                [
                    str(row["label"]),
                    row["requests"],
                    row["resolved"],
                    row["declined"],
                    "、".join(f"{item['quantity'].normalize():f} {item['unit']}".strip() for item in row["quantities"]),
                    row["money"],
                ]
                for row in totals["kinds"]
            ]
            + [[_("total"), totals["requests"], totals["resolved"], totals["declined"], "", totals["money"]]],
        ),
        (
            _("By day"),
            [_("day"), _("requests"), _("resolved"), _("cost (¥)")],
            [[day, row["requests"], row["resolved"], row["money"]] for day, row in totals["days"]],
        ),
        (
            _("Requests"),
            [
                _("logged"),
                _("room"),
                _("person"),
                _("kind"),
                _("urgency"),
                _("what exactly"),
                _("status"),
                _("closed"),
                _("what was done"),
                _("items"),
                _("sourced from"),
                _("cost (¥)"),
            ],
            [
                [
                    timezone.localtime(found.requested_at).replace(tzinfo=None),
                    found.room.number,
                    found.person.name if found.person_id else "",
                    found.get_kind_display(),
                    found.get_urgency_display(),
                    found.what if found.readable else hidden,
                    found.get_status_display(),
                    timezone.localtime(found.closed_at).replace(tzinfo=None) if found.closed_at else "",
                    found.resolution if found.readable else "",
                    "、".join(str(item) for item in found.items.all()) if found.readable else "",
                    found.get_source_display(),
                    found.cost,
                ]
                for found in requests
            ],
        ),
    ]
    response = sheet_download(write_workbook(sheets), sheet_name(pgettext("file name", "requests"), first, last))
    audit(
        site=site,
        by=request.user,
        action="export",
        obj=site,
        label=gettext_lazy("Requests ledger"),
        after={"export": "requests", "from": first, "to": last, "rows": len(requests)},
    )
    return response


def write_workbook(sheets) -> bytes:
    """Small sheets (a period's ledger): a bold header, real dates and numbers, a frozen first row."""
    book = Workbook()
    book.remove(book.active)
    bold = Font(bold=True)
    for title, header, rows in sheets:
        sheet = book.create_sheet(str(title)[:31])
        append_row(sheet, [str(column) for column in header])
        for cell in sheet[1]:
            cell.font = bold
        for row in rows:
            append_row(sheet, [str(value) if isinstance(value, Promise) else value for value in row])
        for line in sheet.iter_rows(min_row=2):
            for cell in line:
                if isinstance(cell.value, datetime):
                    cell.number_format = "yyyy-mm-dd hh:mm"
                elif isinstance(cell.value, date):
                    cell.number_format = "yyyy-mm-dd"
        sheet.freeze_panes = "A2"
        fit_columns(sheet)
    content = io.BytesIO()
    book.save(content)
    return content.getvalue()
