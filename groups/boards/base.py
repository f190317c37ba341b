"""What every board is: an audience, the changes it shows, and its renders.

A change is read once per board and rendered once per language: the board's
``change_parts`` reads the data (queries) and returns the fragments to render
with their contexts; ``live.send_change`` renders them in every language
someone has the board open in. So nothing read for a part may be translated
at read time: labels stay lazy until the template renders them.
"""

from dataclasses import dataclass

from django.template.loader import render_to_string

from rooms.models import Site
from site_ops.live import Change, shared_by_renders

# A fragment to render: a template (``name.html#partial``) and its context.
Part = tuple[str, dict]


@shared_by_renders
def load_site(site_id: int) -> Site:
    """The site, read once for every board a broadcast renders."""
    return Site.objects.get(pk=site_id)


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
