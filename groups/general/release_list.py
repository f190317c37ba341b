"""The day's releases for the communities: who went home, where to, and until when they are monitored.

The general group sends the streets (街道) and communities (社区) the list of
the people released on a day as a spreadsheet, so that each community takes
its people over for their home health monitoring. The list is bounded (one
day's releases), masks national IDs and phone numbers unless the user may
reveal personal data, and every export is in each listed person's history.
"""

import io
from dataclasses import dataclass
from datetime import date

from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from groups.medical.models import TestProtocol
from groups.medical.reads import day_bounds
from rooms.models import Site, Stay
from rooms.roles import require_role
from rooms.services import PEOPLE_ROLES, ServiceError, audit, require_reveal
from rooms.sheets import append_row, fit_columns
from site_ops import live

DATE = "yyyy-mm-dd"


@dataclass
class ReleaseRow:
    stay: Stay
    released_on: date
    monitoring_days: int
    monitoring_until: date | None

    @property
    def person(self):
        return self.stay.person


def released_on(site: Site, day: date) -> list[ReleaseRow]:
    """The people released on ``day``, room by room (two queries)."""
    start, end = day_bounds(day)
    stays = (
        Stay.objects.filter(site=site, end_reason=Stay.EndReason.RELEASED, ended_at__gte=start, ended_at__lt=end)
        .select_related("person", "room")
        .order_by("room__floor", "room__number", "person__name")
    )
    protocol = TestProtocol.numbers_for(site.pk)
    return [
        ReleaseRow(
            stay=stay,
            released_on=day,
            monitoring_days=protocol.home_monitoring_days,
            monitoring_until=protocol.home_monitoring_until(day),
        )
        for stay in stays
    ]


def require_past_or_today(day: date) -> None:
    if day > timezone.localdate():
        raise ServiceError(
            _("%(date)s is still to come: nobody has been released on it yet.") % {"date": date_format(day, "Y-m-d")}
        )


def release_list_export(*, site: Site, day: date, by, full_id: bool = False) -> tuple[bytes, int]:
    """The day's release list as an .xlsx, and how many people are on it.

    Each listed person's history records the export and whether their full
    national ID and phone number were in it (only for a user allowed to
    reveal personal data).
    """
    require_role(by, *PEOPLE_ROLES)
    if full_id:
        require_reveal(by)
    require_past_or_today(day)
    rows = released_on(site, day)
    content = release_list_xlsx(rows, day=day, full_id=full_id)
    if rows:
        with transaction.atomic():
            for row in rows:
                audit(
                    site=site,
                    by=by,
                    action="release_list.export",
                    obj=row.stay,
                    room=row.stay.room,
                    person=row.person,
                    # Not "national_id": the audit masks values under that key.
                    after={"day": day, "id_printed": "full" if full_id else "masked"},
                )
            # The export is in each person's history, so their pages change.
            live.publish(site=site, persons=[row.person.pk for row in rows])
    return content, len(rows)


def release_list_xlsx(rows: list[ReleaseRow], *, day: date, full_id: bool) -> bytes:
    """One sheet, a header and a line per person: dates and numbers are real
    cells (a community sorts and filters them), IDs and phones text."""
    book = Workbook()
    sheet = book.active
    sheet.title = day.isoformat()
    headers = [
        _("name"),
        _("sex"),
        _("age"),
        _("national ID"),
        _("phone"),
        _("address"),
        _("street"),
        _("community"),
        _("room"),
        _("released on"),
        _("home health monitoring (days)"),
        _("home health monitoring until"),
    ]
    append_row(sheet, headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    for row in rows:
        person = row.person
        append_row(
            sheet,
            [
                person.name,
                str(person.get_sex_display()),
                person.age_on(row.released_on),
                person.national_id if full_id else person.national_id_masked,
                person.phone if full_id else person.phone_masked,
                person.address,
                person.street,
                person.community,
                row.stay.room.number,
                row.released_on,
                row.monitoring_days,
                row.monitoring_until,
            ],
        )
    for line in sheet.iter_rows(min_row=2):
        for index in (9, 11):
            line[index].number_format = DATE
    fit_columns(sheet)
    sheet.freeze_panes = "A2"
    content = io.BytesIO()
    book.save(content)
    return content.getvalue()
