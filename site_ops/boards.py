"""What every board is (an audience, the changes it shows, its renders), and the registry of boards.

A change is read once per board and rendered once per language: the board's
``change_parts`` reads the data (queries) and returns the fragments to render
with their contexts; ``live.send_change`` renders them in every language
someone has the board open in. So nothing read for a part may be translated
at read time: labels stay lazy until the template renders them.

Boards register themselves from their app's ``AppConfig.ready`` (the live
spine imports nothing above it): ``register`` for a group's board,
``register_pages`` for the page of one record (a room, a person, a
transfer) or of one floor (a health round), whose key is ``<prefix>-<pk>``.
Who may open a board is decided by the function ``set_access`` was given
(the roles and sites are rooms').

A board across sites (the district office's, ``register_across_sites``)
belongs to no one site: its number and broadcast groups are kept under
``NO_SITE``, and a change on any site reaches it through its ``follows``.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from django.template.loader import render_to_string

from site_ops.inputs import whole_number


@dataclass(frozen=True)
class Change:
    """What a committed write touched: the boards re-render these parts."""

    site_id: int
    rooms: frozenset[int] = field(default_factory=frozenset)
    persons: frozenset[int] = field(default_factory=frozenset)
    transfers: frozenset[int] = field(default_factory=frozenset)
    # What else changed, by name ("transfers", "samples", ...), so that a
    # board that shows none of it is left alone.
    topics: frozenset[str] = field(default_factory=frozenset)
    # The rooms among ``rooms`` that were sealed or unsealed (a positive's lab
    # sheet names every room with a result, and seals one).
    sealed: frozenset[int] = field(default_factory=frozenset)
    # Changes of the same write that each board shows first, in order, each
    # with its own numbers: ``((change, ((board, number), ...)), ...)``
    # (``live.in_turn``: a lab sheet's positive before its negatives).
    leads: tuple = ()


# A fragment to render: a template (``name.html#partial``) and its context.
Part = tuple[str, dict]


def render_parts(parts: list[Part]) -> str:
    return "".join(render_to_string(template, context) for template, context in parts)


@dataclass(frozen=True)
class Board:
    """A board audience: who may see it, what changes it shows, how it renders."""

    key: str
    roles: frozenset[str]
    # The topics of the changes this board shows; None: every change (the
    # control screen and the general board show every room and person).
    topics: frozenset[str] | None = None
    # Whether its snapshot gives the board clock its baseline from its own
    # read (``clock.baseline``'s ``parts``), rather than a read of its own.
    baseline_in_snapshot = False

    def exists(self, site_id: int) -> bool:
        return True

    def affected_by(self, change: Change) -> bool:
        """Whether a change shows on this board."""
        return self.topics is None or bool(self.topics & change.topics)

    def render_snapshot(self, site_id: int, params: dict) -> str:
        raise NotImplementedError

    def change_parts(self, change: Change) -> list[Part]:
        """The fragments a change touched, read now, rendered per language."""
        raise NotImplementedError

    def render_change(self, change: Change) -> str:
        return render_parts(self.change_parts(change))

    def clock_parts(self, site_id: int) -> list[tuple[str, str, dict]] | None:
        """What time alone changes on this board (a task becoming overdue,
        the next meal round, the shift change), read now, as ``(id,
        template, context)``: the board clock (site_ops/clock.py) renders
        them once a minute and sends the ones that changed. None: time
        changes nothing here."""
        return None


@dataclass(frozen=True)
class WholeBoard(Board):
    """A board every change of which re-sends all of it: the small boards,
    and one room's, person's or transfer's page."""

    def part(self, site_id: int, params: dict) -> Part:
        raise NotImplementedError

    def render_snapshot(self, site_id, params):
        return render_parts([self.part(site_id, params)])

    def change_parts(self, change):
        return [self.part(change.site_id, {})]


# --- the registry ---------------------------------------------------------

# The namespace of the boards that belong to no one site (the district
# office's): their sequence rows have no site, their broadcast groups "site-0".
NO_SITE = 0

