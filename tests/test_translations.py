"""Every user-facing string has a Chinese translation, and the compiled catalogue matches it."""

import ast
import gettext
from pathlib import Path

from django.test import SimpleTestCase

LOCALE = Path(__file__).resolve().parent.parent / "locale" / "zh_Hans" / "LC_MESSAGES"


def read_po(path: Path) -> tuple[dict[str, str], list[str], dict[str, str]]:
    """The entries (msgid: msgstr), the fuzzy blocks, and the plural entries (msgid: msgid_plural)."""
    entries, fuzzy, plurals = {}, [], {}
    for block in path.read_text().split("\n\n"):
        lines = [line for line in block.splitlines() if not line.startswith("#~")]
        if any(line.startswith("#,") and "fuzzy" in line for line in lines):
            fuzzy.append(block)
        key, parts = None, {"msgctxt": [], "msgid": [], "plural": [], "msgstr": []}
        for line in lines:
            if line.startswith("msgctxt "):
                key = "msgctxt"
                line = line[8:]
            elif line.startswith("msgid "):
                key = "msgid"
                line = line[6:]
            elif line.startswith("msgid_plural "):
                key = "plural"
                line = line[13:]
            elif line.startswith("msgstr "):
                key = "msgstr"
                line = line[7:]
            elif line.startswith("msgstr[0] "):
                # Chinese has one plural form.
                key = "msgstr"
                line = line[10:]
            elif line.startswith("msgstr["):
                key = None
                continue
            elif not line.startswith('"'):
                continue
            if key:
                parts[key].append(ast.literal_eval(line))
        msgid = "".join(parts["msgid"])
        if parts["msgctxt"]:
            # How gettext keys an entry with a context ("room badge" + "M").
            msgid = "".join(parts["msgctxt"]) + "\x04" + msgid
        if msgid:
            entries[msgid] = "".join(parts["msgstr"])
            if parts["plural"]:
                plurals[msgid] = "".join(parts["plural"])
    return entries, fuzzy, plurals


class TranslationTests(SimpleTestCase):
    def test_every_string_is_translated_and_compiled(self):
        entries, fuzzy, plurals = read_po(LOCALE / "django.po")
        self.assertEqual(fuzzy, [], "fuzzy entries: check and translate them")
        untranslated = [msgid for msgid, msgstr in entries.items() if not msgstr]
        self.assertEqual(untranslated, [], "run `make messages` and translate the new strings")
        with (LOCALE / "django.mo").open("rb") as mo:
            catalog = gettext.GNUTranslations(mo)

        def compiled(msgid):
            return catalog.ngettext(msgid, plurals[msgid], 1) if msgid in plurals else catalog.gettext(msgid)

        stale = [msgid for msgid, msgstr in entries.items() if compiled(msgid) != msgstr]
        self.assertEqual(stale, [], "django.mo is older than django.po: run `make messages`")


class DjangosOwnWordsTests(SimpleTestCase):
    def test_a_field_too_long_or_too_short_is_worded_for_staff_not_as_a_variable(self):
        from django import forms
        from django.utils import translation

        class NoteForm(forms.Form):
            note = forms.CharField(min_length=2, max_length=5)

        with translation.override("zh-hans"):
            cases = (("甲", "请至少填写 2 个字（现在 1 个）。"), ("甲乙丙丁戊己", "最多 5 个字，现在 6 个：请删减。"))
            for value, said in cases:
                with self.subTest(value=value):
                    form = NoteForm({"note": value})
                    self.assertEqual(form.errors["note"], [said])
                    self.assertNotIn("变量", str(form.errors))
