"""How a result is read before it is recorded: a PCR's Ct values against the
protocol's threshold, and an antigen positive as a suspected case (待复核).

An antigen positive alerts the medical group and schedules a PCR re-test the
same day; it seals no room and drafts no transfer: only a positive PCR does
(``results._escalate_positive``).
"""

from django.utils import timezone
from django.utils.translation import gettext as _

from groups.medical.models import Alert, Sample, TestProtocol
from groups.medical.services.common import Touched, _schedule_extra
from rooms.models import Stay
from rooms.services import ServiceError


def check_ct_reading(sample: Sample, stay: Stay, *, result: str, ct_orf1ab=None, ct_n=None, protocol=None) -> None:
    """Refuse a PCR result its Ct values contradict by the site's protocol (no query without Ct values,
    nor when the caller read the ``protocol`` already)."""
    if sample.kind != Sample.Kind.PCR or result == Sample.Result.INVALID:
        return
    if ct_orf1ab in (None, "") and ct_n in (None, ""):
        return
    protocol = protocol or TestProtocol.numbers_for(stay.site_id)
    reading = protocol.read_ct(ct_orf1ab, ct_n)
    if reading and reading != result:
        raise ServiceError(ct_disagreement(protocol, reading=reading, result=result))


def ct_disagreement(protocol: TestProtocol, *, reading: str, result: str) -> str:
    return _(
        "By the protocol (negative from Ct %(threshold)s on both genes) these Ct values read %(reading)s, "
        "not %(result)s: check the values and the result."
    ) % {
        "threshold": protocol.ct_negative_from,
        "reading": Sample.Result(reading).label,
        "result": Sample.Result(result).label,
    }


def follow_up_antigen(sample: Sample, stay: Stay, *, result: str, previous: str, by) -> Touched:
    """An antigen sample's result: a new positive is suspected. The caller holds the transaction."""
    touched = Touched()
    if result != Sample.Result.POSITIVE or previous == Sample.Result.POSITIVE:
        return touched
    if stay.is_open:
        _schedule_extra(stay, kind=Sample.Kind.PCR, reason=Sample.Reason.CONFIRM, on=timezone.localdate(), by=by)
    Alert.objects.create(
        site_id=stay.site_id,
        kind=Alert.Kind.SUSPECTED,
        urgent=True,
        person=stay.person,
        room=stay.room,
        sample=sample,
    )
    return touched
