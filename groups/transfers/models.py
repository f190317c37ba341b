"""Closed-loop transfers (闭环转运): a person moved off the site without uncontrolled contact.

The transfer row holds the current state and what each step recorded; the
steps themselves (who, role, when, note) are the transfer's audit events, so
the timeline and the history of the person and the room are one record.
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from rooms.masking import mask_phone
from rooms.models import ACTION_LABELS, Person, Room, Site, Versioned


class Transfer(Versioned):
    class State(models.TextChoices):
        REQUESTED = "requested", _("requested")
        APPROVED = "approved", _("approved")
        REJECTED = "rejected", _("rejected")
        ARRANGED = "arranged", _("arranged")
        DEPARTED = "departed", _("departed")
        COMPLETED = "completed", _("completed")
        RETURNED = "returned", _("returned")
        CANCELLED = "cancelled", _("cancelled")

    class Destination(models.TextChoices):
        DESIGNATED_HOSPITAL = "designated_hospital", _("designated hospital")
        MAKESHIFT_HOSPITAL = "makeshift_hospital", _("makeshift hospital")
        OTHER_SITE = "other_site", _("another site")
        RELATIVES_HOSPITAL = "relatives_hospital", _("relative's hospital")
        HOME = "home", _("home")
        HOSPITAL_VISIT = "hospital_visit", _("hospital visit and return")

    class Urgency(models.TextChoices):
        ROUTINE = "routine", _("routine")
        URGENT = "urgent", _("urgent")

    OPEN_STATES = (State.REQUESTED, State.APPROVED, State.ARRANGED, State.DEPARTED)
    # Where the district isolation office finds the bed (the seed: the office
    # found the relative's hospital); it confirms before the transfer is arranged.
    OFFICE_DESTINATIONS = (Destination.DESIGNATED_HOSPITAL, Destination.RELATIVES_HOSPITAL, Destination.OTHER_SITE)
    OFFICE_CONFIRM_STATES = (State.REQUESTED, State.APPROVED)
    # What the security group escorts: arranging the vehicle, then the ride.
    ESCORT_STATES = (State.APPROVED, State.ARRANGED, State.DEPARTED)

    site = models.ForeignKey(Site, on_delete=models.PROTECT, related_name="transfers", verbose_name=_("site"))
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="transfers", verbose_name=_("person"))
    # The room the person was in when the transfer was requested.
    room = models.ForeignKey(Room, on_delete=models.PROTECT, related_name="transfers", verbose_name=_("room"))
    state = models.CharField(_("state"), max_length=12, choices=State.choices, default=State.REQUESTED)
    urgency = models.CharField(_("urgency"), max_length=8, choices=Urgency.choices, default=Urgency.ROUTINE)
    reason = models.CharField(_("reason"), max_length=300)
    destination_type = models.CharField(_("destination type"), max_length=20, choices=Destination.choices)
    destination_name = models.CharField(_("destination"), max_length=100, blank=True)
    destination_contact = models.CharField(_("destination contact"), max_length=100, blank=True)
    created_at = models.DateTimeField(_("requested at"), default=timezone.now)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+", verbose_name=_("requested by")
    )
    # Recorded when it is arranged.
    confirmed_with = models.CharField(_("confirmed with"), max_length=100, blank=True)
    vehicle_plate = models.CharField(_("vehicle plate"), max_length=20, blank=True)
    driver_name = models.CharField(_("driver"), max_length=50, blank=True)
    driver_phone = models.CharField(_("driver's phone"), max_length=20, blank=True)
    escort = models.CharField(_("escort"), max_length=100, blank=True)
    planned_departure_at = models.DateTimeField(_("planned departure"), null=True, blank=True)
    # Recorded when the person leaves, and when the loop closes.
    departed_at = models.DateTimeField(_("departed at"), null=True, blank=True)
    handed_over_to = models.CharField(_("handed over to"), max_length=100, blank=True)
    vehicle_disinfected = models.BooleanField(_("vehicle disinfected"), default=False)
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closing_reason = models.CharField(_("reason for rejection or cancellation"), max_length=300, blank=True)
    # Recorded by the district isolation office for the destinations it
    # finds (OFFICE_DESTINATIONS): the receiving bed, and for another site of
    # the district the room there and the person's expected arrival.
    office_confirmed_at = models.DateTimeField(_("confirmed by the isolation office at"), null=True, blank=True)
    office_confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("office confirmed by"),
    )
    receiving_bed = models.CharField(_("receiving bed"), max_length=100, blank=True)
    receiving_site = models.ForeignKey(
        Site, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("receiving site")
    )
    receiving_room = models.ForeignKey(
        Room, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("receiving room")
    )
    arrival = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.PROTECT, related_name="+", verbose_name=_("expected arrival")
    )
    # Recorded by the receiving site of the district as it checks the person
    # in: the sending site sees the person arrived, and the escort's handover
    # names the receiver (the loop still closes with the handover).
    received_at = models.DateTimeField(_("checked in at the receiving site at"), null=True, blank=True)
    received_by = models.CharField(_("received by"), max_length=100, blank=True)

    class Meta:
        # The table keeps the name it had before the group apps (no data moved).
        db_table = "rooms_transfer"
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-created_at"]
        constraints = [
            # One open transfer per person, even when two requests race.
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(state__in=["requested", "approved", "arranged", "departed"]),
                name="transfer_one_open_per_person",
            ),
        ]
        indexes = [models.Index(fields=["site", "state"])]

    def __str__(self):
        return f"{self.person.name} → {self.destination_name or self.get_destination_type_display()}"

    def get_absolute_url(self):
        return reverse("transfer-detail", args=[self.pk])

    def get_ws_path(self):
        return f"/ws/transfers/{self.pk}/"

    def get_escort_ws_path(self):
        return f"/ws/escorts/{self.pk}/"

    @property
    def driver_phone_masked(self) -> str:
        return mask_phone(self.driver_phone)

    @property
    def is_open(self) -> bool:
        return self.state in self.OPEN_STATES

    @property
    def is_urgent(self) -> bool:
        return self.urgency == self.Urgency.URGENT

    @property
    def is_round_trip(self) -> bool:
        """A hospital visit: the person comes back to the same room and stays in isolation meanwhile."""
        return self.destination_type == self.Destination.HOSPITAL_VISIT

    @property
    def is_away(self) -> bool:
        return self.is_round_trip and self.state == self.State.DEPARTED

    @classmethod
    def away_now(cls, person: str = "person_id") -> Exists:
        """Whether the person of the outer row is away on a hospital visit now
        (to exclude them from meal and sampling rounds while away)."""
        return Exists(
            cls.objects.filter(
                person_id=OuterRef(person),
                state=cls.State.DEPARTED,
                destination_type=cls.Destination.HOSPITAL_VISIT,
            )
        )

    @property
    def needs_office(self) -> bool:
        return self.destination_type in self.OFFICE_DESTINATIONS

    @property
    def is_office_confirmed(self) -> bool:
        return self.office_confirmed_at is not None

    @property
    def last_step_label(self):
        """What the last change to it was: its state, or the isolation office's
        confirmation, which moves no state (the office is its last editor)."""
        office = self.is_office_confirmed and self.state in self.OFFICE_CONFIRM_STATES
        if office and self.updated_by_id == self.office_confirmed_by_id:
            return ACTION_LABELS["transfer.office_confirmed"]
        return self.get_state_display()

    def stale_at(self, minutes: int) -> datetime:
        """When an open transfer that nobody moves counts as stale."""
        return self.updated_at + timedelta(minutes=minutes)

    def is_stale(self, *, now: datetime, minutes: int) -> bool:
        return self.is_open and now >= self.stale_at(minutes)


# Each step is an audit event named after the state it reached.
ACTION_LABELS.update(
    {
        "transfer.requested": _("transfer requested"),
        "transfer.approved": _("transfer approved"),
        "transfer.rejected": _("transfer rejected"),
        "transfer.arranged": _("transfer arranged"),
        "transfer.departed": _("departed"),
        "transfer.completed": _("handover confirmed"),
        "transfer.print": _("handover sheet printed with the full ID"),
        "transfer.returned": _("back in the room"),
        "transfer.cancelled": _("transfer cancelled"),
        "transfer.office_confirmed": _("destination and bed confirmed by the isolation office"),
        "transfer.received": _("checked in at the receiving site"),
    }
)
