"""`kavshiri` and its subcommands: serve, console, worker, deadline, portal-sim, operator, nlu."""
from __future__ import annotations

import argparse
import asyncio
import contextlib
import getpass
import json
import logging
import sys
from collections.abc import AsyncIterator
from datetime import date, datetime
from pathlib import Path

from kavshiri import logs, nlu_cli
from kavshiri.settings import Settings


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    logs.configure(Settings().log_format)
    return args.run(args) or 0


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kavshiri", description=__doc__)
    sub = p.add_subparsers(required=True, metavar="COMMAND")

    serve = sub.add_parser("serve", help="run the API (and, on embedded defaults, the portal and worker)")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.set_defaults(run=cmd_serve)

    console = sub.add_parser("console", help="chat in the terminal, or script it with --json")
    console.add_argument("--json", action="store_true", help="JSON lines in and out")
    console.add_argument("--user", help="who you are (the same user continues across runs)")
    console.add_argument("--lang", choices=("ka", "en"), help="a new citizen's language")
    console.set_defaults(run=cmd_console)

    worker = sub.add_parser("worker", help="deliver alerts and poll open requests")
    worker.set_defaults(run=cmd_worker)

    telegram = sub.add_parser("telegram", help="the Telegram bot: long polling, or registering the webhook")
    telegram.add_argument("action", choices=("poll", "setup"),
                          help="poll: run without a public URL; setup: register commands and PUBLIC_URL's webhook")
    telegram.set_defaults(run=cmd_telegram)

    deadline = sub.add_parser("deadline", help="the legal deadline of a request")
    deadline.add_argument("registered_at", help="ISO 8601, e.g. 2026-11-20T15:00:00+04:00; without an offset, "
                                                 "or a bare date, it is Tbilisi's time")
    deadline.add_argument("--type", required=True, dest="request_type",
                          choices=("information_request", "application", "complaint", "letter"))
    deadline.add_argument("--json", action="store_true")
    deadline.add_argument("--lang", choices=("ka", "en"), default="en")
    deadline.set_defaults(run=cmd_deadline)

    deadlines = sub.add_parser("deadlines", help="the deadline watch over open requests")
    deadlines_sub = deadlines.add_subparsers(required=True, metavar="ACTION")
    sweep = deadlines_sub.add_parser("sweep", help="alert citizens whose requests passed their deadline, once")
    sweep.add_argument("--as-of", type=date.fromisoformat, help="YYYY-MM-DD [today in Tbilisi]")
    sweep.set_defaults(run=cmd_deadlines_sweep)

    sim = sub.add_parser("portal-sim", help="the stand-in MY.GOV.GE portal")
    sim.add_argument("--host", default="127.0.0.1")
    sim.add_argument("--port", type=int)
    sim.add_argument("--db", help="its SQLite file [KAVSHIRI_HOME/portal-sim.sqlite3]")
    sim.add_argument("--callback-url", help="where completion events go [Kavshiri's /portal/callback]")
    sim.add_argument("--public-url", help="base URL of the answer pages citizens open")
    sim.add_argument("--faults", action="store_true", help="enable fault injection (tests only)")
    sim.set_defaults(run=cmd_portal_sim)
    sim_sub = sim.add_subparsers(metavar="ACTION")
    complete = sim_sub.add_parser("complete", help="answer (or refuse) a request as its agency")
    complete.add_argument("registration_number")
    complete.add_argument("--answer", required=True)
    complete.add_argument("--refuse", action="store_true")
    complete.add_argument("--without-rights", action="store_true",
                          help="a refusal without the written explanation of rights the law requires")
    complete.add_argument("--url", help="the stand-in portal's base URL [PORTAL_URL or the embedded one]")
    complete.set_defaults(run=cmd_portal_complete)
    nlu_cli.register(sub)

    operator = sub.add_parser("operator", help="operator accounts of the live chat")
    op_sub = operator.add_subparsers(required=True, metavar="ACTION")
    add = op_sub.add_parser("add", help="create an operator (or reset their password and agencies)")
    add.add_argument("login")
    add.add_argument("--name", required=True, help="the name citizens see")
    add.add_argument("--agencies", default="", help="comma-separated agency ids; empty: all")
    add.add_argument("--password-stdin", action="store_true", help="read the password from standard input")
    add.set_defaults(run=cmd_operator_add)
    catalog = sub.add_parser("catalog", help="the publication register (Ordinance 219, Annex)")
    catalog_sub = catalog.add_subparsers(required=True, metavar="ACTION")
    overdue = catalog_sub.add_parser("overdue", help="what agencies should have published by a date and have not")
    which = overdue.add_mutually_exclusive_group()
    which.add_argument("--agency", help="one agency's id [the agencies the register has entries for]")
    which.add_argument("--all-agencies", action="store_true", help="every agency in the directory")
    overdue.add_argument("--as-of", type=date.fromisoformat, help="YYYY-MM-DD [today in Tbilisi]")
    overdue.add_argument("--format", choices=("table", "csv", "json"), default="table")
    overdue.set_defaults(run=cmd_catalog_overdue)
    load = catalog_sub.add_parser("import", help="import a register file (CSV or JSON), all or nothing")
    load.add_argument("file", type=Path)
    load.set_defaults(run=cmd_catalog_import)
    return p


