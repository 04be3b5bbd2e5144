"""``python -m phdt.users``: accounts from the server's shell (the first admin, resets, identity links).

    python -m phdt.users add <username> --name "Full Name" --role admin|staf|puskesmas|viewer
                             [--puskesmas NAME] [--identity e-mail] [--no-password]
    python -m phdt.users password <username>       # reset (also lifts a lockout)
    python -m phdt.users set <username> [--role R] [--puskesmas NAME] [--identity E] [--active yes|no]
    python -m phdt.users list

The password is asked twice at the terminal (never an argument: it would stay in the shell history),
or read from the first line of stdin when stdin is not a terminal. Changes are recorded as made by
``cli:<operating-system user>``.
"""

from __future__ import annotations

import argparse
import getpass
import sys

from phdt import accounts, actions
from phdt.config import settings
from phdt.roles import Role
from phdt.texts import render


def _password() -> str:
    if not sys.stdin.isatty():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass("Kata sandi / password: ")
    if first != getpass.getpass("Ulangi / repeat: "):
        raise SystemExit("Kata sandi tidak sama / the passwords differ.")
    return first


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m phdt.users", description=__doc__.splitlines()[0])
    commands = parser.add_subparsers(dest="command", required=True)
    add = commands.add_parser("add", help="create an account")
    add.add_argument("username")
    add.add_argument("--name", required=True)
    add.add_argument("--role", required=True, choices=list(Role))
    add.add_argument("--puskesmas")
    add.add_argument("--identity", help="the identity provider's e-mail of this person")
    add.add_argument("--no-password", action="store_true", help="sign in through the identity provider only")
    commands.add_parser("password", help="set a new password").add_argument("username")
    change = commands.add_parser("set", help="change role, puskesmas, identity or active")
    change.add_argument("username")
    change.add_argument("--role", choices=list(Role))
    change.add_argument("--puskesmas")
    change.add_argument("--identity")
    change.add_argument("--active", choices=["yes", "no"])
    commands.add_parser("list", help="every account")
    return parser


def run(args: argparse.Namespace, store: actions.Store) -> str:
    """Carry out one command; returns what to print."""
    by = f"cli:{getpass.getuser()}"
    if args.command == "add":
        password = None if args.no_password else _password()
        user = accounts.add(store, args.username, args.name, args.role, by, password=password,
                            puskesmas=args.puskesmas, identity=args.identity)
        return f"akun dibuat / account created: {user.username} ({user.role})"
    if args.command == "password":
        accounts.set_password(store, args.username, _password(), by)
        return f"kata sandi diganti / password set: {args.username}"
    if args.command == "set":
        changes = {k: v for k, v in {"role": args.role, "puskesmas": args.puskesmas, "identity": args.identity,
                                     "active": None if args.active is None else args.active == "yes"}.items()
                   if v is not None}
        accounts.update(store, args.username, by, **changes)
        return f"akun diubah / account changed: {args.username}"
    return "\n".join(f"{a['username']:<24} {a['role']:<10} {a['puskesmas'] or '':<16} {a['identity'] or '':<30} "
                     f"{'aktif' if a['active'] else 'nonaktif'}" for a in accounts.accounts(store)) or "(none)"


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        print(run(args, actions.Store(settings().actions_db)))
    except actions.ValidationError as exc:
        print("\n".join(render(m, "id") for m in exc.messages), file=sys.stderr)
        return 2
    except actions.NotFoundError as exc:
        print(render(exc, "id"), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
