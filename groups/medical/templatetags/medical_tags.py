"""The medical board's room section, written out in Python.

A floor's health round or sampling changes rooms: every broadcast renders the
section of each changed room in both languages, and the medical board's
snapshot renders one for every room of its floor. As a template partial a
section cost about a millisecond (0.45-0.75 ms for one person with a sample
or two, 2 ms for a family of four: each sample has its form), the dearest
render of a floor's round. Written out it gives the same HTML, byte for byte
(tests/test_med_room.py keeps the partials it replaced, ``med-room`` and
``health-summary``, as the oracles), in a sixteenth of the time: the rooms
of that test's floor (six rooms, eight people, thirteen samples) took 6.2 ms
in Chinese and 6.0 ms in English as partials, and take 0.35 and 0.36 ms
(the median of 300 renders of the floor); through the partial that now
wraps the tag (``render_to_string("medical/board.html#med-room")``), 0.52
and 0.57 ms.

What the template did, done here the same way:

- ``{% translate "x" %}`` of a literal is ``gettext`` and is not escaped (a
  literal in a template is safe, and so is its translation);
- ``{% blocktranslate with a=b %}`` is ``gettext(msgid) % {"a": value}``:
  the msgid is not escaped, each value is;
- ``{{ value }}`` is localized, then escaped unless it is safe already (a
  whole number is ``str`` unless the settings ask for a thousand separator);
- ``|date`` turns an aware moment to the current time zone first;
- ``{% url %}`` is escaped.
"""

from django import template
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from groups.medical.models import HealthCheck, Sample
from rooms.models import Person
from rooms.templatetags.board_tags import (
    Words,
    counter,
    esc,
    href_patterns,
    in_time_zone,
    label,
    localized,
    written_out,
)

register = template.Library()


# What the section says, by language. A room's section has some twenty words
# and labels to translate, each a look-up of the active language through a
# context-local (a third of the section's render): they are read once per
# language. The messages are the template's, marked here for makemessages.
# ``{% translate %}`` of a literal is not escaped (the literal is safe, and so
# is its translation); the labels of the choices are.
MESSAGES = {
    "age": _("%(age)s y"),
    "day": _("day %(day)s"),
    "missed": _("missed %(day)s"),
    "collected": _("collected %(time)s"),
    "positive": _("POSITIVE"),
    "suspected": _("SUSPECTED: PCR re-test"),
    "away": _("away on a hospital visit: sample when back"),
    "barcode": _("tube barcode"),
    "record": pgettext_lazy("action", "Record sample"),
    "record late": pgettext_lazy("action", "Record late sample"),
    "ct orf1ab": _("Ct ORF1ab"),
    "ct n": _("Ct N"),
    "negative": _("Negative"),
    "invalid": _("Invalid"),
    "positive button": _("Positive"),
    "confirm antigen": _(
        "Record an antigen POSITIVE for %(name)s? It is a suspected result: the medical group is alerted"
        " and a PCR re-test is due today."
    ),
    "confirm pcr": _(
        "Record a POSITIVE result for %(name)s? Room %(number)s will be sealed and the site head alerted."
    ),
    "no sample": _("No sample today."),
    "am": _("AM"),
    "pm": _("PM"),
}
LABELS = {
    "kind": Sample.Kind,
    "reason": Sample.Reason,
    "result": Sample.Result,
    "sex": Person.Sex,
    "outcome": HealthCheck.Outcome,
    "mood": HealthCheck.Mood,
    "symptom": HealthCheck.Symptom,
}

words = Words(MESSAGES, LABELS)


def health_summary(check, w: dict | None = None) -> str:
    """One round's check of a person: temperature, symptoms and mood, or why it was not taken; a dash if none."""
    if not check:
        return '<span class="muted">—</span>'
    w = w or words()
    if check.outcome != "checked":
        return f'<span class="hc c-missed">{label(w["outcome"], check.outcome)}</span>'
    concerns = "".join(f" c-{esc(concern)}" for concern in check.concerns)
    symptoms = "".join(f" · {label(w['symptom'], symptom)}" for symptom in check.symptoms)
    return (
        f'<span class="hc{concerns}">{localized(check.temperature)}°{symptoms} · {label(w["mood"], check.mood)}</span>'
    )


