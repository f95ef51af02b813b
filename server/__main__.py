"""``ott-server``: serve, migrate, seed, create-admin, grant-role, payments simulate."""

from __future__ import annotations

import argparse
import asyncio
import logging
import secrets
import sys
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path
from typing import Any

from server.logs import configure_logging
from server.settings import Settings, load_settings
from server.storage.lifecycle import Stores

log = logging.getLogger("server")


class CliError(Exception):
    """A failure to report as one line on stderr."""


def _settings(args: argparse.Namespace) -> Settings:
    overrides: dict[str, Any] = {
        "host": getattr(args, "host", None), "port": getattr(args, "port", None),
        "data_dir": getattr(args, "data_dir", None), "media_dir": getattr(args, "media_dir", None),
    }
    try:
        return load_settings(args.config, **overrides)
    except ValueError as err:
        raise CliError(f"invalid settings: {_first_line(err)}") from err


def _first_line(err: BaseException) -> str:
    text = str(err).strip().splitlines()
    return " ".join(t.strip() for t in text[:3]) if text else type(err).__name__


def cmd_serve(args: argparse.Namespace) -> None:
    """Run the HTTP server until SIGINT/SIGTERM; embedded stores stop with it."""
    from aiohttp import web

    from server.app import create_app

    settings = _settings(args)
    configure_logging(level=settings.log_level, json_lines=settings.log_json)
    if args.workers > 1:
        import asyncio

        from server.workers import supervise

        raise SystemExit(asyncio.run(supervise(settings, workers=args.workers, config=args.config)))
    app = create_app(settings)
    log.info("starting", extra={"host": settings.host, "port": settings.port,
                                "embedded_postgres": settings.uses_embedded_postgres,
                                "embedded_redis": settings.uses_embedded_redis})
    try:
        web.run_app(app, host=settings.host, port=settings.port, print=None,
                    access_log=None, handle_signals=True, shutdown_timeout=5, reuse_port=args.reuse_port or None)
    except OSError as err:
        raise CliError(f"cannot listen on {settings.host}:{settings.port}: {err.strerror or err}") from err


async def _with_storage(settings: Settings, work: Callable[[Stores], Awaitable[None]]) -> None:
    """Open the stores exactly as ``serve`` would (migrated), run ``work``, close them."""
    from server.storage.lifecycle import open_stores

    async with open_stores(settings) as stores:
        await work(stores)


def cmd_migrate(args: argparse.Namespace) -> None:
    """Apply pending migrations and print what was applied."""
    from server.migrations import applied_versions

    async def work(stores: Stores) -> None:
        async with stores.db.acquire() as conn:
            versions = sorted(await applied_versions(conn))
        print(f"schema at version {versions[-1] if versions else 0} ({len(versions)} migrations applied)")

    asyncio.run(_with_storage(_settings(args), work))


def _count(text: str) -> int:
    """An argparse type: a non-negative integer."""
    try:
        value = int(text)
    except ValueError as err:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from err
    if value < 0:
        raise argparse.ArgumentTypeError("must not be negative")
    return value


def cmd_seed(args: argparse.Namespace) -> None:
    """Write the deterministic demo catalog (idempotent) and print a one-line summary."""
    from server.catalog.seed import seed_catalog

    settings = _settings(args)

    async def work(stores: Stores) -> None:
        summary = await seed_catalog(stores.db, movies=args.movies, shows=args.shows, sports=args.sports,
                                     seed=args.seed, media_dir=settings.resolved_media_dir)
        print(summary.line())

    asyncio.run(_with_storage(settings, work))


def cmd_grant_role(args: argparse.Namespace) -> None:
    """Give an existing user a role."""
    from server.admin import store
    from server.routing import ALL_ROLES

    if args.role not in ALL_ROLES:
        raise CliError(f"unknown role {args.role!r}; choose one of {', '.join(ALL_ROLES)}")

    async def work(stores: Stores) -> None:
        roles = await store.grant_role(stores.db, email=args.email, role=args.role)
        if roles is None:
            raise CliError(f"no user with email {args.email}")
        print(f"{args.email}: roles {', '.join(sorted(roles))}")

    asyncio.run(_with_storage(_settings(args), work))


def cmd_create_admin(args: argparse.Namespace) -> None:
    """Create an admin account (or make an existing account admin)."""
    from server.admin import store
    from server.auth.passwords import hash_password, password_problems

    password = args.password or secrets.token_urlsafe(12) + "A1!"
    problems = password_problems(password)
    if problems:
        raise CliError(f"password too weak: needs {', '.join(problems)}")
    settings = _settings(args)

    async def work(stores: Stores) -> None:
        hashed = await hash_password(password, rounds=settings.bcrypt_rounds)
        if await store.upsert_admin(stores.db, email=args.email, password_hash=hashed):
            shown = "(as given)" if args.password else password
            print(f"created admin {args.email} with password {shown}")
        else:
            print(f"{args.email} already existed: admin role granted, password unchanged")

    asyncio.run(_with_storage(settings, work))


