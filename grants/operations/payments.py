"""The payments register for the finance office: every tranche released (and, once recorded,
paid) in a programme, with its recipient and registration number, amount, milestone, payment
reference, and the two managers who verified and released it (four eyes), filtered by call and
by Ho Chi Minh City days; as CSV (streamed) or XLSX (openpyxl's write-only mode).

Rows are read in pages of the tranches' ids, so memory stays flat whatever the register's size.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import IO, Any

from flask_babel import gettext as _
from openpyxl import Workbook
from sqlalchemy import select
from sqlalchemy.orm import aliased

from grants import labels
from grants.extensions import db
from grants.inputs import identifier
from grants.models import Actor, Application, Call, Organization, Programme, Project, Tranche, User
from grants.operations.applications import reference_of
from grants.operations.core import LOCAL, by_id
from grants.operations.errors import Forbidden, Invalid
from grants.operations.kpis import can_read

BATCH = 1000
COLUMNS = ("tranche_id", "reference", "call", "stage", "recipient", "registration_number",
           "project", "number", "milestone", "amount", "released_at", "paid_at",
           "payment_reference", "verified_by", "released_by")


def headings() -> dict[str, str]:
    return {"tranche_id": _("Tranche id"), "reference": _("Application"), "call": _("Call"),
            "stage": _("Stage"), "recipient": _("Recipient"),
            "registration_number": _("Registration number"), "project": _("Project"),
            "number": _("Tranche"), "milestone": _("Milestone"), "amount": _("Amount (VND)"),
            "released_at": _("Released on"), "paid_at": _("Paid on"),
            "payment_reference": _("Payment reference"), "verified_by": _("Verified by"),
            "released_by": _("Released by")}


@dataclass(frozen=True)
class Filters:
    programme: Programme
    call_id: int | None = None
    since: date | None = None  # released on or after (a Ho Chi Minh City day)
    until: date | None = None  # released on or before


def filters(actor: Actor, programme_id: Any, *, call_id: Any = None, since: Any = None,
            until: Any = None) -> Filters:
    """The register's filters, checked (the programme's staff only)."""
    programme = by_id(Programme, programme_id)
    if not can_read(actor, programme.id):
        raise Forbidden(_("Only the programme's staff read its payments register."))
    errors: dict[str, str] = {}
    days: dict[str, date | None] = {}
    for name, value in (("since", since), ("until", until)):
        try:
            days[name] = date.fromisoformat(value) if value else None
        except (TypeError, ValueError):
            errors[name] = _("Not a valid date (YYYY-MM-DD).")
    number = None
    if call_id not in (None, ""):
        number = identifier(call_id)
        if number is None:
            errors["call_id"] = _("Not found.")
    if days.get("since") and days.get("until") and days["until"] < days["since"]:
        errors["until"] = _("Must not be before the first day.")
    if errors:
        raise Invalid(_("Some filters are not valid."), errors)
    return Filters(programme, number, days.get("since"), days.get("until"))


def _start(day: date) -> datetime:
    return datetime.combine(day, time(), LOCAL).astimezone(UTC)


def rows(found: Filters) -> Iterator[dict[str, Any]]:
    """The register's rows, by tranche id, a page of ids at a time."""
    verifier, releaser = aliased(User), aliased(User)
    statement = (
        select(Tranche, Application.id, Application.created_at, Call.title, Call.stage,
               Organization.name, Organization.registration_number, Project.title,
               verifier.email, releaser.email)
        .join(Application, Application.id == Tranche.application_id)
        .join(Call, Call.id == Application.call_id)
        .join(Project, Project.id == Application.project_id)
        .join(Organization, Organization.id == Project.organization_id)
        .outerjoin(verifier, verifier.id == Tranche.verified_by_id)
        .outerjoin(releaser, releaser.id == Tranche.released_by_id)
        .where(Call.programme_id == found.programme.id, Tranche.released_at.is_not(None))
        .order_by(Tranche.id).limit(BATCH))
    if found.call_id is not None:
        statement = statement.where(Call.id == found.call_id)
    if found.since:
        statement = statement.where(Tranche.released_at >= _start(found.since))
    if found.until:
        statement = statement.where(Tranche.released_at < _start(found.until + timedelta(1)))
    after = 0
    while True:
        page = db.session.execute(statement.where(Tranche.id > after)).all()
        for (tranche, application_id, created_at, call, stage, recipient, number, project,
             verified, released) in page:
            yield {"tranche_id": tranche.id,
                   "reference": reference_of(application_id, created_at),
                   "call": call, "stage": labels.stage(stage), "recipient": recipient,
                   "registration_number": number or "", "project": project,
                   "number": tranche.number, "milestone": tranche.milestone,
                   "amount": tranche.amount, "released_at": _local(tranche.released_at),
                   "paid_at": _local(tranche.paid_at),
                   "payment_reference": tranche.payment_reference or "",
                   "verified_by": verified or "", "released_by": released or ""}
        if len(page) < BATCH:
            return
        after = page[-1][0].id
        db.session.expunge_all()  # what was written out is not kept


def _local(moment: datetime | None) -> str:
    return moment.astimezone(LOCAL).strftime("%Y-%m-%d %H:%M") if moment else ""


def csv_text(found: Filters) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for n, row in enumerate(rows(found), start=1):
        writer.writerow([row[name] for name in COLUMNS])
        if n % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def write_xlsx(found: Filters, target: IO[bytes]) -> None:
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Payments register"))
    names = headings()
    sheet.append([names[name] for name in COLUMNS])
    for row in rows(found):
        sheet.append([row[name] for name in COLUMNS])
    book.save(target)
