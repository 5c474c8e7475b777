"""The access matrix: every route of the app, web and API (from the URL map, so a new route
cannot escape: it fails here until it has a row), asked by every kind of outsider and insider,
gets the answer its row expects: refused (the login page or 401 for the anonymous, 403 or 404
for the others) or let through (anything else, never a 5xx).

The world: a programme whose call has a submitted application (its startup's owner is not one
of the identities), a reviewer of the programme assigned to it who recused, a funded application
with a signed agreement, a tranche, a project, a mentor's match, an activity with a registration,
a document, an invitation. Requests carry bodies a manager could send, so a refusal is the
rule's and not the body's."""

import io
from dataclasses import dataclass

import pytest
from activity_world import activity_body
from conftest import CRITERIA, QUESTIONS, fill
from sqlalchemy import select
from werkzeug.datastructures import FileStorage
from werkzeug.security import generate_password_hash

from grants.extensions import db
from grants.models import ApiToken, Tranche, utcnow
from grants.operations import (
    accounts,
    activities,
    applications,
    documents,
    funding,
    mentors,
    organizations,
    reviews,
)

PDF = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<<>>\n%%EOF\n"
PASSWORD = "correct horse battery"
IDENTITIES = ("anonymous", "other_startup", "reviewer", "recused_reviewer", "other_manager",
              "second_manager", "auditor", "admin")


@dataclass
class World:
    ids: dict[str, str]
    emails: dict[str, str]
    tokens: dict[str, str]
    body: dict


# One body for every route: what a manager could send to any of them (routes ignore the keys
# they do not take), so that a refusal is the access rule's and not the body's.
BODY = {"version": 2, "reason": "Kiểm tra", "amount": 30_000_000, "conflict": False,
        "reviewer_id": 1, "held_on": "2026-11-27", "topic": "x", "notes": "x",
        "attended": True, "showcase": True, "description": "x", "title": "Kiểm tra truy cập",
        "role": "manager", "report": "x", "payment_reference": "x", "per_application": 1,
        "tranches": [{"milestone": "All", "amount": 30_000_000, "due_on": "2030-01-01"}],
        "score": 80, "verdict": "passed", "comment": "x", "host_partner": "x",
        "environment": "x", "success_metrics": "x", "starts_on": "2027-01-01",
        "ends_on": "2027-04-30", "expertise": ["fintech"], "languages": ["vi"],
        "availability": "x", "email": "someone@example.org", "name": "Kiểm tra",
        "field": "fintech", "stage": "incubation", "budget": 100_000_000,
        "opens_at": "2027-01-01T08:00:00", "closes_at": "2027-02-01T17:00:00",
        "current_password": "not it", "password": "another long password", "code": "000000",
        "questions": QUESTIONS, "rubric": {"pass_threshold": 60, "criteria": CRITERIA},
        "review_quorum": 2, "cap_per_project": 40_000_000, "answers": {"problem": "x"},
        "requested_amount": 30_000_000,
        **activity_body(stages=["incubation"])}


