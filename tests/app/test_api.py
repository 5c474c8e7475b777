"""The JSON API: authentication, problem details, the slice's endpoints and the contract."""

from datetime import timedelta

import pytest

from grants.models import ApiToken, utcnow
from grants.operations import accounts


@pytest.fixture
def startup_api(api, create_user, create_organization):
    startup = create_user("applicant")
    organization = create_organization(startup)
    return api(startup), startup, organization


def new_application(client, call, organization, **overrides):
    body = {"call_id": call.id,
            "project": {"title": "Dự án nông nghiệp thông minh", "summary": "Cảm biến độ ẩm",
                        "field": "hitech_agriculture", "organization_id": organization.id},
            "answers": {"problem": "Lãng phí nước"}, "requested_amount": 30_000_000,
            "team": "Hai kỹ sư", "budget": {"labour": 20_000_000, "other": 10_000_000},
            "milestones": [{"milestone": "Mẫu thử", "month": 2, "deliverable": "Bản demo"}],
            } | overrides
    return client.post("/applications", json=body)


def assert_problem(response, status):
    assert response.status_code == status, response.text
    assert response.mimetype == "application/problem+json"
    body = response.get_json()
    assert body["status"] == status and body["title"] and body["detail"]
    return body


@pytest.mark.parametrize("header", [None, "Bearer nope", "Bearer gr_forged", "Basic abc"])
def test_requests_without_a_valid_token_get_401(client, header):
    headers = {"Authorization": header} if header else {}
    body = assert_problem(client.get("/api/v1/me", headers=headers), 401)
    assert "token" in body["detail"]


def test_revoked_token_is_refused(client, create_user):
    user = create_user("applicant")
    token = accounts.create_token(user, "laptop")
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 200
    accounts.revoke_token(user, ApiToken.query.filter_by(user_id=user.id).one().id)
    assert_problem(client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}), 401)


def test_me_lists_roles(api, create_user, create_programme):
    programme = create_programme()
    manager = create_user("manager", programme)
    body = api(manager).get("/me").get_json()
    assert body["email"] == manager.email
    assert body["roles"] == [{"role": "manager", "programme_id": programme.id}]


def test_draft_submit_and_history_through_the_api(startup_api, create_call):
    client, _, organization = startup_api
    call = create_call()
    response = new_application(client, call, organization)
    assert response.status_code == 201, response.text
    created = response.get_json()
    assert created["state"] == "draft" and created["version"] == 1
    assert created["project"]["title"] == "Dự án nông nghiệp thông minh"
    assert created["requested_amount"] == 30_000_000
    assert created["allowed_actions"] == ["submit", "withdraw"]
    assert response.headers["Location"].endswith(f"/api/v1/applications/{created['id']}")

    moved = client.post(f"/applications/{created['id']}/actions/submit", json={"version": 1})
    assert moved.get_json() == {"state": "submitted", "version": 2}

    history = client.get(f"/applications/{created['id']}/history").get_json()
    assert [e["action"] for e in history["items"]] == ["create", "submit"]
    assert history["items"][1]["prev_hash"] == history["items"][0]["hash"]
    assert history["next"] is None


def test_action_errors_map_to_409_403_404_422(startup_api, create_call, manager_of, api,
                                              create_user):
    client, _, organization = startup_api
    call = create_call()
    app_id = new_application(client, call, organization).get_json()["id"]
    assert_problem(client.post(f"/applications/{app_id}/actions/submit", json={"version": 9}),
                   409)
    manager = api(manager_of(call))  # a draft is the startup's own: staff do not see it yet
    assert_problem(manager.get(f"/applications/{app_id}"), 404)
    assert_problem(manager.post(f"/applications/{app_id}/actions/submit", json={"version": 1}),
                   404)
    stranger = api(create_user("applicant"))
    assert_problem(stranger.get(f"/applications/{app_id}"), 404)
    assert_problem(stranger.post(f"/applications/{app_id}/actions/submit",
                                 json={"version": 1}), 404)
    body = assert_problem(client.post(f"/applications/{app_id}/actions/submit", json={}), 422)
    assert "version" in body["errors"]
    client.post(f"/applications/{app_id}/actions/submit", json={"version": 1})
    body = assert_problem(manager.post(f"/applications/{app_id}/actions/return_for_changes",
                                       json={"version": 2}), 422)
    assert set(body["errors"]) == {"reason", "revision_deadline"}
    assert_problem(client.post(f"/applications/{app_id}/actions/submit", json={"version": 2}),
                   409)
    assert_problem(client.post(f"/applications/{app_id}/actions/declare_ineligible",
                               json={"version": 2, "reason": "mine"}), 403)


