from datetime import time

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MedicalConfig(AppConfig):
    """The medical group: sampling, results, health rounds, medicines, alerts."""

    name = "groups.medical"
    verbose_name = _("medical group")

    def ready(self):
        from groups.medical import jobs, services
        from groups.medical.board import (
            HealthRoundPage,
            MedicalBoard,
            MedicalPersonPage,
            round_floors,
            transfer_handover,
        )
        from groups.medical.care_board import CARE_BOARD_ROLES, CareBoard, transfer_talk
        from groups.medical.handover import OPEN_LISTS
        from groups.medical.models import HealthCheck
        from groups.transfers.board import ESCORT_NOTES, HANDOVER_SHEET
        from rooms import handover
        from rooms.roles import Role
        from site_ops import boards
        from site_ops.upkeep import scheduler

        medical_roles = frozenset({Role.SITE_HEAD, Role.MEDICAL})
        boards.register(MedicalBoard(key="medical", roles=medical_roles))
        # The care ledger (关爱台账): the medical group's, kept with the general group.
        boards.register(CareBoard(key="care", roles=CARE_BOARD_ROLES))
        # A person's medical page follows every change to the person.
        boards.register_pages(
            "medperson", lambda key, pk: MedicalPersonPage(key=key, roles=medical_roles, person_id=pk), "persons"
        )
        # A floor's round, morning and afternoon, follows the floors a change
        # touched: health-round-am-3 is floor 3's morning round.
        for round_ in HealthCheck.Round.values:
            boards.register_pages(
                f"health-round-{round_}",
                lambda key, pk, round_=round_: HealthRoundPage(key=key, roles=medical_roles, floor=pk, round=round_),
                round_floors,
            )
        services.connect_stay_hooks()
        # The receiving hospital reads the results, temperatures and medicines on the handover sheet.
        HANDOVER_SHEET.append(transfer_handover)
        # The escort reads how to talk to the person (hearing-impaired: write), never why they go.
        ESCORT_NOTES.append(transfer_talk)
        # Just after midnight: yesterday's samples not collected become missed.
        scheduler.register(
            scheduler.Job(
                name="mark_missed_samples",
                label=_("Mark missed samples"),
                at=time(0, 5),
                run=jobs.mark_missed_samples,
            )
        )
        # Early each morning: the day's planned hospital visits (dialysis) are requested as round trips.
        scheduler.register(
            scheduler.Job(
                name="request_hospital_visits",
                label=_("Request the day's planned hospital visits"),
                at=time(0, 15),
                run=jobs.request_hospital_visits,
            )
        )
        # What the group leaves open at a shift change, kept on its handovers.
        handover.register(Role.MEDICAL, *OPEN_LISTS)
