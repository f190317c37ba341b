"""Text the product writes into a record, worded in the site's language.

A record is read by everyone, on every screen and in every export. What the
product writes into one (a drafted transfer's reason, a note, a new site's
shift and area names, the name of a record in the history) is worded in the
site's language (``settings.LANGUAGE_CODE``), as staff write theirs, and not
in the language of whoever's action wrote it: before, a change made from an
English screen left English text on every Chinese tablet for good.
"""

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext, ngettext_lazy


def site_language():
    """A context in which translations are worded in the site's language."""
    return translation.override(settings.LANGUAGE_CODE)


class Translated:
    """A message (marked with ``gettext_noop``) and its params, translated when it is made text.

    The params are made text then too (a record's name, a lazy label). What a
    read shared by every language shows (why a release waits, read once per
    broadcast and rendered for the boards in both) is kept as this, so each
    board reads it in its own language.
    """

    __slots__ = ("message", "params")

    def __init__(self, message: str, **params):
        self.message, self.params = message, params

    def __str__(self) -> str:
        text = gettext(self.message)
        return text % {key: str(value) for key, value in self.params.items()} if self.params else text

    def __contains__(self, part: str) -> bool:
        return part in str(self)

    def __eq__(self, other) -> bool:
        return str(self) == str(other) if isinstance(other, str | Translated) else NotImplemented

    def __hash__(self) -> int:
        return hash(str(self))

    def __repr__(self) -> str:
        return f"Translated({str(self)!r})"


def written(message: str, **params) -> str:
    """``message`` (marked with ``gettext_noop``) with ``params`` filled in, in the site's language."""
    with site_language():
        return str(Translated(message, **params))


# Django's own messages whose Chinese reads as a programmer's ("确保该变量…": a
# "variable"): marked here so that makemessages keeps them in the product's
# catalogue, which Django reads before its own, worded as staff would.
DJANGO_REWORDED = (
    ngettext_lazy(
        "Ensure this value has at least %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at least %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
    ngettext_lazy(
        "Ensure this value has at most %(limit_value)d character (it has %(show_value)d).",
        "Ensure this value has at most %(limit_value)d characters (it has %(show_value)d).",
        "limit_value",
    ),
)