def test_guard_failures_list_the_problems(startup_api, create_call):
    client, _, organization = startup_api
    call = create_call()
    app_id = new_application(client, call, organization, answers={},
                             requested_amount=90_000_000,
                             budget={"labour": 60_000_000, "other": 30_000_000}).get_json()["id"]
    body = assert_problem(client.post(f"/applications/{app_id}/actions/submit",
                                      json={"version": 1}), 422)
    assert len(body["problems"]) == 2


@pytest.mark.parametrize("body, field", [
    ({"call_id": "x"}, "call_id"),
    ({"project": {"title": ""}}, "project.title"),
    ({"project": "nope"}, "project"),
    ({"requested_amount": -5}, "requested_amount"),
    ({"requested_amount": 1.5}, "requested_amount"),
    ({"requested_amount": True}, "requested_amount"),
    ({"answers": {"unknown": "x"}}, "answers.unknown"),
    ({"answers": {"problem": 5}}, "answers.problem"),
])
def test_bad_application_input_is_422_with_field_errors(startup_api, create_call, body, field):
    client, _, organization = startup_api
    call = create_call()
    base = {"call_id": call.id,
            "project": {"title": "T", "field": "fintech", "organization_id": organization.id}}
    if "project" in body and isinstance(body["project"], dict):
        body = {"project": base["project"] | body["project"]}
    problem = assert_problem(client.post("/applications", json=base | body), 422)
    assert field in problem["errors"], problem


@pytest.mark.parametrize("raw", ["not json", "[1, 2]", "null", '"text"'])
def test_non_object_bodies_are_422(startup_api, raw):
    client, _, _ = startup_api
    assert_problem(client.post("/applications", data=raw,
                               headers={"Content-Type": "application/json"}), 422)


def test_cannot_apply_to_a_closed_call_or_with_someone_elses_organization(
    startup_api, create_call, create_user, create_organization
):
    client, _, organization = startup_api
    closed = create_call(opens_in=timedelta(days=-10), closes_in=timedelta(days=-1))
    body = assert_problem(new_application(client, closed, organization), 422)
    assert "call_id" in body["errors"]
    other = create_organization(create_user("applicant"))
    body = assert_problem(new_application(client, create_call(), other), 422)
    assert "project.organization_id" in body["errors"]


def test_staff_cannot_create_applications_or_organizations(api, manager_of, create_call):
    call = create_call()
    manager = api(manager_of(call))
    assert_problem(manager.post("/organizations", json={"name": "X", "field": "fintech"}), 403)
    # The body's shape is checked first (422), so the refusal needs a well-formed draft.
    assert_problem(manager.post("/applications", json={"call_id": call.id, "project": {
        "title": "T", "field": "fintech", "organization_id": 1}}), 403)


def test_patch_edits_a_draft_with_the_current_version_only(startup_api, create_call):
    client, _, organization = startup_api
    app_id = new_application(client, create_call(), organization).get_json()["id"]
    changed = client.patch(f"/applications/{app_id}", json={
        "version": 1, "project": {"title": "Tên mới <script>alert(1)</script>"},
        "requested_amount": 25_000_000, "budget": {"labour": 15_000_000, "other": 10_000_000}})
    assert changed.status_code == 200, changed.text
    body = changed.get_json()
    assert body["version"] == 2 and body["requested_amount"] == 25_000_000
    assert body["project"]["title"] == "Tên mới <script>alert(1)</script>"
    assert_problem(client.patch(f"/applications/{app_id}", json={"version": 1,
                                                                  "answers": {"problem": "x"}}),
                   409)
    assert_problem(client.patch(f"/applications/{app_id}", json={"answers": {}}), 422)
    client.post(f"/applications/{app_id}/actions/submit", json={"version": 2})
    assert_problem(client.patch(f"/applications/{app_id}", json={"version": 3,
                                                                  "requested_amount": 1}), 409)
    history = client.get(f"/applications/{app_id}/history").get_json()["items"]
    assert [e["action"] for e in history] == ["create", "edit", "submit"]
    assert history[1]["payload"]["requested_amount"] == 25_000_000