def cmd_payments_simulate(args: argparse.Namespace) -> None:
    """Play the payment gateway: pay an order and post the signed webhook to a running server."""
    from server.billing.secret import webhook_secret
    from server.billing.simulate import SimulationError, simulate

    secret = args.secret.encode("utf-8") if args.secret else webhook_secret(settings=_settings(args))
    try:
        deliveries = asyncio.run(simulate(
            base_url=args.url, secret=secret, token=args.token, plan_id=args.plan, order_id=args.order_id,
            amount_paise=args.amount, upgrade=args.upgrade, fail=args.fail, method=args.method,
            deliveries=args.deliveries))
    except (SimulationError, OSError) as err:
        raise CliError(f"payment simulation failed: {_first_line(err)}") from err
    for d in deliveries:
        print(f"{d.event_id}: HTTP {d.status} {d.body.get('status', '')} {d.body.get('detail', '')}".rstrip())
    if any(d.status != 200 for d in deliveries):
        raise CliError("the server refused the webhook")


def build_parser() -> argparse.ArgumentParser:
    """The ``ott-server`` argument parser."""
    parser = argparse.ArgumentParser(prog="ott-server", description="OTT Lowband backend")
    parser.add_argument("--config", type=Path, default=None, help="TOML settings file (or $OTT_CONFIG)")
    sub = parser.add_subparsers(dest="command", required=True)

    serve = sub.add_parser("serve", help="run the HTTP API (embedded PostgreSQL/Redis unless URLs are set)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--data-dir", type=Path)
    serve.add_argument("--media-dir", type=Path)
    serve.add_argument("--workers", type=_count, default=1,
                       help="server processes sharing the port (SO_REUSEPORT); see README 'Several processes'")
    serve.add_argument("--reuse-port", action="store_true", help=argparse.SUPPRESS)
    serve.set_defaults(func=cmd_serve)

    mig = sub.add_parser("migrate", help="apply pending schema migrations")
    mig.add_argument("--data-dir", type=Path)
    mig.set_defaults(func=cmd_migrate)

    admin = sub.add_parser("create-admin", help="create an admin account")
    admin.add_argument("email")
    admin.add_argument("--password", help="default: a generated one, printed once")
    admin.add_argument("--data-dir", type=Path)
    admin.set_defaults(func=cmd_create_admin)

    grant = sub.add_parser("grant-role", help="give a user a role")
    grant.add_argument("email")
    grant.add_argument("role")
    grant.add_argument("--data-dir", type=Path)
    grant.set_defaults(func=cmd_grant_role)

    seed = sub.add_parser("seed", help="write the demo catalog (deterministic, idempotent)")
    seed.add_argument("--movies", type=_count, default=400)
    seed.add_argument("--shows", type=_count, default=100)
    seed.add_argument("--sports", type=_count, default=40)
    seed.add_argument("--seed", type=int, default=42, help="random seed")
    seed.add_argument("--data-dir", type=Path)
    seed.add_argument("--media-dir", type=Path)
    seed.set_defaults(func=cmd_seed)

    pay = sub.add_parser("payments", help="payment gateway tools")
    pay_sub = pay.add_subparsers(dest="payments_command", required=True)
    sim = pay_sub.add_parser("simulate", help="pay an order as the gateway would and post the signed webhook")
    sim.add_argument("--url", default="http://127.0.0.1:8080", help="the server's base URL")
    sim.add_argument("--token", help="access token: create the order for --plan through the API first")
    sim.add_argument("--plan", choices=("monthly", "quarterly", "annual"))
    sim.add_argument("--upgrade", action="store_true", help="the order is a plan upgrade (change-plan)")
    sim.add_argument("--order-id", help="pay this existing order (e.g. a renewal) instead")
    sim.add_argument("--amount", type=_count, help="amount in paise (with --order-id)")
    sim.add_argument("--method", default="upi", choices=("upi", "card", "netbanking", "wallet"))
    sim.add_argument("--fail", action="store_true", help="send payment.failed instead of payment.captured")
    sim.add_argument("--deliveries", type=_count, default=1, help="deliver the same event N times (retries)")
    sim.add_argument("--secret", help="webhook secret (default: the server's, from settings or the data dir)")
    sim.add_argument("--data-dir", type=Path)
    sim.set_defaults(func=cmd_payments_simulate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point: run a subcommand; any failure is one line on stderr and exit status 2."""
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        args.func(args)
    except CliError as err:
        print(f"ott-server: {err}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    except Exception as err:  # the last line of defence: one readable line, never a traceback
        print(f"ott-server: {type(err).__name__}: {_first_line(err)}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
