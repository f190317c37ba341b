"""Boards: what each audience sees, and which boards a change shows on.

The screens' read functions and renders live in one module per board family
(``core`` for the control screen, the general board and the room and person
pages; ``catering``, ``disinfection`` and ``security`` for those groups'
boards, ``overview`` for what they add to the control screen); this module
is the registry the live path and the consumer use.
"""

from groups.boards.base import Board  # noqa: F401
from groups.boards.catering import CateringBoard, catering_board  # noqa: F401
from groups.boards.core import (  # noqa: F401
    ControlBoard,
    GeneralBoard,
    PersonBoard,
    RoomBoard,
    arrivals,
    control_screen,
    feed,
    general_board,
    person_page,
    releases_due,
    room_moves,
    room_page,
    site_counters,
)
from groups.boards.disinfection import DisinfectionBoard, disinfection_board  # noqa: F401
from groups.boards.medical import MedicalBoard, health_round, medical_board, person_medical  # noqa: F401
from groups.boards.security import SecurityBoard, security_board  # noqa: F401
from groups.boards.transfers import (  # noqa: F401
    TRANSFER_PAGE_ROLES,
    TransferBoard,
    TransferPageBoard,
    control_transfers,
    load_transfer,
    transfer_board,
    transfer_page,
)
from groups.roles import Role
from rooms.models import Transfer
from rooms.services.transfers import ESCORTS
from site_ops.live import Change

# Who sees what. The site head oversees every board; the room and person pages
# show masked personal data, so they stay with the groups that handle people.
PAGE_ROLES = frozenset({Role.SITE_HEAD, Role.GENERAL})
BOARDS: dict[str, Board] = {
    "control": ControlBoard(key="control", roles=frozenset({Role.SITE_HEAD})),
    "general": GeneralBoard(key="general", roles=frozenset({Role.SITE_HEAD, Role.GENERAL})),
    "transfers": TransferBoard(key="transfers", roles=frozenset({Role.SITE_HEAD, Role.GENERAL})),
    # The security group escorts: it sees the transfers from approval to handover.
    "escorts": TransferBoard(
        key="escorts",
        roles=frozenset({Role.SITE_HEAD, Role.SECURITY}),
        states=Transfer.ESCORT_STATES,
        topics=frozenset({ESCORTS}),
    ),
    "catering": CateringBoard(key="catering", roles=frozenset({Role.SITE_HEAD, Role.CATERING})),
    "disinfection": DisinfectionBoard(key="disinfection", roles=frozenset({Role.SITE_HEAD, Role.DISINFECTION})),
    "security": SecurityBoard(key="security", roles=frozenset({Role.SITE_HEAD, Role.SECURITY})),
    "medical": MedicalBoard(key="medical", roles=frozenset({Role.SITE_HEAD, Role.MEDICAL})),
}


def board_for_key(key: str) -> Board:
    if key in BOARDS:
        return BOARDS[key]
    kind, _sep, pk = key.partition("-")
    if kind == "room" and pk.isdigit():
        return RoomBoard(key=key, roles=PAGE_ROLES, room_id=int(pk))
    if kind == "person" and pk.isdigit():
        return PersonBoard(key=key, roles=PAGE_ROLES, person_id=int(pk))
    if kind == "transfer" and pk.isdigit():
        return TransferPageBoard(key=key, roles=TRANSFER_PAGE_ROLES, transfer_id=int(pk))
    raise KeyError(key)


def affected_boards(change: Change) -> list[str]:
    """Every board a change shows on: the boards that say so, and the pages
    of the rooms, people and transfers it touched."""
    keys = [key for key, board in BOARDS.items() if board.affected_by(change)]
    keys += [f"room-{pk}" for pk in sorted(change.rooms)]
    keys += [f"person-{pk}" for pk in sorted(change.persons)]
    keys += [f"transfer-{pk}" for pk in sorted(change.transfers)]
    return keys
