"""The command line: `flask --app grants <command>`."""

import click
from flask import Flask, current_app
from flask_migrate import upgrade
from werkzeug.serving import run_simple

from grants import audit, demo
from grants.operations import OperationError, accounts


def register(app: Flask) -> None:
    for command in (quickstart, users, token, demo_group, audit_group):
        app.cli.add_command(command)


def _fail(error: OperationError) -> None:
    details = "; ".join(f"{k}: {v}" for k, v in error.errors.items())
    raise click.ClickException(f"{error.detail} {details}".strip())


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True)
@click.option("--no-serve", is_flag=True, help="Prepare the database and the demo, then stop.")
def quickstart(host: str, port: int, no_serve: bool) -> None:
    """Create or upgrade the database, seed the demo once, and serve it."""
    app = current_app._get_current_object()
    app.config["DEMO_MODE"] = True
    upgrade()
    click.echo("Demo data created." if demo.seed() else "Demo data already present.")
    click.echo("Demo accounts (email / password):")
    for email, _name, password, role in demo.ACCOUNTS:
        click.echo(f"  {role.value:<10} {email:<24} {password}")
    if no_serve:
        return
    click.echo(f"Serving on http://{host}:{port}  (Ctrl+C to stop)")
    # app.run() refuses to block a `flask` command; the development server itself does not
    run_simple(host, port, app, threaded=True)


@click.group()
def users() -> None:
    """Manage user accounts."""


@users.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--password", required=True)
@click.option("--role", required=True,
              type=click.Choice(["applicant", "reviewer", "manager", "auditor", "admin"]))
@click.option("--programme", "programme_id", type=int, default=None,
              help="Limit the role to one programme (default: all programmes).")
def users_create(email: str, name: str, password: str, role: str, programme_id: int | None):
    """Create an account with one role."""
    try:
        user = accounts.create_user(email, name, password, role, programme_id)
    except OperationError as error:
        _fail(error)
    click.echo(f"Created user {user.id} <{user.email}> as {role}.")


@click.group()
def token() -> None:
    """Manage API tokens."""


@token.command("create")
@click.option("--email", required=True)
@click.option("--name", default="cli", show_default=True)
def token_create(email: str, name: str) -> None:
    """Create a personal access token; it is printed on the last line, once."""
    try:
        plain = accounts.create_token(accounts.user_by_email(email), name)
    except OperationError as error:
        _fail(error)
    click.echo("Keep this token; it is not shown again:")
    click.echo(plain)


@click.group("demo")
def demo_group() -> None:
    """Demo and benchmark data."""


@demo_group.command("seed")
@click.option("--applications", "count", type=click.IntRange(min=0), default=0,
              show_default=True, help="How many bulk applications to add.")
def demo_seed(count: int) -> None:
    """The demo programme and calls when missing, then COUNT bulk applications."""
    click.echo("Demo data created." if demo.seed() else "Demo data already present.")
    if count:
        with click.progressbar(length=count, label="Applications") as bar:
            demo.bulk_applications(count, bar.update)


@click.group("audit")
def audit_group() -> None:
    """The audit log."""


@audit_group.command("verify")
def audit_verify() -> None:
    """Check the whole hash chain; exit 1 and name the first bad event if it is broken."""
    result = audit.verify()
    if result.ok:
        click.echo(f"OK: {result.checked} events, chain intact.")
        return
    click.echo(f"BROKEN at event {result.first_bad_seq}: {result.problem} "
               f"({result.checked} events checked before it).", err=True)
    raise SystemExit(1)
