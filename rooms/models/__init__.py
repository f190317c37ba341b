"""Rooms, people, stays and what happens to them.

One module per concern; Django finds every model through this package.
"""

from rooms.models.core import (  # noqa: F401
    ACTION_LABELS,
    AuditEvent,
    Person,
    Room,
    Site,
    Stay,
    SubmittedForm,
    Versioned,
)
from rooms.models.medical import (  # noqa: F401
    Alert,
    Eligibility,
    HealthCheck,
    LabImport,
    MedicineNeed,
    MedicineRequest,
    ProtocolDay,
    Sample,
    SampleResult,
    SamplingPlan,
    TestProtocol,
)
