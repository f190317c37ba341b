from datetime import date

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from groups.control import board, report
from groups.control import exports as exports_module
from groups.control.models import DailyReport
from rooms.actions import INVALID, XLSX, done, refused_response, refused_status, site_for_user
from rooms.forms import OnceForm
from rooms.roles import Role
from rooms.services import AlreadySubmitted, ServiceError
from site_ops import boards
from site_ops.upkeep import reads

# Everyone who has an export to take.
ALL_EXPORT_ROLES = (Role.SITE_HEAD, Role.GENERAL, Role.MEDICAL, Role.DISINFECTION, Role.SECURITY)


@login_required
@require_GET
def control_screen(request):
    site = site_for_user(request, *boards.BOARDS["control"].roles)
    return render(request, "control/screen.html", board.control_screen(site))


def _report_day(request) -> date | None:
    """The day asked for (?day=YYYY-MM-DD), today by default; None when it is not a day that has begun."""
    value = request.GET.get("day") or request.POST.get("day") or ""
    if not value:
        return timezone.localdate()
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if day <= timezone.localdate() else None


@login_required
@require_GET
def daily_report(request):
    """The day's report for the site head: on screen, printable on A4, as Excel, and submitted."""
    site = site_for_user(request, Role.SITE_HEAD)
    day = _report_day(request)
    if day is None:
        return refused_response(request, _("Choose a day up to today."), INVALID, fallback="control-screen")
    submitted = DailyReport.objects.filter(site=site, day=day).select_related("submitted_by").first()
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
    day = _report_day(request)
    if day is None:
        return refused_response(request, _("Choose a day up to today."), INVALID, fallback="control-screen")
    submitted = DailyReport.objects.filter(site=site, day=day).select_related("submitted_by").first()
    content = report.workbook(site, day, report.daily_report(site, day), submitted)
    response = HttpResponse(content, content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="daily-report-{day:%Y-%m-%d}.xlsx"'
    return response


@login_required
@require_POST
def daily_report_submit(request):
    site = site_for_user(request, Role.SITE_HEAD)
    day = _report_day(request)
    form = OnceForm(request.POST)
    if day is None or not form.is_valid():
        return refused_response(request, _("Choose a day up to today."), INVALID, fallback="control-screen")
    try:
        report.report_submit(site=site, day=day, by=request.user, token=form.cleaned_data["token"])
    except AlreadySubmitted as error:
        return done(request, error.message, "daily-report")
    except ServiceError as error:
        return refused_response(request, error.message, refused_status(error), fallback="daily-report")
    message = _("The report of %(day)s was submitted to the district office.") % {"day": day.isoformat()}
    return done(request, message, "daily-report")


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
    try:
        first = date.fromisoformat(request.POST.get("first", ""))
        last = date.fromisoformat(request.POST.get("last", ""))
    except ValueError:
        return refused_response(request, _("Enter the first and the last day of the range."), INVALID, "exports")
    try:
        out, name, _count = exports_module.export_file(
            site=site, key=key, first=first, last=last, by=request.user, full_id=request.POST.get("full_id") == "1"
        )
    except ServiceError as error:
        return refused_response(request, error.message, refused_status(error), "exports")
    return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX)


@login_required
@require_GET
def upkeep(request):
    """Backups and scheduled jobs, for the site head: did last night's run, and the backup?"""
    site_for_user(request, Role.SITE_HEAD)
    return render(request, "control/upkeep.html", reads.upkeep_status())
