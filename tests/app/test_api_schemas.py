"""The API's boundary: bodies bounded before parsing, checked by the declared schemas with
translated per-field errors, and every answer held to the generated OpenAPI document."""

import base64
import json
import re
from types import SimpleNamespace

import pytest

from grants.api.openapi import document_bytes, operations
from grants.api.validation import MAX_DEPTH, nesting_depth
from grants.operations import Conflict, calls


@pytest.fixture
def startup(api, create_user, create_organization):
    user = create_user("applicant")
    return api(user), create_organization(user)


def draft(call, organization, **overrides):
    return {"call_id": call.id, "project": {"title": "Smart irrigation", "field": "fintech",
                                            "organization_id": organization.id}} | overrides


def problem_of(response, status):
    assert response.status_code == status, response.text
    assert response.mimetype == "application/problem+json"
    return response.get_json()


def nested(levels: int) -> str:
    return '{"a":' * levels + "1" + "}" * levels


def test_nesting_depth_counts_brackets_outside_strings_only():
    assert nesting_depth('{"a": [1, {"b": []}]}') == 4
    assert nesting_depth('{"a": "[[[[{{{{", "b": "\\\\\\"[["}') == 1
    assert nesting_depth("[" * 1000) == MAX_DEPTH + 1  # stops counting past the limit
    assert nesting_depth('"unterminated [[[') == 0


def test_a_body_nested_a_thousand_levels_deep_is_refused_without_parsing(startup):
    client, _ = startup
    for body in ("[" * 976 + "]" * 976, nested(MAX_DEPTH + 1)):
        problem = problem_of(client.post("/applications", data=body,
                                         headers={"Content-Type": "application/json"}), 422)
        assert "64" in problem["detail"] and "errors" not in problem


def test_every_route_that_takes_a_body_bounds_it(app, startup):
    client, organization = startup
    deep = "[" * 976 + "]" * 976
    routes = [(rule, method) for rule, method, operation in operations(app) if operation.body]
    assert len(routes) >= 13  # applications, calls, programmes, organizations, reviews
    for rule, method in routes:
        path = rule.removeprefix("/api/v1").replace(
            "<int:organization_id>", str(organization.id))
        path = re.sub(r"<int:\w+>", "1", path).replace("<action>", "submit")
        response = getattr(client, method)(path, data=deep,
                                           headers={"Content-Type": "application/json"})
        assert "64" in problem_of(response, 422)["detail"], (method, path)


def test_a_body_nested_within_the_limit_reaches_the_schema(startup):
    client, _ = startup
    problem = problem_of(client.post("/applications", data=nested(MAX_DEPTH),
                                     headers={"Content-Type": "application/json"}), 422)
    assert problem["errors"]["call_id"] == "Thông tin này là bắt buộc."


def test_a_body_over_the_size_limit_is_413(app, startup, create_call):
    client, organization = startup
    body = draft(create_call(), organization, answers={"problem": "x" * 2000})
    app.config["API_MAX_BODY_BYTES"] = 1000
    try:
        problem = problem_of(client.post("/applications", json=body,
                                         headers={"Accept-Language": "en"}), 413)
        assert problem["detail"] == "The request body is too large (at most 1000 bytes)."
        problem_of(client.patch("/applications/1", data="[" * 5000,
                                headers={"Content-Type": "application/json"}), 413)
    finally:
        app.config["API_MAX_BODY_BYTES"] = 1024 * 1024
    assert client.post("/applications", json=body).status_code == 201


@pytest.mark.parametrize("language, message", [
    ("vi", "Phải là số nguyên từ 1 đến 100."),
    ("en", "Must be a whole number from 1 to 100."),
])
def test_field_errors_have_dotted_paths_in_the_callers_language(
        api, create_user, create_programme, language, message):
    programme = create_programme()
    manager = api(create_user("manager", programme))
    response = manager.post("/calls", headers={"Accept-Language": language}, json={
        "programme_id": programme.id, "stage": "incubation", "title": "T",
        "opens_at": "2030-01-01T08:00", "closes_at": "2030-02-01T08:00", "budget": 10,
        "rubric": {"pass_threshold": 50, "criteria": [
            {"key": "k", "name": "K", "weight": 0, "max_score": 10}]}})
    errors = problem_of(response, 422)["errors"]
    assert errors == {"rubric.criteria.0.weight": message}


def test_whole_numbers_are_ascii_digits_never_floats_or_booleans(startup, create_call):
    client, organization = startup
    call = create_call()
    for amount in (1.5, 1.0, True, "1e3", "²", "-5", "3.000.000"):
        problem = problem_of(client.post("/applications", json=draft(
            call, organization, requested_amount=amount)), 422)
        assert set(problem["errors"]) == {"requested_amount"}, amount
    created = client.post("/applications", json=draft(call, organization,
                                                       requested_amount=" 30000000 "))
    assert created.status_code == 201, created.text
    assert created.get_json()["requested_amount"] == 30_000_000


@pytest.mark.parametrize("title", ["a\x00b", "a\ud800b"])
def test_text_with_nul_or_a_lone_surrogate_is_refused_per_field(startup, create_call, title):
    client, organization = startup
    body = draft(create_call(), organization)
    body["project"]["title"] = title
    problem = problem_of(client.post("/applications", json=body,
                                     headers={"Accept-Language": "en"}), 422)
    assert problem["errors"] == {
        "project.title": "Must not contain control or invalid characters."}


