"""Every write of the medical group: sampling rounds, results, health rounds,
medicines, alerts and the lab's result sheets.

Each public function owns its transaction, checks the caller's group and the
sample's move (``SAMPLE_MOVES``), audits and publishes with the topic
"medical". A positive result escalates in the same transaction as the result
itself: the room is sealed, an urgent alert reaches the site head and the
medical board, and the room-mates become close contacts again (quarantine and sampling restart); if any step fails,
none of it happened.

One module per concern: ``sampling`` (rounds, collection, missed samples),
``results`` (results, corrections, a positive's escalation), ``quarantine``
(the plan at check-in, release eligibility, extension and replanning, the
certificate, and what the stay services call: ``connect_stay_hooks``),
``health`` (health rounds), ``medicines`` (medicines, alerts, the alerts
other groups raise), ``lab_import`` (the lab's result sheets), ``care`` (the care ledger and
planned hospital visits); ``common``
holds what they share. The public functions are named here, so that other
groups and the views call ``groups.medical.services.<function>``.
"""

from groups.medical.services.care import (  # noqa: F401
    CARE_ROLES,
    CARE_TOPIC,
    care_follow_up_record,
    care_plan_save,
    hospital_visit_plan_add,
    hospital_visit_plan_stop,
    hospital_visits_request,
)
from groups.medical.services.common import (  # noqa: F401
    CERTIFICATE_ROLES,
    MEDICAL_ROLES,
    SAMPLE_FIELDS,
    SAMPLE_MOVES,
    TOPICS,
    Touched,
)
from groups.medical.services.exposure import exposure_in_site, stay_restart_for_exposure  # noqa: F401
from groups.medical.services.health import (  # noqa: F401
    ALERT_FOR_CONCERN,
    TEMPERATURE_RANGE,
    health_round_record,
)
from groups.medical.services.lab_import import (  # noqa: F401
    lab_import_apply,
    lab_import_preview,
)
from groups.medical.services.medicines import (  # noqa: F401
    MEDICAL_TOPIC,
    alert_acknowledge,
    medical_alert_raise,
    medicine_need_add,
)
from groups.medical.services.quarantine import (  # noqa: F401
    certificate_print,
    connect_stay_hooks,
    quarantine_end,
    release_eligibility,
    require_release_eligible,
    samples_cancel_for_departure,
    samples_schedule_for_stay,
    sampling_replan,
    stay_extend,
)
from groups.medical.services.results import (  # noqa: F401
    sample_correct_result,
    sample_record_result,
)
from groups.medical.services.sampling import (  # noqa: F401
    sample_cancel,
    sample_collect,
    sample_uncollect,
    samples_collect_floor,
    samples_mark_missed,
)