@pytest.fixture
def world(create_user, create_call, create_programme, create_organization,
          create_application, manager_of, reviewers_of):
    call = create_call(stage="incubation", budget=900_000_000)
    owner = create_user("applicant")
    organization = create_organization(owner)
    application = create_application(owner, call, organization)
    document = documents.upload(owner, application.id, "other", FileStorage(
        io.BytesIO(PDF), filename="plan.pdf", content_type="application/pdf"))
    applications.act(owner, application.id, "submit", {"version": 1})
    accounts.create_token(owner, "owner")
    manager = manager_of(call)
    recused = reviewers_of(call)[0]
    assignment = reviews.assign(manager, application.id, {"reviewer_id": recused.id})
    reviews.declare(recused, assignment.id, {"conflict": True, "reason": "My cousin's firm"})

    funded = create_application(owner, call, organization, title="Cold chain")
    funded.state, funded.submitted_at = "reviewed", utcnow()
    db.session.commit()
    applications.act(manager, funded.id, "approve", {"version": 1, "amount": 30_000_000})
    funding.set_agreement(manager, funded.id, {"amount": 30_000_000, "tranches": [
        {"milestone": "All of it", "amount": 30_000_000, "due_on": "2030-01-01"}]})
    applications.act(manager, funded.id, "sign_agreement", {"version": 3})
    tranche = db.session.scalar(select(Tranche).where(Tranche.application_id == funded.id))

    mentor = create_user("mentor", call.programme)
    mentorship = mentors.match(manager, funded.project_id, {"mentor_id": mentor.id})
    activity = activities.create_activity(manager, call.programme_id,
                                          activity_body(stages=["incubation"]))
    registration = activities.register(owner, activity.id, {"project_id": funded.project_id})
    invitation, token = organizations.invite(owner, organization.id,
                                             {"email": "cofounder@example.org"})
    users = {"other_startup": create_user("applicant"),
             "reviewer": reviewers_of(call)[0], "recused_reviewer": recused,
             "other_manager": create_user("manager", create_programme()),
             "second_manager": manager_of(call), "auditor": create_user("auditor"),
             "admin": create_user("admin")}
    for user in users.values():  # a cheap hash: every request below logs in afresh
        user.password_hash = generate_password_hash(PASSWORD, "pbkdf2:sha256:1")
    db.session.commit()
    tokens = {name: accounts.create_token(user, "matrix") for name, user in users.items()}
    ids = {"application_id": application.id, "call_id": call.id,
           "programme_id": call.programme_id, "organization_id": organization.id,
           "project_id": funded.project_id, "user_id": owner.id, "tranche_id": tranche.id,
           "assignment_id": assignment.id, "mentorship_id": mentorship.id,
           "activity_id": activity.id, "registration_id": registration.id,
           "document_id": document.id,
           "invitation_id": invitation.id, "token": token,
           "token_id": db.session.scalar(select(ApiToken.id).where(ApiToken.user_id == owner.id)),
           "grant_id": owner.grants[0].id, "code": "en", "section": "team",
           "action": "start_review", "name": "incubation"}
    body = BODY | {"programme_id": call.programme_id, "project_id": funded.project_id,
                   "mentor_id": mentor.id, "items": [{"id": application.id, "version": 2}],
                   "call_id": call.id, "project": {
                       "title": "x", "summary": "x", "field": "fintech",
                       "organization_id": organization.id}}
    return World({k: str(v) for k, v in ids.items()},
                 {name: user.email for name, user in users.items()}, tokens, body)



# Who, of the identities, gets through each route; every other identity is refused. The world's
# application, project, tranche and startup belong to none of them.
ALL = frozenset(IDENTITIES)
SIGNED_IN = ALL - {"anonymous"}
NOBODY = frozenset()
RECUSED = frozenset({"recused_reviewer"})  # their assignment only (answered 409 to any work)
READ_P = frozenset({"second_manager", "auditor", "admin"})  # the programme's readers
MANAGE_P = frozenset({"second_manager", "admin"})  # MANAGING (permissions/rules.py)
ACT_P = frozenset({"second_manager"})  # workflow actions: the definitions name managers only
ANY_MANAGER = frozenset({"other_manager", "second_manager", "admin"})
STAFF = frozenset({"other_manager", "second_manager", "auditor", "admin"})
LOG = frozenset({"auditor", "admin"})
ADMIN = frozenset({"admin"})
STARTUP = frozenset({"other_startup"})

