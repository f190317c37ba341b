from datetime import date, timedelta

from django.contrib.auth.decorators import login_required
from django.http import Http404
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from groups.control import board, report
from groups.control import district as district_module
from groups.control import exports as exports_module
from groups.control.forms import FreeBedForm, OfficeConfirmForm
from groups.control.models import DailyReport
from groups.transfers.models import Transfer
from groups.transfers.services import transfer_office_confirm
from rooms.actions import INVALID, done, panel_action, refused_response, refused_status, site_for_user
from rooms.forms import OnceForm
from rooms.models import District, Site
from rooms.roles import Role, district_sites, require_role
from rooms.services import AlreadySubmitted, ServiceError
from rooms.sheets import XLSX, file_download, sheet_download, sheet_name
from site_ops import boards
from site_ops.inputs import FIRST_DAY, LAST_DAY, site_day, whole_number
from site_ops.upkeep import reads

# Everyone who has an export to take.
ALL_EXPORT_ROLES = (Role.SITE_HEAD, Role.GENERAL, Role.MEDICAL, Role.DISINFECTION, Role.SECURITY)


@login_required
@require_GET
def control_screen(request):
    site = site_for_user(request, *boards.BOARDS["control"].roles)
    return render(request, "control/screen.html", board.control_screen(site))


# Before this hour the report opens on the day before: a night shift's site head means the day just over,
# not two hours of a new one.
REPORT_DAY_STARTS_AT_HOUR = 6


def _report_day(request, site: Site) -> date | None:
    """The day asked for (?day=YYYY-MM-DD), today by default (yesterday in the small hours); None unless the
    site was open that day."""
    value = request.GET.get("day") or request.POST.get("day") or ""
    if not value:
        now = timezone.localtime()
        yesterday = now.date() - timedelta(days=1)
        if now.hour < REPORT_DAY_STARTS_AT_HOUR and site.opened_on <= yesterday:
            return yesterday
        return now.date()
    day = site_day(value)
    return day if day and site.opened_on <= day <= timezone.localdate() else None


def _no_such_report_day(request, site: Site):
    message = _("Choose a day from the day the site opened (%(opened)s) up to today.") % {
        "opened": site.opened_on.isoformat()
    }
    # Back to the report, of today, unless the page it came from is known.
    return refused_response(request, message, INVALID, fallback="daily-report")


@login_required
@require_GET
def daily_report(request):
    """The day's report for the site head: on screen, printable on A4, as Excel, and submitted."""
    site = site_for_user(request, Role.SITE_HEAD)
    day = _report_day(request, site)
    if day is None:
        return _no_such_report_day(request, site)
    submitted = report.latest_report(site, day)
    context = {
        "site": site,
        "day": day,
        "today": timezone.localdate(),
        "now": timezone.localtime(),
        "sections": report.daily_report(site, day),
        "submitted": submitted,
        "form": OnceForm(),
    }
    return render(request, "control/report.html", context)


@login_required
@require_GET
def daily_report_xlsx(request):
    site = site_for_user(request, Role.SITE_HEAD)
    day = _report_day(request, site)
    if day is None:
        return _no_such_report_day(request, site)
    submitted = report.latest_report(site, day)
    content = report.workbook(site, day, report.daily_report(site, day), submitted)
    return sheet_download(content, sheet_name(pgettext("file name", "daily report"), day))


@login_required
@require_POST
def daily_report_submit(request):
    site = site_for_user(request, Role.SITE_HEAD)
    day = _report_day(request, site)
    form = OnceForm(request.POST)
    if day is None or not form.is_valid():
        return _no_such_report_day(request, site)
    try:
        token, replaces = form.cleaned_data["token"], whole_number(request.POST.get("replaces"))
        sent = report.report_submit(site=site, day=day, by=request.user, token=token, replaces=replaces)
    except AlreadySubmitted as error:
        return done(request, error.message, "daily-report")
    except ServiceError as error:
        return refused_response(request, error.message, refused_status(error), fallback="daily-report")
    if sent.version > 1:
        message = _("The report of %(day)s was submitted again to the district office (submission %(n)s).")
    else:
        message = _("The report of %(day)s was submitted to the district office.")
    return done(request, message % {"day": day.isoformat(), "n": sent.version}, "daily-report")