class _Section:
    """What the people and samples of a room's section share, read once for the room."""

    __slots__ = ("w", "count", "today", "room_pk", "number", "token", "person_href", "collect_href", "result_href")

    def __init__(self, room, token):
        self.w = words()
        self.count = counter()
        self.today = timezone.localdate()
        self.room_pk, self.number, self.token = self.count(room.pk), esc(room.number), esc(token)
        # {% url %} escapes the address; the pk filled in is digits.
        hrefs = href_patterns("person-medical", "sample-collect", "sample-result")
        self.person_href, self.collect_href, self.result_href = (esc(href) for href in hrefs)


def _sample(sample, stay, section: _Section) -> str:
    w, count = section.w, section.count
    pk, status = count(sample.pk), esc(sample.status)
    overdue = sample.overdue_on(section.today)
    protocol = sample.reason == "protocol"
    what = w["day"] % {"day": count(sample.day)} if protocol else label(w["reason"], sample.reason)
    if overdue:
        day = sample.scheduled_on
        missed = w["missed"] % {"day": f"{day.month:02d}-{day.day:02d}"}
        what += f' · <b class="warn">{missed}</b>'
    html = (
        f'\n          <div id="sample-{pk}" class="sample s-{status}{" overdue" if overdue else ""}"'
        f' data-sample-status="{status}">\n'
        f'            <span class="what">{label(w["kind"], sample.kind)} · {what}</span>\n'
        "            "
    )
    is_open = sample.is_open
    if is_open and getattr(sample, "away", False):
        html += f'\n              <span class="tag away">{w["away"]}</span>\n            '
    elif is_open:
        collect = section.collect_href.format(int(sample.pk))
        barcode = w["barcode"]
        record = w["record late" if overdue else "record"]
        html += (
            f'\n              <form class="inline-form" method="post" action="{collect}" hx-post="{collect}"'
            f' hx-target="#med-room-{section.room_pk}" hx-swap="outerHTML" hx-disabled-elt="find button"'
            ' data-requires="medical site_head">\n'
            f'                <input type="hidden" name="version" value="{count(sample.version)}">\n'
            f'                <input type="hidden" name="token" value="{section.token}-c{pk}">\n'
            '                <input type="text" name="barcode" maxlength="40" class="barcode"'
            f' placeholder="{barcode}" aria-label="{barcode}" autocomplete="off">\n'
            f'                <button type="submit" class="button primary">{record}</button>\n'
            "              </form>\n"
            "            "
        )
    elif sample.status == "collected":
        result = section.result_href.format(int(sample.pk))
        collected_at = sample.collected_at
        if collected_at in (None, ""):
            time = ""
        else:
            local = in_time_zone(collected_at)
            time = f"{local.month:02d}-{local.day:02d} {local.hour:02d}:{local.minute:02d}"
        collected = w["collected"] % {"time": time}
        if sample.tube_barcode:
            collected += f" · {esc(sample.tube_barcode)}"
        name = esc(stay.person.name)
        if sample.kind == "antigen":
            confirm = w["confirm antigen"] % {"name": name}
        else:
            confirm = w["confirm pcr"] % {"name": name, "number": section.number}
        html += (
            f'\n              <span class="muted">{collected}</span>\n'
            f'              <form class="inline-form result-form" method="post" action="{result}" hx-post="{result}"'
            f' hx-target="#med-room-{section.room_pk}" hx-swap="outerHTML" hx-disabled-elt="find button"'
            ' data-requires="medical site_head">\n'
            f'                <input type="hidden" name="version" value="{count(sample.version)}">\n'
            f'                <input type="hidden" name="token" value="{section.token}-r{pk}">\n'
            '                <input type="text" name="ct_orf1ab" inputmode="decimal" class="ct" placeholder="ORF1ab"'
            f' aria-label="{w["ct orf1ab"]}">\n'
            '                <input type="text" name="ct_n" inputmode="decimal" class="ct" placeholder="N"'
            f' aria-label="{w["ct n"]}">\n'
            '                <div class="result-buttons">\n'
            '                <button type="submit" name="result" value="negative" class="button r-negative">'
            f"{w['negative']}</button>\n"
            '                <button type="submit" name="result" value="invalid" class="button r-invalid">'
            f"{w['invalid']}</button>\n"
            '                <button type="submit" name="result" value="positive" class="button r-positive"\n'
            f'                        hx-post="{result}" hx-vals=\'{{"result": "positive"}}\' hx-disabled-elt="this"\n'
            f'                        hx-confirm="{confirm}">{w["positive button"]}</button>\n'
            "                </div>\n"
            "              </form>\n"
            "            "
        )
    elif sample.status == "resulted":
        html += (
            f'\n              <span class="result r-{esc(sample.result)}">{label(w["result"], sample.result)}</span>\n'
            "            "
        )
    return html + "\n          </div>\n        "