EXPECTED: dict[tuple[str, str], frozenset[str]] = {
    ("activities.activity_list", "GET"): SIGNED_IN,
    ("activities.activity_page", "GET"): SIGNED_IN,
    ("activities.attendance", "POST"): MANAGE_P,
    ("activities.cancel", "POST"): MANAGE_P,
    ("activities.cancel_registration", "POST"): NOBODY,  # the registered startup's own
    ("activities.edit_activity", "GET"): MANAGE_P,
    ("activities.edit_activity", "POST"): MANAGE_P,
    ("activities.figures", "GET"): READ_P,
    ("activities.my_showcase", "GET"): SIGNED_IN,  # one's own projects (none for staff)
    ("activities.my_showcase", "POST"): NOBODY,
    ("activities.new_activity", "GET"): ANY_MANAGER,
    ("activities.new_activity", "POST"): MANAGE_P,  # the body names the programme
    ("activities.register", "POST"): NOBODY,
    ("activities.showcase", "GET"): ALL,
    ("api.activity_cancel", "POST"): MANAGE_P,
    ("api.activity_create", "POST"): MANAGE_P,
    ("api.activity_get", "GET"): SIGNED_IN,
    ("api.activity_list", "GET"): SIGNED_IN,
    ("api.activity_update", "PATCH"): MANAGE_P,
    ("api.agreement_set", "PUT"): MANAGE_P,
    ("api.application_action", "POST"): ACT_P,
    ("api.application_batch_action", "POST"): ACT_P,
    ("api.application_create", "POST"): NOBODY,  # into the owner's startup
    ("api.application_detail", "GET"): READ_P,
    ("api.application_history", "GET"): READ_P,
    ("api.application_list", "GET"): SIGNED_IN,  # each sees their own
    ("api.application_update", "PATCH"): NOBODY,
    ("api.assignment_auto", "POST"): MANAGE_P,
    ("api.assignment_create", "POST"): MANAGE_P,
    ("api.assignment_declaration", "POST"): RECUSED,
    ("api.assignment_delete", "DELETE"): MANAGE_P,
    ("api.assignment_list_of_application", "GET"): READ_P,
    ("api.assignment_queue", "GET"): SIGNED_IN,  # each reviewer's own
    ("api.audit_checkpoints", "GET"): LOG,
    ("api.audit_events", "GET"): LOG,
    ("api.audit_verify", "GET"): LOG,
    ("api.call_create", "POST"): MANAGE_P,
    ("api.call_detail", "GET"): SIGNED_IN,
    ("api.call_ledger", "GET"): READ_P,
    ("api.call_list", "GET"): SIGNED_IN,
    ("api.call_ranking", "GET"): READ_P,
    ("api.call_update", "PATCH"): MANAGE_P,
    ("api.document_download", "GET"): READ_P,
    ("api.document_list", "GET"): READ_P,
    ("api.document_upload", "POST"): NOBODY,
    ("api.evaluation_save", "PUT"): MANAGE_P,
    ("api.giving360", "GET"): READ_P,
    ("api.me", "GET"): SIGNED_IN,
    ("api.mentor_list", "GET"): STAFF,
    ("api.mentor_profile", "PUT"): NOBODY,  # mentors only
    ("api.mentorship_create", "POST"): MANAGE_P,
    ("api.mentorship_declare", "POST"): NOBODY,  # the mentor's own
    ("api.mentorship_end", "POST"): MANAGE_P,
    ("api.mentorship_get", "GET"): READ_P,
    ("api.mentorship_list", "GET"): SIGNED_IN,
    ("api.openapi", "GET"): ALL,
    ("api.organization_create", "POST"): STARTUP,
    ("api.organization_detail", "GET"): READ_P,
    ("api.organization_invite", "POST"): NOBODY,
    ("api.organization_members", "GET"): READ_P,
    ("api.organization_update", "PATCH"): NOBODY,
    ("api.pilot_save", "PUT"): MANAGE_P,
    ("api.programme_create", "POST"): ADMIN,
    ("api.programme_detail", "GET"): SIGNED_IN,
    ("api.programme_ledger", "GET"): READ_P,
    ("api.programme_list", "GET"): SIGNED_IN,
    ("api.programme_update", "PATCH"): ADMIN,
    ("api.project_detail", "GET"): READ_P,
    ("api.registration_attendance", "PUT"): MANAGE_P,
    ("api.registration_cancel", "DELETE"): NOBODY,
    ("api.registration_create", "POST"): NOBODY,
    ("api.registration_list", "GET"): SIGNED_IN,  # each sees the registrations they may
    ("api.review_comments", "GET"): NOBODY,  # the startup's, once decided
    ("api.review_list", "GET"): READ_P,
    ("api.review_reopen", "POST"): MANAGE_P,
    ("api.review_save", "PUT"): RECUSED,
    ("api.session_create", "POST"): NOBODY,  # the mentor's
    ("api.session_list", "GET"): READ_P,
    ("api.showcase", "GET"): ALL,
    ("api.showcase_set", "PUT"): NOBODY,
    ("api.tranche_action", "POST"): ACT_P,
    ("api.tranche_detail", "GET"): READ_P,
    ("api.tranche_list", "GET"): READ_P,
    ("api.workflow_detail", "GET"): SIGNED_IN,
    ("api.workflow_list", "GET"): SIGNED_IN,
    ("applications.act", "POST"): ACT_P,
    ("applications.detail", "GET"): READ_P,
    ("apply.check", "GET"): NOBODY,
    ("apply.confirmation", "GET"): NOBODY,
    ("apply.dashboard", "GET"): SIGNED_IN,
    ("apply.edit_application", "GET"): NOBODY,
    ("apply.edit_application", "POST"): NOBODY,
    ("apply.new_application", "GET"): STARTUP,
    ("apply.new_application", "POST"): STARTUP,
    ("apply.section", "GET"): NOBODY,
    ("apply.section", "POST"): NOBODY,
    ("apply.submit", "POST"): NOBODY,
    ("apply.tasks", "GET"): NOBODY,
    ("audit.checkpoint_export", "GET"): LOG,
    ("audit.export_csv", "GET"): LOG,
    ("audit.export_json", "GET"): LOG,
    ("audit.log", "GET"): LOG,
    ("audit.timeline", "GET"): LOG,
    ("audit.verify", "GET"): LOG,
    ("auth.change_password", "POST"): SIGNED_IN,  # one's own (refused here: not the password)
    ("auth.code", "GET"): NOBODY,  # only between a password and its code
    ("auth.code", "POST"): NOBODY,
    ("auth.login", "GET"): ALL,
    ("auth.login", "POST"): NOBODY,  # the body's password is no one's
    ("auth.logout", "POST"): ALL,
    ("auth.profile", "GET"): SIGNED_IN,
    ("auth.profile", "POST"): SIGNED_IN,
    ("auth.register", "GET"): ALL,
    ("auth.register", "POST"): ALL,
    ("auth.register_password", "GET"): NOBODY,  # a link that was never mailed
    ("auth.register_password", "POST"): NOBODY,
    ("auth.renew_recovery_codes", "POST"): SIGNED_IN,
    ("auth.revoke_token", "POST"): NOBODY,  # the owner's token
    ("auth.second_factor", "GET"): SIGNED_IN,
    ("auth.second_factor", "POST"): SIGNED_IN,
    ("calls.call_list", "GET"): ALL,
    ("calls.call_page", "GET"): ALL,
    ("calls.edit_call", "GET"): MANAGE_P,
    ("calls.edit_call", "POST"): MANAGE_P,
    ("calls.new_call", "GET"): ANY_MANAGER,
    ("calls.new_call", "POST"): MANAGE_P,  # the body names the programme
    ("documents.download", "GET"): READ_P,
    ("documents.index", "GET"): READ_P,
    ("documents.upload", "POST"): NOBODY,
    ("funding.act", "POST"): ACT_P,
    ("funding.agreement", "POST"): MANAGE_P,
    ("funding.ledger", "GET"): READ_P,
    ("kpis.page", "GET"): READ_P,
    ("kpis.payments_csv", "GET"): READ_P,
    ("kpis.payments_xlsx", "GET"): READ_P,
    ("kpis.report_csv", "GET"): READ_P,
    ("kpis.report_xlsx", "GET"): READ_P,
    ("manage.call_list", "GET"): STAFF,
    ("manage.programme_desk", "GET"): READ_P,
    ("manage.programme_desk_batch", "POST"): ACT_P,
    ("manage.queue", "GET"): READ_P,
    ("manage.queue_batch", "POST"): ACT_P,
    ("mentors.declaration", "POST"): NOBODY,
    ("mentors.end", "POST"): MANAGE_P,
    ("mentors.log_session", "POST"): NOBODY,
    ("mentors.match", "GET"): READ_P,
    ("mentors.match_project", "POST"): MANAGE_P,
    ("mentors.matches", "GET"): SIGNED_IN,
    ("mentors.network", "GET"): STAFF,
    ("mentors.profile", "GET"): NOBODY,
    ("mentors.profile", "POST"): NOBODY,
    ("organizations.cancel_invitation", "POST"): NOBODY,
    ("organizations.detail", "GET"): READ_P,
    ("organizations.edit", "GET"): NOBODY,
    ("organizations.edit", "POST"): NOBODY,
    # the link's page asks the anonymous to log in; another account is told it is not theirs
    ("organizations.invitation", "GET"): frozenset({"anonymous"}),
    ("organizations.invitation", "POST"): frozenset({"anonymous"}),
    ("organizations.invite", "POST"): NOBODY,
    ("organizations.new", "GET"): STARTUP,
    ("organizations.new", "POST"): STARTUP,
    ("organizations.remove_member", "POST"): NOBODY,
    ("pilots.evaluation", "POST"): MANAGE_P,
    ("pilots.pilot", "POST"): MANAGE_P,
    ("programmes.edit_programme", "GET"): ADMIN,
    ("programmes.edit_programme", "POST"): ADMIN,
    ("programmes.new_programme", "GET"): ADMIN,
    ("programmes.new_programme", "POST"): ADMIN,
    ("programmes.programme_list", "GET"): ADMIN,
    ("projects.detail", "GET"): READ_P,
    ("public.accessibility", "GET"): ALL,
    ("public.health", "GET"): ALL,
    ("public.index", "GET"): ALL,
    ("public.language", "POST"): ALL,
    ("review.assign", "POST"): MANAGE_P,
    ("review.assignment", "GET"): RECUSED,
    ("review.auto_assign", "POST"): MANAGE_P,
    ("review.declaration", "POST"): RECUSED,
    ("review.desk", "GET"): SIGNED_IN,
    ("review.ranking", "GET"): READ_P,
    ("review.ranking_csv", "GET"): READ_P,
    ("review.ranking_xlsx", "GET"): READ_P,
    ("review.reopen", "POST"): MANAGE_P,
    ("review.review_deadline", "POST"): MANAGE_P,
    ("review.reviewers", "GET"): READ_P,
    ("review.save", "POST"): RECUSED,
    ("review.unassign", "POST"): MANAGE_P,
    ("users.deactivate", "POST"): ADMIN,
    ("users.detail", "GET"): ADMIN,
    ("users.grant", "POST"): ADMIN,
    ("users.index", "GET"): ADMIN,
    ("users.new", "GET"): ADMIN,
    ("users.new", "POST"): ADMIN,
    ("users.reactivate", "POST"): ADMIN,
    ("users.reset_second_factor", "POST"): ADMIN,
    ("users.revoke", "POST"): ADMIN,
}
# Where the answer is pinned to a status: another startup applying "as" the world's startup
# is told, on the field, that it is no member of that organization
EXACT = {("api.application_create", "POST"): {"other_startup": 422}}
# Where one key means two things: an application's budget is its lines, a call's a sum
BODY_FOR = {"api.application_create": {"budget": {"labour": 15_000_000, "other": 15_000_000}},
            "api.application_update": {"budget": {"labour": 15_000_000, "other": 15_000_000}}}
