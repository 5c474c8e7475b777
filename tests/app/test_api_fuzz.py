"""Schemathesis against /api/v1/openapi.json: generated requests for every operation, each sent
with the token of every kind of caller, must never get a server error and must be answered as
the document says (status, media type, schema, headers). Run with `pytest -m fuzz` (CI does);
the number of examples per operation comes from GRANTS_FUZZ_EXAMPLES."""

import os

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.specs.openapi.checks import positive_data_acceptance

from grants.operations import accounts, applications

EXAMPLES = int(os.environ.get("GRANTS_FUZZ_EXAMPLES", "40"))
ONLY = os.environ.get("GRANTS_FUZZ_ONLY", "")  # a part of an operation's label, to look closer

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


def _run(operation, mode: GenerationMode, callers: list[dict], sent: dict[str, int]):
    """Hypothesis drives one operation in one mode; each request goes out with three of the
    callers' tokens in turn."""
    turn = iter(range(10**9))

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(max_examples=EXAMPLES, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    def run(case):
        first = next(turn)
        for headers in (callers[(first + k * 3) % len(callers)] for k in range(3)):
            case.call_and_validate(headers=headers, excluded_checks=[positive_data_acceptance])
            sent[operation.label] = sent.get(operation.label, 0) + 1

    run()


def test_no_generated_request_gets_a_server_error_or_an_undocumented_answer(app, callers):
    """Every operation of the document, one after the other on the same world, with valid
    (positive) and invalid (negative) requests, so every caller meets every operation. The
    failures of all the operations are reported together.

    Left out: `positive_data_acceptance`, which expects every request the schemas allow to
    succeed; the operations refuse some of them with a documented 409 or 422 (a business rule:
    a deadline in the past, an amount over the call's cap), and that is the contract."""
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    failures, sent = {}, {}
    for result in schema.get_all_operations():
        operation = result.ok()
        if ONLY not in operation.label:
            continue
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            try:
                _run(operation, mode, callers, sent)
            except (Exception, BaseExceptionGroup) as error:  # each operation's, collected
                failures[f"{operation.label} ({mode.value})"] = "\n".join(
                    str(e)[:3000] for e in getattr(error, "exceptions", [error]))
    print(f"\nSchemathesis: {sum(sent.values())} requests to {len(sent)} operations")
    assert not failures, "\n\n".join(f"{label}:\n{text}" for label, text in failures.items())
    assert len(sent) == len(list(schema.get_all_operations())) or ONLY
