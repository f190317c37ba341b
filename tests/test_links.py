"""Every link a user is shown leads somewhere they may go, and no page shows a stored key.

Each demo login walks its own screens from the start page as a new user
would click through them: every link and ``hx-get`` the page shows them
(what the page's script hides for their roles, ``data-requires`` and
``data-unless`` in static/site_ops/live.js, is not followed), a few
addresses of each kind (a room page, a person page, ...), in Chinese. A link
that answers 403 or 404 is a dead end on the user's own screen; any 5xx is a
failure; and a visible text that is a key the code stores (a role, an audit
action, a ``snake_case`` value) is a word the user cannot read.

The site head's admin is walked too, one page of each kind, and there no
English word may show either (the admin is Django's and django-axes', whose
missing Chinese the project's catalogue supplies: site_ops/third_party_words.py).

In English every login walks again: the same dead ends and ``snake_case``
keys fail there; a one-word key does not, since in English many labels are
the key itself ("requested", "plan").
"""

import re
from collections import deque
from html.parser import HTMLParser
from io import StringIO

from axes.models import AccessAttempt, AccessFailureLog, AccessLog
from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import TestCase, override_settings
from django.utils import translation
from django.utils.timezone import now

from rooms.models import ACTION_LABELS
from rooms.roles import Role

LOGINS = ["zhouning", "zhanglu", "liuyan", "zhaolei", "wugang", "hemei", "zhoutao", "zhaoli", "liqiang"]
# Addresses of one kind (their numbers taken out) followed per login.
PER_KIND = 2
# Not followed: leaving, files; the admin by its own test.
NOT_FOLLOWED = ("/logout", "/accounts/logout", "/admin/logout", "/static/", "/admin/jsi18n")
# English a Chinese admin page may show: names of formats and protocols, the
# logins (pinyin), Django's "Control"/"Command" keys on a Mac, the language
# switch; the test client's browser "unknown".
ENGLISH = re.compile(r"[A-Za-z][a-z]{2,}(?:[ -][A-Za-z]{2,})*")
NOT_ENGLISH = {
    "Excel",
    "HTTP",
    "Accept",
    "GET",
    "POST",
    "English",
    "Control",
    "Command",
    "Mac",
    "unknown",
}
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
SNAKE_CASE = re.compile(r"\b[a-z]+_[a-z_]+\b")
STORED_KEYS = set(ACTION_LABELS) | set(Role.values) | {action.rsplit(".", 1)[-1] for action in ACTION_LABELS}


class Page(HTMLParser):
    """The links and the visible text of a page, as the user's browser shows them."""

    def __init__(self):
        super().__init__()
        self.flags: set[str] | None = None
        self.open: list[tuple[str, bool]] = []  # the open elements, and whether each is hidden
        self.in_script = 0
        self.links: list[str] = []
        self.text: list[str] = []

    def hidden(self) -> bool:
        return any(hidden for _tag, hidden in self.open)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "body":
            self.flags = set((attrs.get("data-flags") or "").split())
        if "data-requires" in attrs:
            # As live.js's hideForeignActions decides once the page has loaded.
            flags = self.flags or set()
            hidden = not set(attrs["data-requires"].split()) & flags or bool(
                set((attrs.get("data-unless") or "").split()) & flags
            )
        else:
            hidden = "hidden" in attrs
        if tag in ("script", "style", "template"):
            self.in_script += 1
        if not hidden and not self.hidden():
            for name in ("href", "hx-get"):
                if (attrs.get(name) or "").startswith("/"):
                    self.links.append(attrs[name])
        if tag not in VOID:
            self.open.append((tag, hidden))

    def handle_endtag(self, tag):
        if tag in ("script", "style", "template"):
            self.in_script -= 1
        for at in range(len(self.open) - 1, -1, -1):
            if self.open[at][0] == tag:
                del self.open[at:]
                break

    def handle_data(self, data):
        if not self.in_script and not self.hidden() and data.strip():
            self.text.append(data.strip())


def english_in(text: str, logins: set[str]) -> set[str]:
    """The English phrases in a text, but for what an admin page may show in English."""
    found = set()
    # A masked value (the password hash's salt, "ecfc**********") is not words.
    text = re.sub(r"\S*\*{3,}\S*", "", text)
    # Nor is an address the server was asked for (a login attempt's "/login/").
    text = re.sub(r"(?<![\w/])/[\w/.-]*", "", text)
    for phrase in ENGLISH.findall(text):
        rest = phrase
        for allowed in sorted(NOT_ENGLISH | logins, key=len, reverse=True):
            rest = re.sub(rf"\b{re.escape(allowed)}\b", "", rest)
        if re.search(r"[A-Za-z]{3,}", rest):
            found.add(phrase)
    return found


