"""Set the clock for a test: the meal round, due times and overdue states depend on it."""

from contextlib import contextmanager
from datetime import datetime, time, timedelta
from unittest import mock

from django.utils import timezone


def local(hour: int, minute: int = 0, days: int = 0) -> datetime:
    """Today (or ``days`` from today) at this local time."""
    day = timezone.localdate() + timedelta(days=days)
    return timezone.make_aware(datetime.combine(day, time(hour, minute)))


@contextmanager
def frozen(hour: int, minute: int = 0, days: int = 0):
    """``timezone.now()`` answers this local time today while the block runs."""
    moment = local(hour, minute, days)
    with mock.patch("django.utils.timezone.now", return_value=moment):
        yield moment