def _person(stay, section: _Section) -> str:
    w, count, person = section.w, section.count, stay.person
    positive = getattr(stay, "positive", False)
    needs = "".join(f'<span class="tag need">{esc(need)}</span>' for need in getattr(stay, "care_labels", ()))
    if positive:
        tag = f'<span class="tag positive">{w["positive"]}</span>'
    elif getattr(stay, "suspected", False):
        tag = f'<span class="tag warn" data-suspected>{w["suspected"]}</span>'
    else:
        tag = ""
    samples = getattr(stay, "round_samples", ())
    if samples:
        rounds = "".join(_sample(sample, stay, section) for sample in samples)
    else:
        rounds = f'\n          <span class="muted">{w["no sample"]}</span>\n        '
    checks = getattr(stay, "checks", None) or {}
    age = w["age"] % {"age": count(person.age_on(section.today))}
    day = w["day"] % {"day": count(stay.day_on(section.today))}
    return (
        f'\n    <div id="med-person-{count(stay.person_id)}" class="med-person{" positive" if positive else ""}"'
        f"{' data-care' if getattr(stay, 'care_needs', None) else ''}>\n"
        '      <div class="who">\n'
        f'        <a href="{section.person_href.format(int(stay.person_id))}"><b>{esc(person.name)}</b></a>\n'
        f'        <span class="muted">{label(w["sex"], person.sex)} · {age} · {day}</span>\n'
        f"        {needs}\n"
        f"        {tag}\n"
        "      </div>\n"
        '      <div class="samples">\n'
        f"        {rounds}\n"
        "      </div>\n"
        '      <div class="health">\n'
        f'        <span class="round-label">{w["am"]}</span> {health_summary(checks.get("am"), w)}\n'
        f'        <span class="round-label">{w["pm"]}</span> {health_summary(checks.get("pm"), w)}\n'
        "      </div>\n"
        "    </div>\n"
        "  "
    )


def med_room(room, token) -> str:
    """One room's section of the medical board: its people, today's samples
    and health checks (each set on the room's stays by ``attach_round``)."""
    section = _Section(room, token)
    status = esc(room.status)
    stays = getattr(room, "open_stays", ())
    sealed = (
        f'<span class="status-pill st-sealed">{esc(room.get_status_display())}</span>'
        if room.status == "sealed"
        else ""
    )
    people = "".join(_person(stay, section) for stay in stays)
    return (
        f'\n<section id="med-room-{section.room_pk}" class="med-room st-{status}{"" if stays else " empty"}"'
        f' data-status="{status}"{" data-care" if getattr(room, "care", False) else ""}>\n'
        '  <header class="med-room-head">\n'
        f'    <b class="num">{section.number}</b>\n'
        f"    {sealed}\n"
        "  </header>\n"
        '  <div class="med-people">\n'
        f"  {people}\n"
        "  </div>\n"
        "</section>\n"
    )


written_out(register, med_room, "med_room", "med_rooms")
