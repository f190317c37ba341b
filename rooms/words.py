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
from django.utils.translation import gettext


def site_language():
    """A context in which translations are worded in the site's language."""
    return translation.override(settings.LANGUAGE_CODE)


def written(message: str, **params) -> str:
    """``message`` (marked with ``gettext_noop``) with ``params`` filled in, in the site's language.

    The params are made text in that language too (a record's name, a lazy label).
    """
    with site_language():
        text = gettext(message)
        return text % {key: str(value) for key, value in params.items()} if params else text
