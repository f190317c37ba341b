from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TransfersConfig(AppConfig):
    """Closed-loop transfers, which the site head coordinates; the security group escorts."""

    name = "groups.transfers"
    verbose_name = _("transfers")

    def ready(self):
        from groups.transfers import services
        from groups.transfers.board import ESCORT_PAGE_ROLES, TRANSFER_PAGE_ROLES, TransferBoard, TransferPageBoard
        from groups.transfers.models import Transfer
        from rooms.roles import Role
        from site_ops import boards

        boards.register(
            TransferBoard(key="transfers", roles=frozenset({Role.SITE_HEAD, Role.GENERAL})),
            # The security group escorts: it sees the transfers from approval to handover.
            TransferBoard(
                key="escorts",
                roles=frozenset({Role.SITE_HEAD, Role.SECURITY}),
                states=Transfer.ESCORT_STATES,
                topics=frozenset({services.ESCORTS}),
            ),
        )
        boards.register_pages(
            "transfer",
            lambda key, pk: TransferPageBoard(key=key, roles=TRANSFER_PAGE_ROLES, transfer_id=pk),
            "transfers",
        )
        # The escort's page of a transfer: what the escort needs, without the
        # request's reason (a diagnosis, results) or the notes of its steps.
        boards.register_pages(
            "escort",
            lambda key, pk: TransferPageBoard(key=key, roles=ESCORT_PAGE_ROLES, transfer_id=pk, escort=True),
            "transfers",
        )
        services.connect_stay_hooks()