def kind(path: str) -> str:
    return re.sub(r"\d+", "N", path.split("?", 1)[0])


class LinkWalkTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        # As `make run` loads it: the site's language is Chinese, so its
        # defaults (agents, areas, shifts) and the notes it writes are in Chinese.
        with translation.override("zh-hans"), override_settings(LANGUAGE_CODE="zh-hans"):
            call_command("seed_demo", stdout=StringIO())

    def walk(
        self, username: str, start="/", within="/", per_kind=PER_KIND, english=False, language="zh-hans"
    ) -> tuple[list[str], int]:
        """Follow what the user is shown from ``start``, under ``within``; the problems found, and the pages seen."""
        self.client.force_login(User.objects.get(username=username))
        logins = set(User.objects.values_list("username", flat=True))
        seen, kinds, problems = set(), {}, []
        queue = deque([(start, "the start")])
        while queue:
            path, source = queue.popleft()
            path = path.split("#", 1)[0]
            if path in seen or path.startswith(NOT_FOLLOWED) or not path.startswith(within):
                continue
            if within == "/" and path.startswith("/admin/"):
                continue
            seen.add(path)
            kinds[kind(path)] = kinds.get(kind(path), 0) + 1
            if kinds[kind(path)] > per_kind:
                continue
            response = self.client.get(path, headers={"accept-language": language})
            if response.status_code in (301, 302):
                location = response["Location"]
                if "/login" in location:
                    problems.append(f"{path} (linked from {source}) sends {username} to the login page")
                else:
                    queue.append((location, path))
                continue
            if response.status_code != 200:
                problems.append(f"{path} (linked from {source}) answers {response.status_code}")
                continue
            if "html" not in response.get("Content-Type", ""):
                continue
            page = Page()
            page.feed(response.content.decode())
            queue.extend((link, path) for link in page.links)
            for text in page.text:
                keys = set(SNAKE_CASE.findall(text)) | ({text} & STORED_KEYS if language == "zh-hans" else set())
                problems.extend(f"{path} shows the stored key {key!r}" for key in keys)
                if english:
                    problems.extend(f"{path} shows {words!r} in English" for words in english_in(text, logins))
        return problems, len(seen)

    def test_every_link_a_user_is_shown_opens_and_no_page_shows_a_stored_key(self):
        for username in LOGINS:
            with self.subTest(username):
                problems, pages = self.walk(username)
                self.assertGreater(pages, 5)
                self.assertEqual(problems, [])

    def test_every_link_opens_in_english_too(self):
        for username in LOGINS:
            with self.subTest(username):
                problems, pages = self.walk(username, language="en")
                self.assertGreater(pages, 5)
                self.assertEqual(problems, [])
        # The pages were in English.
        self.assertContains(self.client.get("/", headers={"accept-language": "en"}, follow=True), "Log out")

    def test_the_site_heads_admin_is_in_chinese_and_every_link_opens(self):
        # A mistyped password first: the login attempts' records have pages of their own.
        self.client.post("/login/", {"username": "zhouning", "password": "not-the-password"})
        problems, pages = self.walk("zhouning", start="/admin/", within="/admin/", per_kind=1, english=True)
        self.maxDiff = None
        self.assertGreater(pages, 30)
        self.assertEqual(problems, [])

    def test_login_records_name_themselves_in_chinese(self):
        self.client.post("/login/", {"username": "zhouning", "password": "not-the-password"})
        self.client.force_login(User.objects.get(username="zhouning"))
        # Failures are logged only when the site turns that on (AXES_ENABLE_ACCESS_FAILURE_LOG): one unsaved.
        failure = AccessFailureLog(username="zhouning", ip_address="127.0.0.1", locked_out=True, attempt_time=now())
        records = [AccessLog.objects.latest("pk"), AccessAttempt.objects.latest("pk"), failure]
        with translation.override("zh-hans"):
            for record in records:
                with self.subTest(type(record).__name__):
                    name = str(record)
                    self.assertIn("zhouning", name)
                    self.assertIn("登录", name)
                    self.assertNotRegex(name, "Access|Failed|Attempt")
