"""The command line: `flask --app grants <command>`."""

import json
import signal
import sys
import threading
from pathlib import Path

import click
from flask import Flask, current_app
from flask_migrate import upgrade
from sqlalchemy import select
from werkzeug.serving import run_simple

from grants import audit, checkpoints, demo, outbox
from grants.extensions import db
from grants.models import AuditHead
from grants.operations import OperationError, accounts


def register(app: Flask) -> None:
    for command in (quickstart, users, token, demo_group, audit_group, outbox_group,
                    report_group, export_group):
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
              type=click.Choice(["applicant", "reviewer", "manager", "auditor", "admin",
                                 "mentor"]))
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
@click.option("--audit-events", "events", type=click.IntRange(min=0), default=0,
              show_default=True, help="How many events to append to the audit chain.")
def demo_seed(count: int, events: int) -> None:
    """The demo programme and calls when missing, then bulk applications and audit events."""
    click.echo("Demo data created." if demo.seed() else "Demo data already present.")
    if count:
        with click.progressbar(length=count, label="Applications") as bar:
            demo.bulk_applications(count, bar.update)
    if events:
        with click.progressbar(length=events, label="Audit events") as bar:
            demo.bulk_audit_events(events, bar.update)


@click.group("audit")
def audit_group() -> None:
    """The audit log."""


@audit_group.command("verify")
@click.option("--checkpoints", "checkpoint_file", type=click.File("r"),
              help="An exported checkpoints file (audit checkpoints --output): also prove the "
                   "log still extends every checkpoint in it.")
@click.option("--public-key", help="The public key to check the checkpoints' signatures with "
                                   "(base64, or a PEM file's path); default: this server's "
                                   "key, else the one in the file.")
def audit_verify(checkpoint_file, public_key: str | None) -> None:
    """Check the whole hash chain, and with --checkpoints that the log extends each signed
    checkpoint; exit 1 and name what is wrong."""
    if checkpoint_file is not None:
        _verify_anchored(checkpoint_file.read(), public_key)
        return
    total = db.session.scalar(select(AuditHead.seq)) or 0
    with click.progressbar(length=total, label="Events", file=sys.stderr) as bar:
        result = audit.verify(progress=bar.update)
    if result.ok:
        click.echo(f"OK: {result.checked} events, chain intact.")
        return
    _broken(result)


def _broken(result: audit.Verification) -> None:
    click.echo(f"BROKEN at event {result.first_bad_seq}: {result.problem} "
               f"({result.checked} events checked before it).", err=True)
    click.echo("  first event whose content does not match its hash: "
               f"{result.changed_seq or 'none'}", err=True)
    click.echo("  first event whose link to the one before is broken: "
               f"{result.broken_link_seq or 'none'}", err=True)
    raise SystemExit(1)


def _verify_anchored(text: str, public_key: str | None) -> None:
    try:
        found, embedded = checkpoints.read_file(text)
        if public_key and Path(public_key).is_file():
            public_key = Path(public_key).read_text()
        key = (checkpoints.load_public_key(public_key) if public_key
               else checkpoints.configured_public_key()
               or (checkpoints.load_public_key(embedded) if embedded else None))
    except checkpoints.BadCheckpointFile as error:
        raise click.ClickException(str(error)) from None
    if key is None:
        raise click.ClickException("No public key: pass --public-key.")
    result = checkpoints.verify_against(found, key)
    if result.ok:
        click.echo(f"OK: {result.chain.checked} events, chain intact, extends all "
                   f"{result.checkpoints} checkpoints (key {checkpoints.key_id(key)}).")
        return
    if result.checkpoint is not None:
        click.echo(f"BROKEN: {result.problem}.", err=True)
        raise SystemExit(1)
    _broken(result.chain)


@audit_group.command("keygen")
@click.option("--output", type=click.Path(dir_okay=False, writable=True), required=True,
              help="Where to write the new private key (PEM); keep it outside the database "
                   "and its backups.")
def audit_keygen(output: str) -> None:
    """Make an Ed25519 key to sign checkpoints with; prints its public key."""
    path = Path(output)
    if path.exists():
        raise click.ClickException(f"{output} exists; not overwritten.")
    pem, public = checkpoints.new_key()
    path.touch(mode=0o600)
    path.write_bytes(pem)
    click.echo(f"Wrote {output}. Set GRANTS_AUDIT_SIGNING_KEY_FILE={output}")
    click.echo(f"Public key (give it to the auditors): {public}")


@audit_group.command("checkpoint")
def audit_checkpoint() -> None:
    """Sign the head of the chain now (run it from cron, hourly say, and on demand)."""
    try:
        row = checkpoints.take()
    except checkpoints.NoSigningKey as error:
        raise click.ClickException(str(error)) from None
    click.echo(json.dumps(checkpoints.as_json(row)))


@audit_group.command("checkpoints")
@click.option("--output", type=click.File("w"), default="-",
              help="Where to write them (default: standard output).")
def audit_checkpoints(output) -> None:
    """Export every checkpoint with the public key, for auditors to keep outside the system."""
    json.dump(checkpoints.export(), output, indent=1)
    output.write("\n")