BOARDS: dict[str, Board] = {}
# prefix -> (make the page's board from its key and pk, what it follows: a
# Change field, or a function of the change giving the pks it touched)
PAGES: dict[str, tuple[Callable[[str, int], Board], str | Callable[[Change], Iterable[int]]]] = {}
# prefix -> (make, follows) of the boards across sites, like PAGES; ``follows``
# must be a function of the change (the districts a site belongs to, say).
ACROSS: dict[str, tuple[Callable[[str, int], Board], Callable[[Change], Iterable[int]]]] = {}
_access: Callable | None = None
_access_inputs: Callable | None = None


def register(*boards: Board) -> None:
    for board in boards:
        BOARDS[board.key] = board


def register_pages(prefix: str, make: Callable[[str, int], Board], follows: str | Callable) -> None:
    """Pages of one record each: ``make(key, pk)`` gives the board of
    ``<prefix>-<pk>``, which a change touching that record (``follows``: the
    change's ``rooms``, ``persons`` or ``transfers``) reaches.

    ``follows`` may instead be a function of the change that returns the pks
    it touched (the floors of its rooms, say). It runs inside the writing
    transaction, once per change however many prefixes share it, so it
    should read little (one query) and only for the changes it cares about.
    A prefix may contain "-" (``health-round-am``): the pk is after the last one.
    """
    PAGES[prefix] = (make, follows)


def register_across_sites(prefix: str, make: Callable[[str, int], Board], follows: Callable) -> None:
    """Boards of ``<prefix>-<pk>`` whose audience sees several sites: a change
    on a site reaches the pks ``follows(change)`` returns (one query at most,
    run once per change however many prefixes share it). They are numbered
    and broadcast under ``NO_SITE``; ``make(key, pk)`` gives the board, whose
    ``render_snapshot`` ignores the site id and whose ``change_parts`` renders
    what the change's site shows on it."""
    ACROSS[prefix] = (make, follows)


def set_access(site_for_user: Callable, inputs: Callable | None = None) -> None:
    """``site_for_user(user, board)``: the site id whose board the user may open, or None.

    ``inputs(user_id)``: everything besides the board that ``site_for_user``
    decides a named board by (``BOARDS``), read cheaply and comparable, so
    that a socket's heartbeat asks ``site_for_user`` again only when they
    changed (site_ops/consumers.py)."""
    global _access, _access_inputs
    _access = site_for_user
    _access_inputs = inputs


def access_inputs(user_id: int):
    """What the right to a named board depends on, or None if unknown."""
    return _access_inputs(user_id) if _access_inputs is not None else None


def site_for(user, board: Board) -> int | None:
    return _access(user, board) if _access is not None else None


def board_for_key(key: str) -> Board:
    if key in BOARDS:
        return BOARDS[key]
    prefix, _sep, pk = key.rpartition("-")
    if prefix in PAGES and whole_number(pk):
        return PAGES[prefix][0](key, int(pk))
    if prefix in ACROSS and whole_number(pk):
        return ACROSS[prefix][0](key, int(pk))
    raise KeyError(key)


def affected_boards(change: Change) -> list[str]:
    """Every board a change shows on: the boards that say so, and the pages
    of the rooms, people and transfers it touched."""
    keys = [key for key, board in BOARDS.items() if board.affected_by(change)]
    found = {}
    for prefix, (_make, follows) in PAGES.items():
        if callable(follows):
            if follows not in found:
                found[follows] = sorted(follows(change))
            pks = found[follows]
        else:
            pks = sorted(getattr(change, follows))
        keys += [f"{prefix}-{pk}" for pk in pks]
    return keys


def affected_across_sites(change: Change) -> list[str]:
    """The boards across sites a change shows on (kept under ``NO_SITE``)."""
    keys, found = [], {}
    for prefix, (_make, follows) in ACROSS.items():
        if follows not in found:
            found[follows] = sorted(follows(change))
        keys += [f"{prefix}-{pk}" for pk in found[follows]]
    return keys
