"""What every board is: an audience, the changes it shows, and its renders."""

from dataclasses import dataclass

from site_ops.live import Change


@dataclass(frozen=True)
class Board:
    """A board audience: who may see it, and how it renders."""

    key: str
    roles: frozenset[str]

    def exists(self, site_id: int) -> bool:
        return True

    def affected_by(self, change: Change) -> bool:
        """Whether a change shows on this board (the control screen and the
        general board show every room and person)."""
        return True

    def render_snapshot(self, site_id: int, params: dict) -> str:
        raise NotImplementedError

    def render_change(self, change: Change) -> str:
        raise NotImplementedError