@login_required
@require_GET
def exports(request):
    """The exports this user may take, each over a date range."""
    site = site_for_user(request, *ALL_EXPORT_ROLES)
    today = timezone.localdate()
    context = {
        "site": site,
        "exports": exports_module.exports_for(request.user),
        "first": today.replace(day=1),
        "today": today,
        "can_reveal": request.user.has_perm("rooms.reveal_personal_data"),
        "form": OnceForm(),
    }
    return render(request, "control/exports.html", context)


@login_required
@require_POST
def export_download(request, key):
    site = site_for_user(request, *ALL_EXPORT_ROLES)
    first, last = site_day(request.POST.get("first")), site_day(request.POST.get("last"))
    if first is None or last is None:
        message = _("Enter the first and the last day of the range, between %(first)s and %(last)s.") % {
            "first": FIRST_DAY.isoformat(),
            "last": LAST_DAY.isoformat(),
        }
        return refused_response(request, message, INVALID, "exports")
    try:
        out, name, _count = exports_module.export_file(
            site=site, key=key, first=first, last=last, by=request.user, full_id=request.POST.get("full_id") == "1"
        )
    except ServiceError as error:
        return refused_response(request, error.message, refused_status(error), "exports")
    return file_download(request, out, filename=name, content_type=XLSX)


@login_required
@require_GET
def upkeep(request):
    """Backups and scheduled jobs, for the site head: did last night's run, and the backup?"""
    site_for_user(request, Role.SITE_HEAD)
    return render(request, "control/upkeep.html", reads.upkeep_status())


# --- the district isolation office --------------------------------------------


def _district(request):
    """The district the officer is looking at (``?district=``, else the one they chose last in this login,
    else their first), or 404. The choice is kept, so the top bar's links stay in it."""
    require_role(request.user, Role.DISTRICT)
    districts = list(District.objects.filter(officers=request.user).order_by("name", "pk"))
    if not districts:
        raise Http404(_("Your login is not attached to a district office."))
    wanted = request.GET.get("district", "") or str(request.session.get("district", ""))
    district = next((district for district in districts if str(district.pk) == wanted), districts[0])
    if len(districts) > 1 and request.session.get("district") != district.pk:
        request.session["district"] = district.pk
    return district, districts


def _district_site(request, pk):
    """A site of one of the officer's districts, or 404."""
    require_role(request.user, Role.DISTRICT)
    try:
        return district_sites(request.user).get(pk=pk)
    except Site.DoesNotExist:
        raise Http404(_("Not a site of your district.")) from None


@login_required
@require_GET
def district_overview(request):
    """Every site of the district live: one row each."""
    district, districts = _district(request)
    context = district_module.overview_context(district)
    context.update(districts=districts, ws_path=f"/ws/pages/district/{district.pk}/")
    return render(request, "control/district.html", context)


@login_required
@require_GET
def district_site(request, pk):
    """A site's control screen for the office: the same figures and grid, nothing to act on."""
    site = _district_site(request, pk)
    context = board.control_screen(site)
    context["read_only"] = True
    return render(request, "control/district_site.html", context)


# The office's list of daily reports: the last two weeks, a column per site.
REPORT_DAYS = 14


@login_required
@require_GET
def district_reports(request):
    """The daily reports the district's sites submitted, day by day: which are in, and each to open."""
    district, districts = _district(request)
    sites = list(district.sites.order_by("name", "pk"))
    today = timezone.localdate()
    days = [today - timedelta(days=n) for n in range(REPORT_DAYS)]
    # The day's latest submission of each site (ordered so, the last one read stays).
    sent = {
        (sent.site_id, sent.day): sent
        for sent in DailyReport.objects.filter(site__in=sites, day__gte=days[-1])
        .order_by("version")
        .select_related("submitted_by")
    }
    rows = [{"day": day, "reports": [(site, sent.get((site.pk, day))) for site in sites]} for day in days]
    context = {"district": district, "districts": districts, "sites": sites, "rows": rows, "today": today}
    return render(request, "control/district_reports.html", context)