def test_types_and_missing_fields_are_named_per_field(startup):
    client, _ = startup
    problem = problem_of(client.post("/applications", headers={"Accept-Language": "en"}, json={
        "call_id": None, "project": {"title": 5, "field": "moonshot"},
        "answers": {"problem": [5]}}), 422)
    assert problem["errors"] == {
        "call_id": "This field is required.",
        "project.title": "Must be text.",
        "project.field": "Must be one of: ecommerce (E-commerce), fintech (Fintech), "
                         "logistics (Logistics), edtech (Education technology), health (Health), "
                         "hitech_agriculture (Hi-tech agriculture), sustainability "
                         "(Sustainability), digital_transformation (Digital transformation), "
                         "cybersecurity (Cybersecurity).",
        "project.organization_id": "This field is required.",
        "answers.problem": "Must be text.",
    }


def test_query_parameters_are_checked_by_their_schema(startup):
    client, _ = startup
    problem = problem_of(client.get("/calls?stage=moonshot&open=maybe&cursor=zz",
                                    headers={"Accept-Language": "en"}), 422)
    assert set(problem["errors"]) == {"stage", "open", "cursor"}
    problem = problem_of(client.get("/applications?call_id=0&state=lost"), 422)
    assert set(problem["errors"]) == {"call_id"}  # the shape first, then the workflows' states
    problem = problem_of(client.get("/applications?state=lost"), 422)
    assert set(problem["errors"]) == {"state"}
    assert client.get("/calls?stage=&open=&cursor=").status_code == 200  # blank: absent


def test_an_action_checks_the_version_and_the_payload_it_declares(startup, create_call):
    client, organization = startup
    app_id = client.post("/applications", json=draft(create_call(), organization)).get_json()["id"]
    problem = problem_of(client.post(f"/applications/{app_id}/actions/withdraw", json={
        "version": 1.0, "amount": "lots", "revision_deadline": "soon"}), 422)
    assert set(problem["errors"]) == {"version", "amount", "revision_deadline"}
    moved = client.post(f"/applications/{app_id}/actions/withdraw",
                        json={"version": "1", "note": "undeclared keys pass to the engine"})
    assert moved.get_json() == {"state": "withdrawn", "version": 2}


def test_the_document_is_built_once_per_app(app, client):
    first = client.get("/api/v1/openapi.json")
    assert first.get_json()["components"]["schemas"]["Problem"]["properties"]
    assert document_bytes(app) is document_bytes(app)
    assert client.get("/api/v1/openapi.json").data == first.data


def test_an_answer_the_document_does_not_list_fails_the_contract(startup, monkeypatch):
    client, _ = startup

    def conflict(programme_id):
        raise Conflict("Not documented for this route.")

    monkeypatch.setattr(calls, "get_programme", conflict)
    with pytest.raises(AssertionError, match="does not list"):
        client.get("/programmes/1")


def test_an_answer_unlike_its_schema_fails_the_contract(contract):
    answer = SimpleNamespace(
        request=SimpleNamespace(method="GET", path="/api/v1/me"), status_code=200,
        mimetype="application/json", data=b'{"id": 1, "email": "a@b.c", "name": "A"}',
        text="")
    with pytest.raises(AssertionError, match="roles"):
        contract.check(answer)
    answer.data = b'{"id": 1, "email": "a@b.c", "name": "A", "roles": []}'
    contract.check(answer)


@pytest.mark.parametrize("cursor", [
    base64.urlsafe_b64encode(b"[" * 1000).decode(),  # nested: json.loads would recurse
    base64.urlsafe_b64encode(json.dumps({"at": 2**31}).encode()).decode(),  # not an id
    "x" * 65,
])
def test_a_crafted_cursor_is_a_clear_422(startup, cursor):
    client, _ = startup
    for path in ("/applications", "/calls", "/programmes"):
        response = client.get(path, query_string={"cursor": cursor})
        assert response.status_code == 422, (path, response.status_code)
        assert "cursor" in response.get_json()["errors"]


def test_history_cursors_reach_past_the_largest_id(startup, create_call):
    client, organization = startup
    created = client.post("/applications", json=draft(create_call(), organization)).get_json()
    response = client.get(f"/applications/{created['id']}/history",
                          query_string={"cursor": str(2**40)})
    assert response.status_code == 200 and response.get_json()["items"] == []


def test_an_app_started_with_other_definitions_answers_their_states(
        app, api, create_user, create_call, create_application):
    import copy

    from grants.operations import applications
    from grants.operations.workflow import Workflows
    from workflow import Registry, default_registry, parse_definition
    from workflow.registry import DEFINITIONS_DIR

    data = json.loads((DEFINITIONS_DIR / "pre_incubation.v1.json").read_text())
    renamed = json.loads(json.dumps(copy.deepcopy(data)).replace('"submitted"', '"handed_in"'))
    renamed["version"] = 2
    shipped = app.extensions["grants.workflows"]
    app.extensions["grants.workflows"] = Workflows(
        Registry([*default_registry().all(), parse_definition(renamed)]),
        [applications.KIND], unbuilt={"tranche"})
    try:
        startup = create_user("applicant")
        application = create_application(startup, create_call())  # pins v2, the latest
        applications.act(startup, application.id, "submit", {"version": 1})
        answer = api(startup).get(f"/applications/{application.id}")
        listed = api(startup).get("/applications?state=handed_in")
    finally:
        app.extensions["grants.workflows"] = shipped
    assert answer.status_code == 200 and answer.get_json()["state"] == "handed_in"
    assert [item["id"] for item in listed.get_json()["items"]] == [application.id]
