"""The ``workhall`` command line (interfaces.md §2).

Exit 2 on bad input, with one line saying why.
"""

from __future__ import annotations

import logging
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from workhall.core.settings import get_settings

app = typer.Typer(
    help="Workhall — the open-source freelance marketplace.",
    no_args_is_help=True,
    add_completion=False,
)
db_app = typer.Typer(help="Database maintenance.", no_args_is_help=True)
app.add_typer(db_app, name="db")
console = Console()
err = Console(stderr=True)


def fail(message: str) -> typer.Exit:
    err.print(f"[red]error:[/red] {message}", highlight=False)
    return typer.Exit(code=2)


def _database():  # type: ignore[no-untyped-def]
    from workhall.core.db import get_database

    return get_database(get_settings().resolved_database_url)


@db_app.command("upgrade")
def db_upgrade() -> None:
    """Apply pending migrations to the configured database."""
    from workhall.core.migrate import upgrade

    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    console.print("database is up to date")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port")] = 8000,
    workers: Annotated[int, typer.Option(min=1, max=64, help="Server processes")] = 1,
) -> None:
    """Run the web app and API (applies pending migrations to the embedded database first)."""
    import uvicorn

    from workhall.core.migrate import upgrade

    settings = get_settings()
    if settings.resolved_database_url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        upgrade(settings.resolved_database_url)
    settings.resolved_secret_key()
    console.print(f"Workhall on http://{host}:{port}")
    uvicorn.run("workhall.asgi:app", host=host, port=port, workers=workers, proxy_headers=True)


@app.command()
def worker(
    once: Annotated[bool, typer.Option(help="Run every task once and exit")] = False,
) -> None:
    """Run scheduled and queued work (grants, expiries, evaluations, outbox delivery)."""
    from workhall.worker import run_forever, run_once

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    settings, database = get_settings(), _database()
    if once:
        for name, count in run_once(database, settings).items():
            console.print(f"{name}: {count}")
        return
    run_forever(database, settings)


@app.command()
def createuser(
    email: Annotated[str, typer.Option(help="Email address")],
    name: Annotated[str, typer.Option(help="Display name")],
    role: Annotated[str, typer.Option(help="admin, support, trust_safety, freelancer or client")],
    password: Annotated[
        str,
        typer.Option(
            prompt=True,
            hide_input=True,
            confirmation_prompt=True,
            help="Password (asked for when omitted)",
        ),
    ],
    country: Annotated[str, typer.Option(help="ISO country code")] = "US",
) -> None:
    """Create an account; staff roles (admin, support, trust_safety) create a staff account."""
    from email_validator import EmailNotValidError, validate_email

    from workhall.accounts.models import STAFF_ROLES
    from workhall.accounts.service import sign_up
    from workhall.catalog import COUNTRIES
    from workhall.core.clock import utcnow
    from workhall.core.errors import Problem

    if role not in (*STAFF_ROLES, "freelancer", "client"):
        raise fail(f"--role: unknown role {role!r}")
    if country.upper() not in COUNTRIES:
        raise fail(f"--country: unknown country code {country!r}")
    try:
        email = validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError as exc:
        raise fail(f"--email: {exc}") from exc
    if not name.strip() or len(name) > 100:
        raise fail("--name: 1 to 100 characters")
    settings = get_settings()
    is_staff = role in STAFF_ROLES
    try:
        with _database().unit_of_work() as session:
            user = sign_up(
                session,
                settings,
                email=email,
                password=password,
                name=name,
                country=country,
                role="staff" if is_staff else role,
                staff_roles=role if is_staff else "",
            )
            user.email_verified_at = utcnow()
    except Problem as exc:
        raise fail(f"--{exc.extra.get('field', 'input')}: {exc.detail}") from exc
    console.print(f"created {role} account {user.email} (handle {user.handle})")


@app.command()
def demo(
    if_empty: Annotated[
        bool, typer.Option("--if-empty", help="Do nothing if there are users")
    ] = False,
    seed: Annotated[
        int | None, typer.Option(help="Random seed (default: settings.demo_seed)")
    ] = None,
) -> None:
    """Fill the configured database with a realistic demo marketplace and print logins to try."""
    from workhall.demo.generator import DemoRefused, run_demo

    settings = get_settings()
    try:
        run_demo(
            _database(),
            settings,
            seed=settings.demo_seed if seed is None else seed,
            if_empty=if_empty,
            console=console,
        )
    except DemoRefused as exc:
        raise fail(str(exc)) from exc


@app.command("import-history")
def import_history(
    file: Path = typer.Argument(..., help="A history in JSON Lines (interfaces.md §3)."),
) -> None:
    """Import a marketplace history, all or nothing; a progress bar on a terminal."""
    from workhall.reputation.import_command import run_import

    run_import(file)


def _reputation_app() -> typer.Typer:
    from workhall.reputation.evaluate_command import reputation_app

    return reputation_app


app.add_typer(_reputation_app(), name="reputation")


def main() -> None:
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(130)
