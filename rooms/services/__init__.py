"""Every write the screens trigger, one module per concern.

``from rooms import services`` gives the shared errors and the room, person
and stay services; other concerns live in their own modules here.
"""

from rooms.services.core import (  # noqa: F401
    PEOPLE_ROLES,
    PERSON_FIELDS,
    ROOM_MOVES,
    AlreadySubmitted,
    Conflict,
    ServiceError,
    audit,
    check_version,
    claim_form,
    end_stay,
    household_register,
    lock_row,
    person_register,
    person_reveal,
    person_update,
    require_reveal,
    room_move,
    room_moves_for,
    stay_check_in,
    stay_release,
    touch,
)
from rooms.services.transfers import (  # noqa: F401
    TRANSFER_MOVES,
    TRANSFER_REQUEST_ROLES,
    TransferOpen,
    transfer_approve,
    transfer_arrange,
    transfer_cancel,
    transfer_complete,
    transfer_depart,
    transfer_draft_for_positive,
    transfer_moves_for,
    transfer_reject,
    transfer_request,
    transfer_return,
)