def test_list_is_paginated_with_an_opaque_cursor(app, startup_api, create_call):
    client, _, organization = startup_api
    call = create_call()
    ids = [new_application(client, call, organization, project={
        "title": f"P{i}", "field": "fintech", "organization_id": organization.id}
    ).get_json()["id"] for i in range(5)]
    app.config["API_PAGE_SIZE"] = 2
    try:
        seen, cursor = [], None
        while True:
            page = client.get("/applications", query_string={"cursor": cursor} if cursor else {})
            body = page.get_json()
            seen += [item["id"] for item in body["items"]]
            cursor = body["next"]
            if cursor is None:
                break
        assert seen == sorted(ids, reverse=True)
        assert_problem(client.get("/applications?cursor=garbage"), 422)
        assert_problem(client.get("/applications?call_id=abc"), 422)
        assert client.get(f"/applications?call_id={call.id}&state=submitted"
                          ).get_json()["items"] == []
    finally:
        app.config["API_PAGE_SIZE"] = 50


def test_manager_sees_the_calls_applications_only(api, startup_api, create_call, manager_of):
    client, _, organization = startup_api
    call, other_call = create_call(), create_call()
    app_id = new_application(client, call, organization).get_json()["id"]
    draft_id = new_application(client, call, organization, project={
        "title": "Still a draft", "field": "fintech", "organization_id": organization.id,
    }).get_json()["id"]
    other_id = new_application(client, other_call, organization).get_json()["id"]
    for submitted in (app_id, other_id):
        client.post(f"/applications/{submitted}/actions/submit", json={"version": 1})
    manager = api(manager_of(call))
    items = manager.get("/applications").get_json()["items"]
    assert [item["id"] for item in items] == [app_id]  # not the draft, not the other programme
    assert items[0]["allowed_actions"] == ["return_for_changes", "declare_ineligible",
                                           "start_review"]
    assert_problem(manager.get(f"/applications/{draft_id}"), 404)


def test_calls_create_list_and_refusals(api, create_programme, create_user):
    programme = create_programme()
    manager = api(create_user("manager", programme))
    now = utcnow()
    body = {"programme_id": programme.id, "stage": "incubation", "title": "Ươm tạo 2027",
            "opens_at": now.isoformat(), "closes_at": (now + timedelta(days=30)).isoformat(),
            "budget": 800_000_000, "review_quorum": 3, "disagreement_limit": 25,
            "blind_review": True, "required_documents": [],
            "rubric": {"pass_threshold": 60, "criteria": [
                {"key": "innovation", "name": "Đổi mới", "weight": 1, "max_score": 10}]}}
    response = manager.post("/calls", json=body)
    assert response.status_code == 201, response.text
    call = response.get_json()
    assert call["cap_per_project"] == 80_000_000  # the city's default for incubation
    assert call["workflow"] == {"name": "incubation", "version": 1}
    listed = manager.get("/calls?stage=incubation&open=true").get_json()["items"]
    assert [c["id"] for c in listed] == [call["id"]]
    assert manager.get("/calls?stage=acceleration").get_json()["items"] == []

    startup = api(create_user("applicant"))
    assert_problem(startup.post("/calls", json=body), 403)
    other_manager = api(create_user("manager", create_programme()))
    assert_problem(other_manager.post("/calls", json=body), 403)
    # The schema refuses a malformed body at once; the operation's rules come after it.
    malformed = body | {"stage": "moonshot", "budget": -1, "rubric": {"criteria": []}}
    problem = assert_problem(manager.post("/calls", json=malformed), 422)
    assert {"stage", "budget", "rubric.pass_threshold", "rubric.criteria"} <= set(
        problem["errors"])
    unacceptable = body | {"closes_at": body["opens_at"], "required_documents": ["Pitch deck!"]}
    problem = assert_problem(manager.post("/calls", json=unacceptable), 422)
    assert {"closes_at", "required_documents"} <= set(problem["errors"])


def test_programmes_and_organizations(api, create_user, create_programme, create_organization):
    programme = create_programme("Chương trình 2024–2028")
    user = create_user("applicant")
    client = api(user)
    assert client.get("/programmes").get_json()["items"][0]["title"] == "Chương trình 2024–2028"
    assert client.get(f"/programmes/{programme.id}").get_json()["id"] == programme.id
    assert_problem(client.get("/programmes/999999"), 404)
    created = client.post("/organizations", json={
        "name": "Công ty Cổ phần Sáng Tạo", "registration_number": "0312345678",
        "founded_on": "2022-03-01", "field": "edtech"})
    assert created.status_code == 201, created.text
    org = created.get_json()
    assert client.get(f"/organizations/{org['id']}").get_json() == org
    assert_problem(api(create_user("applicant")).get(f"/organizations/{org['id']}"), 404)
    dup = assert_problem(client.post("/organizations", json={
        "name": "Other", "registration_number": "0312345678", "field": "edtech"}), 422)
    assert "registration_number" in dup["errors"]
    future = assert_problem(client.post("/organizations", json={
        "name": "X", "founded_on": "2999-01-01", "field": "nope"}), 422)
    assert {"founded_on", "field"} <= set(future["errors"])


