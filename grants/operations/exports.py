"""The programme's awarded grants as a 360Giving Data Standard 1.4 data package (open data; the
schema is in tests/standards/360giving/ and docs/exports.md explains the mapping): in VND, with
the recipient organization identified by its Vietnamese registration number under a documented
prefix, the stage as the grant programme, each tranche as a planned date and, once released, a
disbursement.

Streamed: the grants are read in pages of ids with their tranches, and written as they come,
so memory stays flat whatever the programme's size.
"""

import json
from collections import defaultdict
from collections.abc import Iterator
from datetime import datetime
from typing import Any

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload, load_only

from grants import labels
from grants.extensions import db
from grants.models import (
    Actor,
    Application,
    Call,
    Organization,
    Programme,
    Project,
    Tranche,
    utcnow,
)
from grants.operations.applications import reference
from grants.operations.core import LOCAL, by_id
from grants.operations.errors import Conflict, Forbidden
from grants.operations.kpis import can_read
from grants.operations.ledger import money_states

VERSION = "1.4"
BATCH = 100


def _awarded(programme_id: int):
    return (select(Application).join(Call, Call.id == Application.call_id)
            .where(Call.programme_id == programme_id, Application.awarded_amount.is_not(None),
                   Application.decided_at.is_not(None)))


def giving360(actor: Actor, programme_id: Any) -> Iterator[str]:
    """The package, in pieces (the programme's staff; 409 while nothing is awarded: a package
    holds at least one grant)."""
    programme = by_id(Programme, programme_id)
    if not can_read(actor, programme.id):
        raise Forbidden(_("Only the programme's staff export its grants."))
    return package(programme)


def package(programme: Programme) -> Iterator[str]:
    """The package without a permission check (the command line)."""
    count = db.session.scalar(select(func.count()).select_from(
        _awarded(programme.id).subquery()))
    if not count:
        raise Conflict(_("The programme has awarded no grant yet: there is nothing to export."))
    config = current_app.config
    now = utcnow()
    head = {"version": VERSION, "title": programme.title,
            "description": f"{config['FUNDER_NAME']}: {programme.title} ({count})",
            "modified": now.isoformat()}

    def pieces() -> Iterator[str]:
        yield json.dumps(head, ensure_ascii=False)[:-1] + ', "grants": ['
        first = True
        for grant in _grants(programme, now):
            yield ("" if first else ",") + "\n" + json.dumps(grant, ensure_ascii=False)
            first = False
        yield "\n]}\n"

    return pieces()


def _grants(programme: Programme, now: datetime) -> Iterator[dict[str, Any]]:
    config = current_app.config
    released_states, _paid = money_states()
    funder = {"id": config["FUNDER_ID"], "name": config["FUNDER_NAME"]}
    modified = now.isoformat()
    after = 0
    with force_locale("vi"):
        stage_names = {stage: labels.stage(stage) for stage in ("pre_incubation", "incubation",
                                                                "acceleration")}
    while True:
        page = list(db.session.scalars(
            _awarded(programme.id).where(Application.id > after)
            .options(load_only(Application.id, Application.project_id, Application.call_id,
                               Application.requested_amount, Application.awarded_amount,
                               Application.decided_at, Application.created_at),
                     # only what a grant shows: no answers, rubric or questions decoded
                     joinedload(Application.call).load_only(Call.id, Call.stage),
                     joinedload(Application.project).load_only(
                         Project.id, Project.title, Project.summary, Project.organization_id)
                     .joinedload(Project.organization).load_only(
                         Organization.id, Organization.name,
                         Organization.registration_number, Organization.address))
            .order_by(Application.id).limit(BATCH)))
        if not page:
            return
        tranches: dict[int, list[Tranche]] = defaultdict(list)
        for tranche in db.session.scalars(
                select(Tranche).where(Tranche.application_id.in_([a.id for a in page]))
                .order_by(Tranche.application_id, Tranche.number)):
            tranches[tranche.application_id].append(tranche)
        for application in page:
            yield _grant(application, tranches[application.id], funder, stage_names,
                         released_states, modified, config)
        after = page[-1].id
        db.session.expunge_all()  # what was written out is not kept


def _day(moment: datetime) -> str:
    return moment.astimezone(LOCAL).date().isoformat()


def _grant(application: Application, tranches: list[Tranche], funder: dict,
           stage_names: dict[str, str], released_states: frozenset[str], modified: str,
           config) -> dict[str, Any]:
    organization = application.project.organization
    grant_id = f"{config['GIVING_PREFIX']}-{reference(application)}"
    recipient = {
        "id": f"{config['RECIPIENT_PREFIX']}-{organization.registration_number}"
        if organization.registration_number
        else f"{config['GIVING_PREFIX']}-org-{organization.id}",
        "name": organization.name, "addressCountry": "VN"}
    if organization.registration_number:
        recipient["companyNumber"] = organization.registration_number
    if organization.address:
        recipient["streetAddress"] = organization.address
    released = [t for t in tranches if t.state in released_states and t.released_at]
    grant: dict[str, Any] = {
        "id": grant_id,
        "title": application.project.title,
        "description": application.project.summary or application.project.title,
        "currency": "VND",
        "amountAppliedFor": application.requested_amount,
        "amountAwarded": application.awarded_amount,
        "amountDisbursed": sum(t.amount for t in released),
        "awardDate": _day(application.decided_at),
        "recipientOrganization": [recipient],
        "fundingOrganization": [funder],
        "grantProgramme": [{"code": application.call.stage,
                            "title": stage_names[application.call.stage]}],
        "dateModified": modified,
    }
    if tranches:
        grant["plannedDates"] = [
            {"title": t.milestone, "startDate": t.due_on.isoformat(),
             "endDate": t.due_on.isoformat(),
             "description": f"Đợt {t.number}: {t.amount} VND"} for t in tranches]
    if released:
        grant["disbursementTransaction"] = [
            {"id": f"{grant_id}-{t.number}", "transactionDate": _day(t.released_at),
             "value": t.amount, "currency": "VND", "description": t.milestone}
            for t in released]
    return grant
