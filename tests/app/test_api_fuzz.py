"""Schemathesis against /api/v1/openapi.json: generated requests for every operation, each sent
with the token of every kind of caller, must never get a server error and must be answered as
the document says (status, media type, schema, headers). Run with `pytest -m fuzz` (CI does);
the number of examples per operation comes from GRANTS_FUZZ_EXAMPLES."""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from grants.operations import accounts, applications

EXAMPLES = int(os.environ.get("GRANTS_FUZZ_EXAMPLES", "40"))

pytestmark = pytest.mark.fuzz


@pytest.fixture
def callers(create_user, create_call, create_application, reviewers_of, manager_of):
    """A small world and a token for each kind of caller (and none)."""
    call = create_call()
    startup = create_user("applicant")
    application = create_application(startup, call)
    applications.act(startup, application.id, "submit", {"version": 1})
    users = {"startup": startup, "other startup": create_user("applicant"),
             "reviewer": reviewers_of(call, 1)[0], "manager": manager_of(call),
             "other manager": create_user("manager"), "auditor": create_user("auditor"),
             "admin": create_user("admin"), "mentor": create_user("mentor", call.programme)}
    tokens = {name: accounts.create_token(user, "fuzz") for name, user in users.items()}
    return [{"Authorization": f"Bearer {token}"} for token in tokens.values()] + [{}]


def test_no_generated_request_gets_a_server_error_or_an_undocumented_answer(app, callers):
    """Every operation of the document, one after the other on the same world; the failures of
    all of them are reported together."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures, sent = {}, {}
    for result in schema.get_all_operations():
        operation = result.ok()

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            for headers in callers:
                case.call_and_validate(headers=headers)
                sent[operation.label] = sent.get(operation.label, 0) + 1

        try:
            run()
        except (Exception, BaseExceptionGroup) as error:  # each operation's, collected
            failures[operation.label] = str(error)[:2000]
    print(f"\nSchemathesis: {sum(sent.values())} requests to {len(sent)} operations")
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