def cmd_operator_add(args: argparse.Namespace) -> int:
    from kavshiri.app import open_accounts

    password = sys.stdin.readline().rstrip("\n") if args.password_stdin else getpass.getpass("Password: ")
    agencies = [a.strip() for a in args.agencies.split(",") if a.strip()]

    async def add() -> None:
        accounts, store = await open_accounts(Settings())
        try:
            await accounts.add(args.login, args.name, password, agencies)
        finally:
            await store.close()

    try:
        asyncio.run(add())
    except ValueError as error:
        print(error, file=sys.stderr)
        return 2
    print(f"operator {args.login} saved")
    return 0


def cmd_portal_sim(args: argparse.Namespace) -> int:
    from connectors.portal import CALLBACK_PATH
    from portal_sim.cli import build_server

    settings = Settings()
    build_server(
        host=args.host,
        port=args.port or settings.portal_sim_port,
        db_path=Path(args.db) if args.db else settings.kavshiri_home / "portal-sim.sqlite3",
        client_token=settings.portal_token,
        callback_url=args.callback_url or settings.own_url + CALLBACK_PATH,
        callback_secret=settings.portal_callback_secret,
        faults=args.faults,
        public_url=args.public_url,
    ).run()
    return 0


def cmd_portal_complete(args: argparse.Namespace) -> int:
    from portal_sim.cli import complete

    settings = Settings()
    url = args.url or settings.portal_url or f"http://127.0.0.1:{settings.portal_sim_port}"
    outcome = "refused" if args.refuse else "completed"
    result = asyncio.run(complete(url, settings.portal_token, args.registration_number, args.answer, outcome,
                                  rights_explained=not args.without_rights))
    print(json.dumps(result, ensure_ascii=False))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app
    from kavshiri.app import running
    from kavshiri.server import uvicorn_options

    overrides = {k: v for k, v in (("host", args.host), ("port", args.port)) if v}
    settings = Settings(**overrides)

    async def serve() -> None:
        async with running(settings) as kv, serving_metrics(kv):
            # No access log: paths and queries can carry registration numbers.
            config = uvicorn.Config(create_app(kv), host=settings.host, port=settings.port,
                                    log_config=None, access_log=False, **uvicorn_options(settings))
            server = uvicorn.Server(config)
            worker = asyncio.create_task(kv.run_worker()) if settings.run_worker else None
            try:
                await server.serve()
            finally:
                if worker:
                    worker.cancel()

    run_fast(serve())
    return 0


@contextlib.asynccontextmanager
async def serving_metrics(kv) -> AsyncIterator[None]:
    """This process's /metrics on METRICS_PORT, when it is set, while the block runs. Started
    before the API's server, whose signal handling then comes first (uvicorn chains them)."""
    if not kv.settings.metrics_port:
        yield
        return
    import uvicorn

    from api.metrics import metrics_app

    config = uvicorn.Config(metrics_app(kv), host=kv.settings.host, port=kv.settings.metrics_port,
                            log_config=None, access_log=False)
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            await task  # it could not listen: its error, or SystemExit, ends the command
            raise SystemExit(1)
        await asyncio.sleep(0.02)
    try:
        yield
    finally:
        server.should_exit = True
        await task


def run_fast(main) -> None:
    """Run on uvloop where it is installed (uvicorn[standard]): the webhook path spends much of
    its time in the event loop's socket handling."""
    try:
        import uvloop
    except ImportError:
        asyncio.run(main)
        return
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        runner.run(main)


