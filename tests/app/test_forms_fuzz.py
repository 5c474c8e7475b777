"""Hypothesis drives the forms: every web POST route of the URL map gets generated form bodies,
with the field names the templates and the form classes use plus odd ones, and values of any
text (control characters, right-to-left marks, very long, numbers in odd shapes), posted by a
manager of the programme and by the startup that owns the application. No answer is a 5xx.
Run with `pytest -m fuzz` (CI does); GRANTS_FUZZ_EXAMPLES examples per route."""

import os
import re

import pytest
from conftest import fill
from flask_wtf import FlaskForm
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from wtforms.fields.core import UnboundField

from grants.paths import TEMPLATES
from grants.web import apply, forms, organizations, users  # noqa: F401 (their forms)

pytestmark = pytest.mark.fuzz
EXAMPLES = int(os.environ.get("GRANTS_FUZZ_EXAMPLES", "40"))


def field_names() -> list[str]:
    """The names forms post: `name="…"` in the templates and the fields of the form classes."""
    names = set()
    for template in TEMPLATES.rglob("*.html"):
        names |= set(re.findall(r'name="([A-Za-z_0-9.\-]+)"', template.read_text()))
    stack = list(FlaskForm.__subclasses__())
    while stack:
        form = stack.pop()
        stack += form.__subclasses__()
        names |= {name for name, value in vars(form).items() if isinstance(value, UnboundField)}
    return sorted(names | {"score_innovation", "score_market", "tranches-0-amount",
                           "tranches-0-milestone", "milestones-0-month", "answer_problem"})


ODD = st.sampled_from(["", " ", "0", "-1", "1e309", "9" * 40, "NaN", "null", "true",
                       "2026-02-30", "2026-11-27T25:00", "\x00", "\u202e", "a" * 70_000,
                       "<script>alert(1)</script>", "' OR 1=1 --", "%", "../../etc/passwd"])
VALUES = st.one_of(ODD, st.text(max_size=300), st.integers().map(str))


@pytest.fixture
def posters(app, create_call, create_user, submitted_application, manager_of):
    call = create_call()
    owner = create_user("applicant")
    application = submitted_application(call, user=owner)
    ids = {"application_id": application.id, "call_id": call.id,
           "programme_id": call.programme_id,
           "organization_id": application.project.organization_id,
           "project_id": application.project_id, "user_id": owner.id, "action": "start_review",
           "code": "en", "token_id": 1, "grant_id": 1, "invitation_id": 1, "token": "x" * 43,
           "assignment_id": 1, "tranche_id": 1, "activity_id": 1, "registration_id": 1,
           "mentorship_id": 1, "section": "team"}
    clients = []
    for user in (manager_of(call), owner):
        client = app.test_client()
        client.post("/login", data={"email": user.email, "password": "correct horse battery"})
        clients.append(client)
    routes = sorted({fill(rule.rule, {k: str(v) for k, v in ids.items()})
                     for rule in app.url_map.iter_rules()
                     if "POST" in rule.methods and not rule.endpoint.startswith("api.")
                     and rule.endpoint not in ("auth.logout", "auth.login")})
    return clients, routes


def _drive(clients, route: str, names: list[str]) -> None:
    @given(st.dictionaries(st.sampled_from(names) | st.text(max_size=20), VALUES,
                           max_size=12), st.integers(0, len(clients) - 1))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def post(body, who):
        answer = clients[who].post(route, data=body)
        assert answer.status_code < 500, (route, body, answer.status_code)

    post()


def test_no_generated_form_body_gets_a_server_error(posters):
    clients, routes = posters
    names = field_names()
    assert len(names) > 70 and len(routes) > 50
    failures = {}
    for route in routes:
        try:
            _drive(clients, route, names)
        except AssertionError as error:
            failures[route] = str(error)[:500]
    assert not failures, "\n".join(f"{route}: {text}" for route, text in failures.items())