# Routes whose `<action>` is a tranche's
TRANCHE_ACTION = {"api.tranche_action", "funding.act"}
QUERY = {"api.giving360": "?programme_id={programme_id}"}
# The routes that end the asker's session go last, with the answer recorded like any other
LAST = {"auth.logout"}


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint == "static":
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            yield rule.endpoint, method, rule.rule


def ask(app, world: World, identity: str, endpoint: str, method: str, path: str):
    """One request as `identity`, on a fresh client (nothing carries between requests)."""
    client = app.test_client()
    ids = world.ids | ({"action": "verify"} if endpoint in TRANCHE_ACTION else {})
    url = fill(path, ids) + QUERY.get(endpoint, "").format(**ids)
    assert "<" not in url, f"give the world an id for {path}"
    if url.startswith("/api/"):
        headers = {} if identity == "anonymous" else {
            "Authorization": f"Bearer {world.tokens[identity]}"}
        if endpoint == "api.document_upload":
            return client.post(url, headers=headers, data={
                "kind": "other", "file": (io.BytesIO(PDF), "plan.pdf")})
        return client.open(url, method=method, json=world.body | BODY_FOR.get(endpoint, {}),
                           headers=headers)
    if identity != "anonymous":
        client.post("/login", data={"email": world.emails[identity], "password": PASSWORD})
    form = {k: v if isinstance(v, str) else str(v) for k, v in world.body.items()
            if not isinstance(v, list | dict)}
    return client.open(url, method=method, data=form)


