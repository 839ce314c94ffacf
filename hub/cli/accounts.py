"""`sentinel user`, `token` and `audit`: console accounts, API tokens and the audit log's chain."""

from __future__ import annotations

import argparse
import asyncio
import sys

from hub.cli.common import Commands, cli_actor, database_url, officer_known, settings_of


def register(commands: Commands) -> None:
    roles = ["duty", "supervisor", "admin", "officer"]
    user = commands.add_parser("user", help="console accounts").add_subparsers(metavar="ACTION")
    user_add = user.add_parser(
        "add", help="create a console account; the password is asked twice on the terminal (or read from stdin)"
    )
    user_add.add_argument("username")
    user_add.add_argument("--role", required=True, choices=roles)
    user_add.add_argument("--officer", metavar="ID", help="the officer this account is (required for --role officer)")
    user_add.add_argument("--name", default="", help="display name shown in the console")
    user_add.add_argument(
        "--password-stdin", action="store_true", help="read the password from the first line of stdin"
    )
    user_add.set_defaults(handler=_user_add)
    user_unlock = user.add_parser(
        "unlock", help="forget failed sign-ins of an account (from every address), of an address, or of both"
    )
    user_unlock.add_argument("username", nargs="?")
    user_unlock.add_argument("--address", help="the client address (as the audit log's auth.login_throttled names it)")
    user_unlock.set_defaults(handler=_user_unlock)

    token = commands.add_parser("token", help="bearer API tokens").add_subparsers(metavar="ACTION")
    token_create = token.add_parser("create", help="create an API token; it is printed once and stored only hashed")
    token_create.add_argument("--role", required=True, choices=roles)
    token_create.add_argument("--name", required=True, help="what the token is for (unique among active tokens)")
    token_create.add_argument("--officer", metavar="ID", help="the officer it acts for (required for --role officer)")
    token_create.set_defaults(handler=_token_create)
    token_revoke = token.add_parser("revoke", help="revoke the active API token of this name")
    token_revoke.add_argument("name")
    token_revoke.set_defaults(handler=_token_revoke)

    audit = commands.add_parser("audit", help="the audit log").add_subparsers(metavar="ACTION")
    verify = audit.add_parser(
        "verify",
        help="check the audit log's hash chain: exit 1 naming the first broken link if an entry was edited or deleted",
    )
    verify.set_defaults(handler=_audit_verify)


def _user_add(args: argparse.Namespace) -> int:
    from hub.adapters.postgres.accounts import accounts_service
    from hub.services.auth import AccountError, AccountExists

    settings = settings_of(args)
    dsn = database_url(settings)
    if not officer_known(settings, args.officer):
        return 2
    password = _read_password(args.password_stdin)

    async def create() -> str:
        async with accounts_service(dsn) as auth:
            user = await auth.create_user(
                args.username, password, args.role, cli_actor(), officer_id=args.officer, display_name=args.name
            )
            return f"user {user.username} added (role {user.role.value})"

    try:
        print(asyncio.run(create()))
    except (AccountError, AccountExists) as exc:
        print(f"cannot add the user: {exc}", file=sys.stderr)
        return 2
    return 0


def _user_unlock(args: argparse.Namespace) -> int:
    from hub.adapters.postgres.accounts import accounts_service

    if not args.username and not args.address:
        print("name an account, --address, or both", file=sys.stderr)
        return 2
    dsn = database_url(settings_of(args))

    async def unlock() -> int:
        async with accounts_service(dsn) as auth:
            return await auth.unlock_logins(cli_actor(), args.username, args.address)

    cleared = asyncio.run(unlock())
    who = " from ".join(part for part in (args.username, args.address) if part)
    print(f"unlocked {who}: {cleared} throttled account/address pair(s) cleared")
    return 0


def _token_create(args: argparse.Namespace) -> int:
    from hub.adapters.postgres.accounts import accounts_service
    from hub.services.auth import AccountError, AccountExists

    settings = settings_of(args)
    dsn = database_url(settings)
    if not officer_known(settings, args.officer):
        return 2

    async def create() -> str:
        async with accounts_service(dsn) as auth:
            issued = await auth.create_api_token(args.name, args.role, cli_actor(), officer_id=args.officer)
            return issued.token

    try:
        token = asyncio.run(create())
    except (AccountError, AccountExists) as exc:
        print(f"cannot create the token: {exc}", file=sys.stderr)
        return 2
    print(f"token {args.name!r} (role {args.role}) created; it is shown only this once:", file=sys.stderr)
    print(token)
    return 0


def _token_revoke(args: argparse.Namespace) -> int:
    from hub.adapters.postgres.accounts import accounts_service

    dsn = database_url(settings_of(args))

    async def revoke() -> bool:
        async with accounts_service(dsn) as auth:
            return await auth.revoke_api_token(args.name, cli_actor())

    if not asyncio.run(revoke()):
        print(f"no active token named {args.name!r}", file=sys.stderr)
        return 1
    print(f"token {args.name!r} revoked")
    return 0


def _read_password(from_stdin: bool) -> str:
    import getpass

    if from_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if not sys.stdin.isatty():
        raise SystemExit("no terminal to ask for the password on: use --password-stdin")
    password = getpass.getpass("password: ")
    if getpass.getpass("password again: ") != password:
        raise SystemExit("the two passwords differ")
    return password


def _audit_verify(args: argparse.Namespace) -> int:
    from hub.adapters.postgres.audit_chain import ChainVerdict, verify_audit_chain
    from hub.adapters.postgres.schema import migrate

    dsn = database_url(settings_of(args))

    async def verify() -> ChainVerdict:
        await migrate(dsn)  # a database from before the chain gets it (and its old entries chained) first
        return await verify_audit_chain(dsn)

    verdict = asyncio.run(verify())
    head = f"seq {verdict.head.seq}, hash {verdict.head.hash.hex()}" if verdict.head else "empty"
    if verdict.broken is None:
        print(f"audit log intact: {verdict.entries} entries; head {head}")
        return 0
    broken = verdict.broken
    where = f"entry id {broken.id}" + (f" (seq {broken.seq})" if broken.seq is not None else "")
    if broken.id is None:
        where = "the end of the chain"
    print(
        f"audit log BROKEN at {where}: {broken.reason}; {verdict.entries} entries before it are intact",
        file=sys.stderr,
    )
    return 1
