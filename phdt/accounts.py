"""Accounts, roles and sign-in sessions: who may write what, and who wrote it.

One role model for both ways of signing in: an account in the app's SQLite file (password hashed
with argon2id) or an identity from the Dinkes's OpenID Connect provider (``st.login``), mapped to an
account by its e-mail in ``identity``. Every write function of the app takes the signed-in
:class:`User` and calls :func:`require`, so a refused write is refused on the server whatever the
page showed; the author it records is ``User.author``, never a typed name.

Failed passwords are counted per account; after ``MAX_FAILURES`` in a row the account is locked
for ``LOCK_MINUTES``. Every attempt goes to the ``sign_in`` table and the server log. A browser
keeps a random session token (only its SHA-256 is stored), valid until it expires or the user
signs out.
"""

from __future__ import annotations

import hashlib
import logging
import re
import secrets
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from phdt.actions import NotFoundError, Store, StoreError, ValidationError, _now
from phdt.roles import Role, User
from phdt.texts import Message

log = logging.getLogger(__name__)

MAX_FAILURES = 5
LOCK_MINUTES = 15
MIN_PASSWORD = 10
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,39}")
IDENTITY = re.compile(r"[^@\s]+@[^@\s]+")
_HASHER = PasswordHasher()  # argon2id with the library's current recommended cost
_DUMMY_HASH = _HASHER.hash(secrets.token_hex(16))  # verified for unknown names: same time as a real check


# --- accounts -----------------------------------------------------------------------------------------


def _errors(username: object, name: object, role: object, puskesmas: object, identity: object) -> list[str]:
    errors = []
    if not isinstance(username, str) or not USERNAME.fullmatch(username):
        errors.append(Message("msg_username_format"))
    if not isinstance(name, str) or not name.strip() or len(name.strip()) > 120:
        errors.append(Message("msg_required", label=Message("field_account_name")))
    if role not in set(Role):
        errors.append(Message("msg_unknown_role", role=role, choices=", ".join(Role)))
    elif (role == Role.PUSKESMAS) != bool(puskesmas):
        errors.append(Message("msg_role_puskesmas"))
    if identity is not None and not (isinstance(identity, str) and IDENTITY.fullmatch(identity)):
        errors.append(Message("msg_identity_format"))
    return errors


def _password_errors(password: object) -> list[str]:
    if not isinstance(password, str) or len(password) < MIN_PASSWORD:
        return [Message("msg_password_short", n=MIN_PASSWORD)]
    return []


def _row_to_user(row) -> User:
    return User(row["id"], row["username"], row["name"], Role(row["role"]), row["puskesmas"])


def add(store: Store, username: str, name: str, role: str, by: str, password: str | None = None,
        puskesmas: str | None = None, identity: str | None = None) -> User:
    """Create an account. It needs a password, an identity-provider e-mail, or both: there is no default.

    ``by`` is the admin's author label (``require(admin, MANAGE_USERS).author``) or, for the command
    line, the operating-system account that ran it.
    """
    identity = identity.strip().lower() if isinstance(identity, str) and identity.strip() else None
    errors = _errors(username, name, role, puskesmas, identity)
    if password is not None or identity is None:
        errors += _password_errors(password)
    if errors:
        raise ValidationError(errors)
    now = _now()
    with store.transaction() as conn:
        if conn.execute("SELECT 1 FROM account WHERE username = ?", (username,)).fetchone():
            raise ValidationError([Message("msg_username_taken", username=username)])
        if identity and conn.execute("SELECT 1 FROM account WHERE identity = ?", (identity,)).fetchone():
            raise ValidationError([Message("msg_identity_taken", identity=identity)])
        account_id = conn.execute(
            "INSERT INTO account (username, name, role, puskesmas, password_hash, identity, created_at, created_by, "
            "updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (username, name.strip(), str(role), puskesmas or None, _HASHER.hash(password) if password else None,
             identity, now, by, now, by),
        ).lastrowid
        _history(conn, account_id, by, "created", None, f"{role} {puskesmas or ''}".strip())
    return User(account_id, username, name.strip(), Role(role), puskesmas or None)


def _history(conn, account_id: int, by: str, field: str, old: str | None, new: str | None) -> None:
    conn.execute("INSERT INTO account_history (account_id, at, who, field, old, new) VALUES (?, ?, ?, ?, ?, ?)",
                 (account_id, _now(), by, field, old, new))


def _account(conn, username: str):
    row = conn.execute("SELECT * FROM account WHERE username = ?", (username,)).fetchone()
    if row is None:
        raise NotFoundError(Message("msg_account_not_found", username=username))
    return row


def set_password(store: Store, username: str, password: str, by: str) -> None:
    """A new password (an admin's reset); also lifts a lockout and ends the account's sessions."""
    if errors := _password_errors(password):
        raise ValidationError(errors)
    with store.transaction() as conn:
        row = _account(conn, username)
        conn.execute("UPDATE account SET password_hash = ?, failed = 0, locked_until = NULL, updated_at = ?, "
                     "updated_by = ? WHERE id = ?", (_HASHER.hash(password), _now(), by, row["id"]))
        conn.execute("UPDATE web_session SET ended_at = ? WHERE account_id = ? AND ended_at IS NULL",
                     (_now(), row["id"]))
        _history(conn, row["id"], by, "password", None, None)


