"""Boards: what each audience sees, and which boards a change shows on.

The screens' read functions and renders live in one module per board family
(``core`` for the control screen, the general board and the room and person
pages); this module is the registry the live path and the consumer use.
"""

from groups.boards.core import (  # noqa: F401
    Board,
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
from groups.boards.medical import MedicalBoard, health_round, medical_board, person_medical  # noqa: F401
from groups.roles import Role
from site_ops.live import Change

# Who sees what. The site head oversees every board; the room and person pages
# show masked personal data, so they stay with the groups that handle people.
PAGE_ROLES = frozenset({Role.SITE_HEAD, Role.GENERAL})
BOARDS: dict[str, Board] = {
    "control": ControlBoard(key="control", roles=frozenset({Role.SITE_HEAD})),
    "general": GeneralBoard(key="general", roles=frozenset({Role.SITE_HEAD, Role.GENERAL})),
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
    raise KeyError(key)


def affected_boards(change: Change) -> list[str]:
    """Every board a change shows on: the boards that say so, and the pages
    of the rooms and people it touched."""
    keys = [key for key, board in BOARDS.items() if board.affected_by(change)]
    keys += [f"room-{pk}" for pk in sorted(change.rooms)]
    keys += [f"person-{pk}" for pk in sorted(change.persons)]
    return keys