@click.group("outbox")
def outbox_group() -> None:
    """Outgoing mail."""


@outbox_group.command("remind")
def outbox_remind() -> None:
    """Queue the reminders that are due, each once: to every draft whose call closes within
    three days, to every reviewer whose review is open two days before its deadline, to every
    startup whose milestone report is due within a week, and to the startups registered for an
    activity that starts within a day."""
    from grants.operations import activities, funding, reminders, reviews

    try:
        count = reminders.queue_draft_reminders()
        reviewers = reviews.remind_reviewers()
        reports = funding.remind_reports()
        registered = activities.remind_registered()
    except OperationError as error:
        _fail(error)
    click.echo(f"Reminders queued for {count} draft application{'s' if count != 1 else ''}.")
    click.echo(f"Reminders queued for {reviewers} open review{'s' if reviewers != 1 else ''}.")
    click.echo(f"Reminders queued for {reports} milestone report{'s' if reports != 1 else ''}.")
    click.echo(f"Reminders queued for {registered} activity "
               f"registration{'s' if registered != 1 else ''}.")


@outbox_group.command("send")
@click.option("--loop", is_flag=True, help="Keep sending until stopped (SIGTERM or Ctrl+C).")
@click.option("--interval", type=click.FloatRange(min=0.1), default=30.0, show_default=True,
              help="With --loop: seconds to wait after a pass that found nothing more to send.")
@click.option("--batch", type=click.IntRange(min=1), default=100, show_default=True,
              help="At most this many mails per pass.")
def outbox_send(loop: bool, interval: float, batch: int) -> None:
    """Send the mails that are due through SMTP (GRANTS_SMTP_*), once or in a loop."""
    try:
        transport = outbox.smtp_transport(current_app.config)
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    if not loop:
        click.echo(f"Outbox: {outbox.send_due(transport, limit=batch)}.")
        return
    stop = threading.Event()
    previous = {number: signal.signal(number, lambda *_: stop.set())
                for number in (signal.SIGTERM, signal.SIGINT)}
    click.echo(f"Outbox: sending every {interval:g} s; stop with SIGTERM.")
    try:
        while not stop.is_set():
            counts = outbox.send_due(transport, limit=batch, stop=stop)
            if counts.sent or counts.retrying or counts.failed:
                click.echo(f"Outbox: {counts}.")
            # a full batch means more may be due: go on at once
            if counts.sent + counts.retrying + counts.failed < batch:
                stop.wait(interval)
    finally:
        for number, handler in previous.items():
            signal.signal(number, handler)
    click.echo("Outbox: stopped.")


@click.group("report")
def report_group() -> None:
    """Reports for the city."""


@report_group.command("annual")
@click.option("--year", type=click.IntRange(2000, 2100), required=True)
@click.option("--programme", "programme_id", type=int, default=None,
              help="One programme (by id); every programme without it.")
@click.option("--format", "kind", type=click.Choice(["xlsx", "csv"]), default="xlsx",
              show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="The file to write (default: annual-report-YEAR.FORMAT).")
def report_annual(year: int, programme_id: int | None, kind: str, output: str | None) -> None:
    """The annual report (10 December): per stage and call, the year's applications, decisions,
    agreements, money, pilots, evaluations and promotions, the KPIs' progress, the ledger."""
    from grants.models import Programme
    from grants.operations import reports

    statement = select(Programme).order_by(Programme.id)
    if programme_id is not None:
        statement = statement.where(Programme.id == programme_id)
    found = list(db.session.scalars(statement))
    if not found:
        raise click.ClickException("No such programme.")
    report = reports.annual(found, year)
    path = output or f"annual-report-{year}.{kind}"
    if kind == "csv":
        with open(path, "w", newline="", encoding="utf-8") as file:
            for text in reports.csv_text(report):
                file.write(text)
    else:
        with open(path, "wb") as file:
            reports.write_xlsx(report, file)
    totals = [row for row in report.rows if row["section"] == reports.TOTAL]
    click.echo(f"{path}: {len(found)} programme(s), "
               f"{sum(t['received'] for t in totals)} applications received, "
               f"{sum(t['signed'] for t in totals)} agreements signed in {year}.")


@click.group("export")
def export_group() -> None:
    """Open-data exports."""


@export_group.command("360giving")
@click.option("--programme", "programme_id", type=int, required=True)
@click.option("--output", type=click.Path(dir_okay=False, writable=True), default=None,
              help="The file to write (default: 360giving-programme-ID.json).")
def export_360giving(programme_id: int, output: str | None) -> None:
    """The programme's awarded grants as a 360Giving 1.4 data package (docs/exports.md)."""
    from grants.models import Programme
    from grants.operations import exports

    programme = db.session.get(Programme, programme_id)
    if programme is None:
        raise click.ClickException("No such programme.")
    path = output or f"360giving-programme-{programme_id}.json"
    try:
        pieces = exports.package(programme)
    except OperationError as error:
        _fail(error)
    with open(path, "w", encoding="utf-8") as file:
        for piece in pieces:
            file.write(piece)
    click.echo(f"{path}: written.")
