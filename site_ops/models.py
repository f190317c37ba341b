from django.db import models
from django.utils.translation import gettext_lazy as _


class BoardSequence(models.Model):
    """How many changes a board has seen, bumped in the writing transaction.

    A client remembers the number of the last fragment it swapped in; the
    consumer's heartbeat compares it with this row and resends the whole board
    when the client fell behind (a lost message, a restarted Redis, a dropped
    socket).
    """

    # No site: a board across sites (the district office's, boards.NO_SITE).
    site = models.ForeignKey("rooms.Site", null=True, on_delete=models.CASCADE, related_name="+")
    board = models.CharField(max_length=40)
    seq = models.PositiveBigIntegerField(default=0)

    class Meta:
        verbose_name = _("board sequence")
        verbose_name_plural = _("board sequences")
        # The table keeps the name it had before the group apps (no data moved).
        db_table = "groups_boardsequence"
        constraints = [
            models.UniqueConstraint(fields=["site", "board"], name="board_sequence_unique"),
            # NULLs are distinct in a unique constraint: the boards across sites get their own.
            models.UniqueConstraint(
                fields=["board"], condition=models.Q(site__isnull=True), name="board_sequence_unique_across_sites"
            ),
        ]

    def __str__(self):
        return f"{self.board}#{self.seq}"
