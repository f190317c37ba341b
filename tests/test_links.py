"""Every link a user is shown leads somewhere they may go, and no page shows a stored key.

Each demo login walks its own screens from the start page as a new user
would click through them: every link and ``hx-get`` the page shows them
(what the page's script hides for their roles, ``data-requires`` and
``data-unless`` in static/site_ops/live.js, is not followed), a few
addresses of each kind (a room page, a person page, ...), in Chinese. A link
that answers 403 or 404 is a dead end on the user's own screen; any 5xx is a
failure; and a visible text that is a key the code stores (a role, an audit
action, a ``snake_case`` value) is a word the user cannot read.

The admin is left out: it is Django's, and tests/browser/test_admin.py
walks it.
"""

import re
from collections import deque
from html.parser import HTMLParser
from io import StringIO

from django.contrib.auth.models import User
from django.core.management import call_command
from django.test import TestCase

from rooms.models import ACTION_LABELS
from rooms.roles import Role

LOGINS = ["zhouning", "zhanglu", "liuyan", "zhaolei", "wugang", "hemei", "zhoutao", "zhaoli", "liqiang"]
# Addresses of one kind (their numbers taken out) followed per login.
PER_KIND = 2
# Not followed: leaving, the admin, files.
NOT_FOLLOWED = ("/logout", "/accounts/logout", "/admin/", "/static/")
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


def kind(path: str) -> str:
    return re.sub(r"\d+", "N", path.split("?", 1)[0])


class LinkWalkTests(TestCase):
    @classmethod
    def setUpTestData(cls):
        call_command("seed_demo", stdout=StringIO())

    def walk(self, username: str) -> tuple[list[str], int]:
        """Follow what the user is shown from the start page; the problems found, and the pages seen."""
        self.client.force_login(User.objects.get(username=username))
        seen, per_kind, problems = set(), {}, []
        queue = deque([("/", "the start")])
        while queue:
            path, source = queue.popleft()
            path = path.split("#", 1)[0]
            if path in seen or path.startswith(NOT_FOLLOWED):
                continue
            seen.add(path)
            per_kind[kind(path)] = per_kind.get(kind(path), 0) + 1
            if per_kind[kind(path)] > PER_KIND:
                continue
            response = self.client.get(path, headers={"accept-language": "zh-hans"})
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
                keys = set(SNAKE_CASE.findall(text)) | ({text} & STORED_KEYS)
                problems.extend(f"{path} shows the stored key {key!r}" for key in keys)
        return problems, len(seen)

    def test_every_link_a_user_is_shown_opens_and_no_page_shows_a_stored_key(self):
        for username in LOGINS:
            with self.subTest(username):
                problems, pages = self.walk(username)
                self.assertGreater(pages, 5)
                self.assertEqual(problems, [])