def cmd_console(args: argparse.Namespace) -> int:
    from connectors.console import Console
    from kavshiri.app import running

    if args.json:
        logging.getLogger().setLevel(logging.WARNING)
    settings = Settings()

    async def chat() -> None:
        async with running(settings) as kv:
            write = lambda line: print(line, flush=True)  # noqa: E731
            console = Console(kv.engine, kv.store, kv.catalog, args.user or getpass.getuser(), args.json, write)
            if not args.json and sys.stdin.isatty():
                print("Kavshiri — type a message (Ctrl-D to leave).", flush=True)

            async def read_line() -> str | None:
                line = await asyncio.to_thread(sys.stdin.readline)
                return line or None

            await console.run(read_line, args.lang)

    asyncio.run(chat())
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    from kavshiri.app import running

    settings = Settings()

    async def work() -> None:
        async with running(settings) as kv, serving_metrics(kv):
            await kv.run_worker()

    asyncio.run(work())
    return 0


def cmd_telegram(args: argparse.Namespace) -> int:
    from kavshiri.app import running

    settings = Settings()
    if not settings.telegram_bot_token:
        print("set TELEGRAM_BOT_TOKEN first", file=sys.stderr)
        return 2
    if args.action == "setup" and not settings.public_url:
        print("set PUBLIC_URL (the https address Telegram can reach) first", file=sys.stderr)
        return 2

    async def run() -> None:
        async with running(settings) as kv:
            if args.action == "setup":
                await kv.telegram.setup(settings.public_url.rstrip("/") + "/webhooks/telegram")
                return
            await kv.telegram.setup(None)  # polling and a webhook exclude each other
            tasks = [kv.telegram.poll()] + ([kv.run_worker()] if settings.run_worker else [])
            async with serving_metrics(kv):
                await asyncio.gather(*tasks)

    asyncio.run(run())
    return 0


def cmd_deadline(args: argparse.Namespace) -> int:
    from bot.deadline import TBILISI, WorkCalendar, deadline_for
    from connectors.i18n import Catalog

    settings = Settings()
    try:
        registered = datetime.fromisoformat(args.registered_at)
    except ValueError:
        print("registered_at is ISO 8601, e.g. 2026-11-20T15:00:00+04:00 or 2026-11-20", file=sys.stderr)
        return 2
    if registered.tzinfo is None:  # registration is dated in Tbilisi (Ordinance No 219, Art. 4)
        registered = registered.replace(tzinfo=TBILISI)
    deadline = deadline_for(registered, args.request_type, WorkCalendar(settings.extra_days))
    data = deadline.to_json()
    data["basis"] = Catalog(settings.locales_dir).text(args.lang, deadline.basis)
    if args.json:
        print(json.dumps(data, ensure_ascii=False))
    else:
        print(f"starts {data['starts']}, due {data['due']}\n{data['basis']}")
    return 0


def cmd_deadlines_sweep(args: argparse.Namespace) -> int:
    from kavshiri.app import open_watch

    async def sweep() -> list[str]:
        watch, store = await open_watch(Settings())
        try:
            return (await watch.sweep(args.as_of)).lines()
        finally:
            await store.close()

    print("\n".join(asyncio.run(sweep())))
    return 0


def cmd_catalog_overdue(args: argparse.Namespace) -> int:
    from kavshiri.catalog_cli import overdue_report
    from nlu.directory import Directory
    from published.rules import checkable, today_in_georgia

    directory = Directory.load()
    if args.agency and directory.get(args.agency) is None:
        print(f"unknown agency: {args.agency}", file=sys.stderr)
        return 2
    agencies = [args.agency] if args.agency else [a.id for a in directory] if args.all_agencies else None
    as_of = args.as_of or today_in_georgia()
    if not checkable(as_of):
        print("--as-of must be between 2013-09-01 (Ordinance 219 in force) and 9000-01-01", file=sys.stderr)
        return 2
    print(asyncio.run(overdue_report(Settings(), agencies, as_of, args.format)))
    return 0


def cmd_catalog_import(args: argparse.Namespace) -> int:
    from kavshiri.catalog_cli import import_file
    from published.register import RegisterError

    try:
        count = asyncio.run(import_file(Settings(), args.file))
    except (OSError, RegisterError) as error:
        print(f"{args.file}: nothing imported:\n{error}", file=sys.stderr)
        return 1
    print(f"imported {count} entries from {args.file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
