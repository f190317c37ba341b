"""Rooms, people, stays and what happens to them.

One module per concern; Django finds every model through this package.
"""

from rooms.models.alerts import MedicalAlert  # noqa: F401
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
from rooms.models.disinfection import (  # noqa: F401
    DEFAULT_ROUTINES,
    DisinfectionTask,
    RoutineSchedule,
    WasteCollection,
    WasteHandover,
)
from rooms.models.meals import DEFAULT_MEAL_SLOTS, MealDelivery, MealSlot  # noqa: F401
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
from rooms.models.security import CheckpointEntry, Incident, Patrol  # noqa: F401
from rooms.models.transfers import Transfer  # noqa: F401