def outcome(answer) -> str:
    """refused, through or 5xx; a batch is refused when every item of it was."""
    if answer.status_code >= 500:
        return "5xx"
    if answer.status_code in (401, 403, 404, 429) or (
            answer.status_code == 302 and "/login" in answer.headers.get("Location", "")):
        return "refused"
    results = answer.get_json(silent=True) or {}
    if isinstance(results, dict) and results.get("results") and all(
            item["status"] in (403, 404) for item in results["results"]):
        return "refused"
    return "through"


def test_every_route_answers_every_identity_as_its_row_expects(app, world):
    every = sorted(routes(app), key=lambda route: (route[0] in LAST, route))
    missing = {(endpoint, method) for endpoint, method, _path in every} - set(EXPECTED)
    assert not missing, f"give these routes a row in EXPECTED: {sorted(missing)}"
    wrong, asked = [], 0
    for endpoint, method, path in every:
        for identity in IDENTITIES:
            answer = ask(app, world, identity, endpoint, method, path)
            got = outcome(answer)
            answer.close()
            expected = "through" if identity in EXPECTED[endpoint, method] else "refused"
            if identity in EXACT.get((endpoint, method), {}):
                got, expected = answer.status_code, EXACT[endpoint, method][identity]
            if got != expected:
                wrong.append(f"{method} {path} as {identity}: {answer.status_code}, "
                             f"expected {expected}")
            asked += 1
            db.session.rollback()
    assert not wrong, "\n".join(wrong)
    assert asked == len(every) * len(IDENTITIES) > 1400
    assert not set(EXPECTED) - {(endpoint, method) for endpoint, method, _path in every}