def test_workflows_are_listed_and_drawn(api, create_user):
    client = api(create_user("applicant"))
    names = {w["name"] for w in client.get("/workflows").get_json()["items"]}
    assert names == {"pre_incubation", "incubation", "acceleration", "tranche"}
    detail = client.get("/workflows/incubation").get_json()
    assert detail["version"] == 1
    assert "stateDiagram-v2" in detail["mermaid"] and "start_pilot" in detail["mermaid"]
    assert_problem(client.get("/workflows/nothing"), 404)
    assert_problem(client.get("/workflows/incubation?version=99"), 404)


def api_routes(app) -> dict[str, set[str]]:
    routes: dict[str, set[str]] = {}
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            path = rule.rule.removeprefix("/api/v1").replace("<int:", "{").replace("<", "{")
            routes.setdefault(path.replace(">", "}"), set()).update(
                m.lower() for m in rule.methods - {"HEAD", "OPTIONS"})
    return routes


def schemas_in(node):
    """Every schema object of the document: any dict under a schema-bearing key."""
    if isinstance(node, dict):
        if "type" in node or "$ref" in node or "anyOf" in node:
            yield node
        for value in node.values():
            yield from schemas_in(value)
    elif isinstance(node, list):
        for value in node:
            yield from schemas_in(value)