def _submitted_report(request, pk) -> tuple[DailyReport, list[DailyReport]]:
    """A site's daily report as submitted (``?day=``; the latest, or ``&version=``), for an officer
    of its district, with every submission of that day; or 404."""
    site = _district_site(request, pk)
    day = site_day(request.GET.get("day"))
    reports = DailyReport.objects.filter(site=site, day=day).order_by("version").select_related("submitted_by")
    every = list(reports) if day else []
    version = whole_number(request.GET.get("version"))
    if version is not None:
        sent = next((each for each in every if each.version == version), None)
    else:
        sent = every[-1] if every else None
    if sent is None:
        raise Http404(_("This site has not submitted a report for that day."))
    for each in every:
        each.site = site
    return sent, every


@login_required
@require_GET
def district_report(request, pk):
    """One submitted daily report, as the site head sent it: to read, print or take as Excel."""
    sent, every = _submitted_report(request, pk)
    context = {"report": sent, "sections": sent.figures, "submissions": every}
    return render(request, "control/district_report.html", context)


@login_required
@require_GET
def district_report_xlsx(request, pk):
    sent, _every = _submitted_report(request, pk)
    sections = [report.Section(**section) for section in sent.figures]
    content = report.workbook(sent.site, sent.day, sections, sent)
    return sheet_download(content, sheet_name(f"{sent.site.name} {pgettext('file name', 'daily report')}", sent.day))


@login_required
@require_GET
def district_transfers(request):
    """The transfers that need the office, as they are requested."""
    district, districts = _district(request)
    context = district_module.office_transfers_context(district.pk)
    context.update(districts=districts, ws_path=f"/ws/pages/district-transfers/{district.pk}/")
    return render(request, "control/district_transfers.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def district_confirm(request, pk):
    """The office confirms a transfer's destination and receiving bed."""
    require_role(request.user, Role.DISTRICT)
    sites = list(district_sites(request.user))
    try:
        transfer = Transfer.objects.select_related("site", "person").get(pk=pk, site__in=[s.pk for s in sites])
    except Transfer.DoesNotExist:
        raise Http404(_("Not a transfer of your district.")) from None
    data = request.POST if request.method == "POST" else None
    form = OfficeConfirmForm(data, transfer=transfer, sites=sites)

    def run(cleaned):
        transfer_office_confirm(
            transfer=transfer,
            by=request.user,
            destination_name=cleaned.get("destination_name", ""),
            receiving_bed=cleaned.get("receiving_bed", ""),
            receiving_room=cleaned.get("receiving_room"),
            version=cleaned["version"],
            note=cleaned.get("note", ""),
            token=cleaned.get("token") or None,
        )
        return _("%(transfer)s: the destination and bed are confirmed.") % {"transfer": transfer.person.name}

    return panel_action(
        request,
        form,
        run=run,
        fallback="district-transfers",
        title=_("Confirm the destination: %(name)s → %(destination)s")
        % {"name": transfer.person.name, "destination": transfer.get_destination_type_display()},
        submit=_("Confirm destination and bed"),
    )


@login_required
@require_GET
def district_beds(request):
    """Free beds across the district's sites: where can this family go?"""
    district, districts = _district(request)
    form = FreeBedForm(request.GET or None)
    results = None
    if form.is_bound and form.is_valid():
        results = district_module.free_beds(
            district_module.district_sites_list(district),
            beds=form.cleaned_data["beds"],
            room_type=form.cleaned_data["room_type"],
            elderly=form.cleaned_data["elderly"],
        )
    context = {"district": district, "districts": districts, "form": form, "results": results}
    return render(request, "control/district_beds.html", context)