def update(store: Store, username: str, by: str, **changes: object) -> None:
    """Change ``name``, ``role``, ``puskesmas``, ``identity`` or ``active``; recorded in the history.

    A deactivated account's sessions end at once."""
    unknown = set(changes) - {"name", "role", "puskesmas", "identity", "active"}
    if unknown:
        raise ValidationError([Message("msg_unknown_field", name=", ".join(sorted(unknown)))])
    with store.transaction() as conn:
        row = _account(conn, username)
        new = {**dict(row), **changes}
        if isinstance(new["identity"], str):
            new["identity"] = new["identity"].strip().lower() or None
        if errors := _errors(username, new["name"], new["role"], new["puskesmas"], new["identity"]):
            raise ValidationError(errors)
        diff = [field for field in changes if new[field] != row[field]]
        for field in diff:
            value = int(new[field]) if field == "active" else new[field]
            conn.execute(f"UPDATE account SET {field} = ?, updated_at = ?, updated_by = ? WHERE id = ?",
                         (value, _now(), by, row["id"]))
            _history(conn, row["id"], by, field, _text(row[field]), _text(value))
        if "active" in diff and not new["active"]:
            conn.execute("UPDATE web_session SET ended_at = ? WHERE account_id = ? AND ended_at IS NULL",
                         (_now(), row["id"]))


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def accounts(store: Store) -> list[dict]:
    """Every account (never its password hash), by username."""
    with store.connect() as conn:
        rows = conn.execute("SELECT id, username, name, role, puskesmas, identity, active, failed, locked_until, "
                            "updated_at, updated_by FROM account ORDER BY username").fetchall()
    return [dict(row) for row in rows]


def count(store: Store) -> int:
    with store.connect() as conn:
        return conn.execute("SELECT count(*) FROM account").fetchone()[0]


# --- signing in ---------------------------------------------------------------------------------------


class SignInError(StoreError):
    """Wrong name or password, or a locked or inactive account: one message, so names cannot be probed."""


def _attempt(conn, username: str, outcome: str, source: str) -> None:
    conn.execute("INSERT INTO sign_in (at, username, outcome, source) VALUES (?, ?, ?, ?)",
                 (_now(), username[:80], outcome, source))
    (log.info if outcome == "ok" else log.warning)("sign-in %s: %s (%s)", outcome, username[:80], source)


def authenticate(store: Store, username: str, password: str, source: str = "form",
                 now: datetime | None = None) -> User:
    """The account whose password this is; SignInError otherwise, with the failure counted and logged."""
    now = now or datetime.now(UTC)
    username = username.strip().lower() if isinstance(username, str) else ""
    with store.transaction() as conn:  # the failure is committed before it is raised
        row = conn.execute("SELECT * FROM account WHERE username = ?", (username,)).fetchone()
        refusal = _check(conn, row, password, now)
        _attempt(conn, username, refusal or "ok", source)
    if refusal in ("locked", "locked out"):
        raise SignInError(Message("msg_account_locked", minutes=LOCK_MINUTES))
    if refusal:
        raise SignInError(Message("msg_sign_in_failed"))
    return _row_to_user(row)


def _check(conn, row, password: object, now: datetime) -> str | None:
    """Why the password does not sign this account in (None: it does); counts and locks on the way."""
    if row is None or not row["active"] or not row["password_hash"]:
        _verify(_DUMMY_HASH, password)
        return "unknown" if row is None else "inactive"
    if row["locked_until"] and datetime.fromisoformat(row["locked_until"]) > now:
        return "locked"
    if not _verify(row["password_hash"], password):
        failed = row["failed"] + 1
        locked = (now + timedelta(minutes=LOCK_MINUTES)).isoformat() if failed >= MAX_FAILURES else None
        conn.execute("UPDATE account SET failed = ?, locked_until = ? WHERE id = ?",
                     (0 if locked else failed, locked, row["id"]))
        return "locked out" if locked else "wrong password"
    rehash = _HASHER.hash(password) if _HASHER.check_needs_rehash(row["password_hash"]) else row["password_hash"]
    conn.execute("UPDATE account SET failed = 0, locked_until = NULL, password_hash = ? WHERE id = ?",
                 (rehash, row["id"]))
    return None


def _verify(password_hash: str, password: object) -> bool:
    try:
        return isinstance(password, str) and _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def for_identity(store: Store, identity: str | None) -> User | None:
    """The active account mapped to an identity provider's e-mail, or None (signed in but not registered)."""
    if not isinstance(identity, str) or not identity.strip():
        return None
    with store.connect() as conn:
        row = conn.execute("SELECT * FROM account WHERE identity = ? AND active = 1",
                           (identity.strip().lower(),)).fetchone()
    return None if row is None else _row_to_user(row)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(store: Store, user: User, hours: int) -> str:
    """A new random session token for the browser; only its digest is stored."""
    token = secrets.token_urlsafe(32)
    now = datetime.now(UTC)
    with store.transaction() as conn:
        conn.execute("INSERT INTO web_session (token_hash, account_id, created_at, expires_at) VALUES (?, ?, ?, ?)",
                     (_digest(token), user.id, now.isoformat(), (now + timedelta(hours=hours)).isoformat()))
    return token


def session_user(store: Store, token: str | None) -> User | None:
    """The active account of a live session token; None for no, unknown, ended or expired tokens."""
    if not isinstance(token, str) or not 20 <= len(token) <= 100:
        return None
    with store.connect() as conn:
        row = conn.execute(
            "SELECT a.* FROM web_session s JOIN account a ON a.id = s.account_id "
            "WHERE s.token_hash = ? AND s.ended_at IS NULL AND s.expires_at > ? AND a.active = 1",
            (_digest(token), datetime.now(UTC).isoformat()),
        ).fetchone()
    return None if row is None else _row_to_user(row)


def close_session(store: Store, token: str | None) -> None:
    """Sign out: the token stops working everywhere (other tabs, theater frames) at their next run."""
    if isinstance(token, str):
        with store.transaction() as conn:
            conn.execute("UPDATE web_session SET ended_at = ? WHERE token_hash = ? AND ended_at IS NULL",
                         (_now(), _digest(token)))