def test_openapi_documents_every_route_with_its_shapes(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"] == "3.1.0"
    described = {path: set(ops) for path, ops in document["paths"].items()}
    assert described == api_routes(app)
    components = document["components"]["schemas"]

    def resolve(schema):
        return components[schema["$ref"].rsplit("/", 1)[1]] if "$ref" in schema else schema

    for path, operations in document["paths"].items():
        for method, operation in operations.items():
            where = f"{method.upper()} {path}"
            bodies = [operation["requestBody"]] if "requestBody" in operation else []
            for status, answer in operation["responses"].items():
                assert status.isdigit(), where
                if status < "400" and all(  # a file answer: each type a string of bytes
                        content["schema"] == {"type": "string", "contentMediaType": media_type}
                        for media_type, content in answer["content"].items()):
                    continue
                (media_type,) = answer["content"]
                assert media_type == ("application/json" if status < "400"
                                      else "application/problem+json"), (where, status)
                bodies.append(answer)
            for body in bodies:
                (content,) = body["content"].values()
                assert resolve(content["schema"])["properties"], where
            for parameter in operation.get("parameters", []):
                schema = resolve(parameter["schema"])
                assert "type" in schema, (where, parameter)
                if parameter["name"].endswith("_id"):
                    assert schema["minimum"] == 1 and schema["maximum"] == 2**31 - 1
                if parameter["name"] == "cursor":
                    assert schema["type"] == "string"
    for schema in schemas_in(document):
        assert schema != {"type": "object"}, schema
        if schema.get("type") == "object":
            assert "properties" in schema or "additionalProperties" in schema, schema
    assert components["Call"]["properties"]["opens_at"]["format"] == "date-time"
    assert components["Programme"]["properties"]["starts_on"]["format"] == "date"
    assert "fintech" in components["ProjectField"]["enum"]
    assert components["CallCreate"]["properties"]["budget"]["minimum"] == 0


def test_openapi_names_the_errors_each_route_can_answer(client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    # 403: the token of a user who must enrol a second factor first; 422: a query parameter
    # the route does not take
    assert set(paths["/me"]["get"]["responses"]) == {"200", "401", "403", "422"}
    assert set(paths["/calls"]["post"]["responses"]) == {"201", "401", "403", "409", "413",
                                                         "422"}
    assert set(paths["/applications/{application_id}"]["patch"]["responses"]) == {
        "200", "401", "403", "404", "409", "413", "422"}
    assert paths["/openapi.json"]["get"]["security"] == []


def test_unknown_api_route_is_a_problem_404(client):
    assert_problem(client.get("/api/v1/nothing-here"), 404)
    assert_problem(client.delete("/api/v1/me"), 405)


def test_staff_see_a_startup_only_through_a_submitted_application(
    api, startup_api, create_call, create_user, create_programme, manager_of
):
    client, _, organization = startup_api
    call = create_call()
    app_id = new_application(client, call, organization).get_json()["id"]
    manager, auditor = api(manager_of(call)), api(create_user("auditor"))
    other_manager = api(create_user("manager", create_programme()))
    for staff in (manager, auditor, other_manager):  # a draft is the startup's own
        assert_problem(staff.get(f"/organizations/{organization.id}"), 404)
    client.post(f"/applications/{app_id}/actions/submit", json={"version": 1})
    assert manager.get(f"/organizations/{organization.id}").status_code == 200
    assert auditor.get(f"/organizations/{organization.id}").status_code == 200
    assert_problem(other_manager.get(f"/organizations/{organization.id}"), 404)


def test_api_speaks_the_users_language_or_accept_language(api, create_user):
    from grants.operations import accounts as ops

    user = create_user("applicant")
    client = api(user)
    assert client.get("/programmes/999").get_json()["detail"] == "Không tìm thấy."
    english = client.get("/programmes/999", headers={"Accept-Language": "en-GB,en;q=0.9"})
    assert english.get_json()["detail"] == "Not found."
    ops.set_locale(user, "en")
    assert client.get("/programmes/999").get_json()["detail"] == "Not found."


def test_opening_a_call_records_the_role_that_allowed_it(api, create_user, create_programme):
    from grants.models import AuditEvent

    programme = create_programme()
    admin = api(create_user("admin"))
    now = utcnow()
    response = admin.post("/calls", json={
        "programme_id": programme.id, "stage": "pre_incubation", "title": "Admin's call",
        "opens_at": now.isoformat(), "closes_at": (now + timedelta(days=3)).isoformat(),
        "budget": 100_000_000, "rubric": {"pass_threshold": 50, "criteria": [
            {"key": "x", "name": "X", "weight": 1, "max_score": 10}]}})
    assert response.status_code == 201, response.text
    event = AuditEvent.query.filter_by(entity_type="call").one()
    assert event.actor_role == "admin"


def test_calls_and_programmes_are_paginated(app, api, create_user, create_call):
    calls = [create_call() for _ in range(3)]  # each with its own programme
    client = api(create_user("applicant"))
    app.config["API_PAGE_SIZE"] = 2
    try:
        for path, expected in (("/calls", [c.id for c in calls]),
                               ("/programmes", [c.programme_id for c in calls])):
            first = client.get(path).get_json()
            second = client.get(f"{path}?cursor={first['next']}").get_json()
            assert second["next"] is None
            ids = [item["id"] for item in first["items"] + second["items"]]
            assert ids == sorted(expected, reverse=True)
    finally:
        app.config["API_PAGE_SIZE"] = 50


def test_the_action_body_documents_every_payload_field_the_definitions_declare(client):
    from workflow import default_registry

    body = client.get("/api/v1/openapi.json").get_json()["components"]["schemas"][
        "ActionRequest"]["properties"]
    for definition in default_registry().all():
        if definition.entity != "application":
            continue
        for action in definition.actions:
            for field in action.payload:
                assert field.name in body, (action.name, field.name)
                assert action.name in body[field.name]["description"], (action.name, field.name)


def test_a_query_parameter_a_route_does_not_take_is_refused_by_name(api, create_user):
    client = api(create_user("manager"))
    answer = client.get("/calls?stat=open", headers={"Accept-Language": "en"})
    assert answer.status_code == 422
    assert answer.get_json()["errors"] == {"stat": "Unknown query parameter."}
    assert client.get("/me?x=1").status_code == 422
    assert client.get("/calls?stage=").status_code == 200  # a blank value is an absent one


def test_a_wrong_method_names_the_methods_the_address_takes(client):
    answer = client.delete("/api/v1/calls")
    assert answer.status_code == 405 and set(answer.headers["Allow"].split(", ")) >= {
        "GET", "POST"}
    page = client.put("/login")
    assert page.status_code == 405 and "POST" in page.headers["Allow"]


def test_null_and_other_non_booleans_are_refused_for_a_boolean_filter(api, create_user):
    client = api(create_user("manager"))
    for odd in ("null", "maybe", "2"):
        answer = client.get(f"/calls?open={odd}")
        assert answer.status_code == 422 and set(answer.get_json()["errors"]) == {"open"}, odd
