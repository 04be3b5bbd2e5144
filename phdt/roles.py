"""The role model: what each role may change. Pure: every write function checks it with :func:`require`.

Roles and rights are one table (``RIGHTS``), read by the write functions (refusal on the server), the
navigation (which pages a role sees) and the forms (which buttons show), so the three cannot disagree.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from enum import StrEnum

from phdt.texts import Message

log = logging.getLogger(__name__)


class Role(StrEnum):
    ADMIN = "admin"  # admin Dinkes: accounts, and everything Dinkes staff do
    STAF = "staf"  # Dinkes staff: imports, restores, every puskesmas's actions, Dojo sessions, scripts
    PUSKESMAS = "puskesmas"  # one puskesmas: its own actions and notes, its own people by name
    VIEWER = "viewer"  # read-only: aggregate views, theater, packs (e.g. the bupati's office)


class Right(StrEnum):
    MANAGE_USERS = "manage_users"
    MANAGE_DATA = "manage_data"  # imports and restores of data versions
    WRITE_ACTION = "write_action"  # follow-up actions
    WRITE_NOTE = "write_note"  # Dojo notes
    RUN_DOJO = "run_dojo"  # Dojo sessions
    WRITE_SCRIPT = "write_script"  # theater scripts
    MODERATE = "moderate"  # withdraw anyone's Dojo note
    SEE_NAMES = "see_names"  # people by name (Daftar sasaran)


DINKES = frozenset(Right) - {Right.MANAGE_USERS, Right.SEE_NAMES}
RIGHTS: dict[Role, frozenset[Right]] = {
    Role.ADMIN: DINKES | {Right.MANAGE_USERS},
    Role.STAF: DINKES,
    Role.PUSKESMAS: frozenset({Right.WRITE_ACTION, Right.WRITE_NOTE, Right.SEE_NAMES}),
    Role.VIEWER: frozenset(),
}
# A puskesmas account holds these only for its own puskesmas: the check must name the puskesmas.
SCOPED = frozenset({Right.WRITE_ACTION, Right.WRITE_NOTE, Right.SEE_NAMES})


class Forbidden(PermissionError):
    """The signed-in user (or nobody) may not make this change."""


@dataclass(frozen=True)
class User:
    id: int
    username: str
    name: str
    role: Role
    puskesmas: str | None = None  # the puskesmas of a puskesmas account

    @property
    def author(self) -> str:
        """What an audit trail records: the name at the time, and the account it was signed in with."""
        return f"{self.name} ({self.username})"

    def can(self, right: Right, puskesmas: str | None = None) -> bool:
        """Whether this user holds ``right`` (for ``puskesmas``, when the right is scoped)."""
        if right not in RIGHTS[self.role]:
            return False
        return self.role != Role.PUSKESMAS or right not in SCOPED or puskesmas == self.puskesmas


def require(user: User | None, right: Right, puskesmas: str | None = None) -> User:
    """``user`` when it holds ``right``; else Forbidden (also for nobody signed in)."""
    if user is None or not isinstance(user, User):
        raise Forbidden(Message("msg_sign_in_needed"))
    if not user.can(right, puskesmas):
        log.warning("refused %s for %s (%s, %s)", right, user.username, user.role, puskesmas)
        raise Forbidden(Message("msg_not_allowed"))
    return user
