from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class Staff(models.Model):
    """A personal login's place of work: the site a staff member works at.

    Which functional groups the person belongs to is Django's auth groups
    (see groups/roles.py); this row only ties the login to its site.
    """

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff")
    site = models.ForeignKey("rooms.Site", on_delete=models.PROTECT, related_name="staff")
    organisation = models.CharField(_("organisation"), max_length=100, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")

    def __str__(self):
        return self.user.get_full_name() or self.user.get_username()


class BoardSequence(models.Model):
    """How many changes a board has seen, bumped in the writing transaction.

    A client remembers the number of the last fragment it swapped in; the
    consumer's heartbeat compares it with this row and resends the whole board
    when the client fell behind (a lost message, a restarted Redis, a dropped
    socket).
    """

    site = models.ForeignKey("rooms.Site", on_delete=models.CASCADE, related_name="+")
    board = models.CharField(max_length=40)
    seq = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["site", "board"], name="board_sequence_unique"),
        ]

    def __str__(self):
        return f"{self.board}#{self.seq}"
