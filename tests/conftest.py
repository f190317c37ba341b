import os

import pytest


def pytest_configure(config):
    from django.conf import settings

    # The production hasher costs a second per login. Set for the whole
    # session, so that the browser tests' server process (forked from this
    # one) checks passwords with the same hasher.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Tests read messages in English; the Chinese default is tested on its own.
    settings.LANGUAGE_CODE = "en"
    # No scheduled jobs (backups, missed samples) behind the tests' back: not
    # in this process, nor in the server processes the tests start.
    settings.SCHEDULED_JOBS = False
    os.environ["SCHEDULED_JOBS"] = "0"
    # Tests set the clock to an hour of today (tests/clock.py); a login made
    # at the real hour must still hold then, whenever the suite runs: a
    # shift's twelve hours end before 13:00 for a run just after midnight.
    settings.SESSION_COOKIE_AGE = 2 * 24 * 3600
    # Nor the board clock's minute ticks (tests start it where they need it).
    settings.BOARD_CLOCK = False
    os.environ["BOARD_CLOCK"] = "0"
    # Tests run in parallel (pytest-xdist) each worker with a database of its
    # own; on a shared Redis each also needs channel names of its own, or a
    # board of one worker's test hears another's.
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    layer = settings.CHANNEL_LAYERS["default"].get("CONFIG", {})
    if worker and "prefix" in layer:
        layer["prefix"] = f"{layer['prefix']}-{worker}"


def pytest_sessionstart(session):
    # A run that was killed leaves the SQLite test database's WAL files
    # behind; a new database file beside old WAL files reads as corrupt.
    from pathlib import Path

    root = Path(__file__).resolve().parent.parent
    # A worker of a parallel run (pytest-xdist) has a database of its own, named after it: each clears its own.
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    name = f"test_db.sqlite3_{worker}" if worker else "test_db.sqlite3"
    for suffix in ("", "-wal", "-shm", "-journal"):
        (root / f"{name}{suffix}").unlink(missing_ok=True)


@pytest.fixture(autouse=True)
def _one_language_per_test():
    # A request in Chinese leaves zh-Hans active in this thread (Django's
    # LocaleMiddleware activates it and nothing deactivates it), and the
    # tests after it would read Chinese messages where they expect English.
    # Active before the test too: with none active, Django words a message
    # in the language it first read (the settings' Chinese, before
    # pytest_configure made it English) while get_language() says English,
    # and what is kept per language (board_tags.Words) would keep Chinese
    # words as the English ones.
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _no_snapshot_from_another_test():
    # A snapshot is kept for a few seconds per board audience and number; a
    # test's database starts again at number 0, often with the same ids.
    from site_ops import live

    live.snapshots.clear()
    live.snapshot_reads.clear()
    yield
