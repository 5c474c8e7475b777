"""Bad input never yields a 5xx nor loses what was saved: odd values at every API route and form."""

import itertools
from datetime import UTC, datetime

import pytest
from conftest import fill
from sqlalchemy import select

from grants.extensions import db
from grants.models import Application, AuditEvent
from grants.operations.core import Validator

ODD_VALUES = [
    None, True, -1, 0, 10**30, 1.5, "", " ", "²", "1" * 5000, "a\x00b", "\ud800",
    "<script>x</script>", "' OR 1=1 --", "Đổi mới sáng tạo", "0001-01-01T00:00:00",
    "9999-12-31T23:59:59-05:00",
    [], {}, [1, 2], {"a": {"b": []}},
]
ODD_IDS = ["0", "3000000000", "9" * 30, "%C2%B2", "-1", "abc"]
FIELDS = ["version", "call_id", "project", "answers", "requested_amount", "reason",
          "revision_deadline", "amount", "name", "field", "founded_on", "registration_number",
          "programme_id", "stage", "title", "opens_at", "closes_at", "budget", "rubric",
          "required_documents", "questions", "blind_review", "cap_per_project"]


@pytest.fixture
def world(api, create_user, create_call, create_application, manager_of):
    call = create_call()
    startup = create_user("applicant")
    application = create_application(startup, call)
    return {"startup": api(startup), "manager": api(manager_of(call)), "call": call,
            "application": application}


def routes(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("api."):
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield method, rule.rule.removeprefix("/api/v1")


@pytest.mark.fuzz  # a thousand requests: once, with the other fuzzers (`pytest -m fuzz`)
def test_odd_json_bodies_at_every_route_get_4xx_problems(app, world):
    real = {"application_id": str(world["application"].id), "call_id": str(world["call"].id),
            "programme_id": str(world["call"].programme_id), "organization_id": "1",
            "action": "submit", "name": "pre_incubation"}
    checked = 0
    for (method, path), who in itertools.product(routes(app), ("startup", "manager")):
        client = world[who]
        url = fill(path, real)
        for field, value in itertools.product(FIELDS, ODD_VALUES[::3]):
            response = getattr(client, method.lower())(url, json={field: value})
            assert response.status_code < 500, (method, url, field, value, response.text)
            if response.status_code >= 400:
                assert response.mimetype == "application/problem+json"
            checked += 1
        for body in ODD_VALUES:
            response = getattr(client, method.lower())(url, json=body)
            assert response.status_code < 500, (method, url, body, response.text)
    assert checked > 1000


def test_odd_ids_and_query_values_get_4xx(app, world):
    client = world["startup"]
    for (method, path), odd in itertools.product(routes(app), ODD_IDS):
        url = fill(path, {"application_id": odd, "call_id": odd, "programme_id": odd,
                          "organization_id": odd, "action": odd, "name": odd})
        response = getattr(client, method.lower())(url, json={"version": 1})
        assert response.status_code < 500, (method, url, response.text)
    for query in ("call_id", "cursor", "state", "stage", "open", "version"):
        for odd in ODD_IDS + ["eyJhdCI6IDEwMDAwMDAwMDAwMDAwMDAwMDAwMDAwMDB9"]:
            for path in ("/applications", "/calls", "/workflows/incubation",
                         f"/applications/{world['application'].id}/history"):
                response = client.get(f"{path}?{query}={odd}")
                assert response.status_code < 500, (path, query, odd, response.text)


def test_a_refused_edit_loses_nothing(world):
    client, application = world["startup"], world["application"]
    before = client.get(f"/applications/{application.id}").get_json()
    events = db.session.scalar(select(db.func.count()).select_from(AuditEvent))
    for body in ({"version": 1, "requested_amount": "²"},
                 {"version": 1, "project": {"title": "a\x00b"}},
                 {"version": 1, "answers": {"problem": "\ud800"}},
                 {"version": 1, "project": {"title": "x" * 301}}):
        assert client.patch(f"/applications/{application.id}", json=body).status_code == 422
    assert client.get(f"/applications/{application.id}").get_json() == before
    assert db.session.scalar(select(db.func.count()).select_from(AuditEvent)) == events


def test_script_and_sql_and_vietnamese_round_trip_intact(world):
    client, application = world["startup"], world["application"]
    title = "Nền tảng <script>alert('x')</script> '; DROP TABLE application; --"
    response = client.patch(f"/applications/{application.id}",
                            json={"version": 1, "project": {"title": title}})
    assert response.get_json()["project"]["title"] == title
    db.session.expire_all()
    assert db.session.get(Application, application.id).project.title == title


def test_web_forms_refuse_odd_values_with_4xx(client, login, create_user, create_call,
                                              create_application):
    startup = create_user("applicant")
    application = create_application(startup, create_call())
    login(startup)
    for data in ({"version": "²"}, {"version": "9" * 30}, {}):
        response = client.post(f"/applications/{application.id}/actions/submit", data=data)
        assert 400 <= response.status_code < 500, data
    for amount in ("²", "3.000.000,00", "35000000.50", "1" * 40):
        response = client.post(f"/applications/{application.id}/sections/budget", data={
            "version": "1", "requested_amount": amount, "labour": amount, "other": ""})
        assert response.status_code == 422, amount
        assert f'value="{amount}"' in response.text  # as typed
    for path in (f"/applications/{'9' * 30}", "/manage/calls/3000000000",
                 "/manage/calls/1?before=%C2%B2", f"/calls/{'9' * 30}/apply"):
        assert client.get(path).status_code in (403, 404), path


def test_grouped_money_is_read_as_typed(client, login, create_user, create_call,
                                        create_application):
    startup = create_user("applicant")
    application = create_application(startup, create_call())
    login(startup)
    for typed, stored in (("35.000.000", 35_000_000), ("36,000,000", 36_000_000),
                          ("37 000 000", 37_000_000), ("38000000", 38_000_000)):
        version = db.session.get(Application, application.id).version
        response = client.post(f"/applications/{application.id}/sections/budget", data={
            "version": str(version), "requested_amount": typed, "labour": typed, "other": "0"})
        assert response.status_code == 302, (typed, response.text)
        db.session.expire_all()
        assert db.session.get(Application, application.id).requested_amount == stored


def test_login_with_odd_input_is_refused_not_crashed(client, create_user):
    user = create_user("applicant")
    for data in ({"email": user.email}, {"email": "a\x00b", "password": "x"},
                 {"email": user.email, "password": "a\x00"}, {"email": "é" * 300}, {}):
        assert client.post("/login", data=data).status_code == 401, data


def test_passwords_are_kept_exactly_as_typed(client, register):
    password = "  pass word 12  "
    register("sp@example.org", password=password)
    client.post("/logout")
    assert client.post("/login", data={"email": "sp@example.org",
                                       "password": password}).status_code == 302
    client.post("/logout")
    assert client.post("/login", data={"email": "sp@example.org",
                                       "password": password.strip()}).status_code == 401


def web_post_routes(app):
    for rule in app.url_map.iter_rules():
        if "POST" in rule.methods and not rule.endpoint.startswith("api."):
            yield rule.rule


@pytest.mark.parametrize("path", ["/login", "/register", "/logout", "/language/en"])
def test_an_oversized_body_without_login_or_token_gets_the_413_page(app, client, monkeypatch,
                                                                     path):
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
    response = client.post(path, data={"name": "x" * 5000})
    assert response.status_code == 413
    assert response.mimetype == "text/html"
    assert "<h1>413</h1>" in response.text


def test_an_oversized_body_at_any_web_post_route_gets_413_signed_in_or_not(
        app, client, login, monkeypatch, create_user, create_call, create_application):
    startup = create_user("applicant")
    application = create_application(startup, create_call())
    ids = {"application_id": str(application.id), "call_id": str(application.call_id),
           "token_id": "1", "action": "submit", "code": "en",
           "programme_id": str(application.call.programme_id),
           "organization_id": str(application.project.organization_id), "user_id": "1",
           "invitation_id": "1", "grant_id": "1", "token": "x" * 43,
           "assignment_id": "1", "tranche_id": "1", "activity_id": "1", "registration_id": "1",
           "mentorship_id": "1", "project_id": "1"}
    # /logout last: without the CSRF check it signs out before anything reads the body
    paths = sorted((fill(path, ids) for path in web_post_routes(app)), key="/logout".__eq__)
    assert len(paths) >= 10
    for signed_in, csrf in ((False, True), (True, True), (True, False)):
        if signed_in:
            login(startup)
        monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", csrf)
        monkeypatch.setitem(app.config, "MAX_CONTENT_LENGTH", 1000)
        monkeypatch.setitem(app.config, "DOCUMENT_MAX_BYTES", 1000)  # uploads have their own
        for path in paths:  # (a document's body may hold the file and 64 KB of form besides)
            response = client.post(path, data={"title": "x" * 100_000})
            # without the CSRF check, a route that never reads the body answers as usual
            # (the users pages refuse a startup, an empty invitation is refused)
            expected = (413,) if csrf else (302, 403, 404, 413, 422)
            assert response.status_code in expected, (signed_in, csrf, path, response.text)
        monkeypatch.undo()


AMOUNT_RANGE = "Must be a whole number from 0 to 1,000,000,000,000,000."


@pytest.mark.parametrize("amount", ["1" * 21, "111.111.111.111.111.111.111", "²", "-5"])
def test_a_bad_amount_on_the_application_page_names_the_allowed_range(
        client, login, create_user, create_call, create_organization, amount):
    startup = create_user("applicant")
    organization = create_organization(startup)
    call = create_call()
    login(startup)
    client.post("/language/en")
    response = client.post(f"/calls/{call.id}/apply", data={
        "title": "T", "field": "fintech", "organization_id": str(organization.id),
        "requested_amount": amount})
    assert response.status_code == 422
    page = response.text
    assert page.index('id="requested_amount"') < page.index(AMOUNT_RANGE)
    assert "must be an integer" not in page.lower()
    assert db.session.scalar(select(db.func.count()).select_from(Application)) == 0


@pytest.mark.parametrize("amount", [10**21, "1" * 21, 10**15 + 1, -5, 1.5, "²"])
def test_a_bad_amount_in_the_api_names_the_same_range(api, create_user, create_call,
                                                      create_organization, amount):
    startup = create_user("applicant")
    organization = create_organization(startup)
    response = api(startup).post("/applications", headers={"Accept-Language": "en"}, json={
        "call_id": create_call().id, "requested_amount": amount,
        "project": {"title": "T", "field": "fintech", "organization_id": organization.id}})
    assert response.status_code == 422
    assert response.get_json()["errors"]["requested_amount"] == AMOUNT_RANGE


def test_the_range_is_written_the_vietnamese_way_in_vietnamese(api, create_user, create_call,
                                                               create_organization):
    startup = create_user("applicant")
    organization = create_organization(startup)
    response = api(startup).post("/applications", headers={"Accept-Language": "vi"}, json={
        "call_id": create_call().id, "requested_amount": "1" * 21,
        "project": {"title": "T", "field": "fintech", "organization_id": organization.id}})
    assert "1.000.000.000.000.000" in response.get_json()["errors"]["requested_amount"]


@pytest.mark.parametrize(("typed", "stored"), [
    ("2200-12-31T23:59:59+00:00", datetime(2200, 12, 31, 23, 59, 59, tzinfo=UTC)),
    ("2200-12-31T23:59:59", datetime(2200, 12, 31, 16, 59, 59, tzinfo=UTC)),  # Ho Chi Minh City
    ("1900-01-01T00:00:00-05:00", datetime(1900, 1, 1, 5, tzinfo=UTC)),
])
def test_a_moment_whose_utc_year_is_in_range_is_stored_in_utc(typed, stored):
    assert Validator({"at": typed}).moment("at") == stored


@pytest.mark.parametrize("typed", ["2200-12-31T23:59:59-12:00", "2200-12-31T20:00:00-05:00",
                                   "1900-01-01T00:30:00+01:00", "1900-01-01T03:00:00"])
def test_a_moment_whose_utc_year_is_out_of_range_is_refused(english, typed):
    v = Validator({"at": typed})
    assert v.moment("at") is None
    assert v.errors == {"at": "Not a valid date and time (ISO 8601)."}


def test_a_call_closing_in_2201_utc_is_refused_by_the_api(api, create_programme, create_user):
    programme = create_programme()
    response = api(create_user("manager", programme)).post("/calls", json={
        "programme_id": programme.id, "stage": "incubation", "title": "Far away",
        "opens_at": "2030-01-01T00:00:00+07:00", "closes_at": "2200-12-31T23:59:59-12:00",
        "budget": 900_000_000, "rubric": {"pass_threshold": 60, "criteria": [
            {"key": "k", "name": "K", "weight": 1, "max_score": 10}]}})
    assert response.status_code == 422
    assert list(response.get_json()["errors"]) == ["closes_at"]


def test_odd_headers_and_cookies_get_no_server_error(app, client, create_user, login):
    user = create_user("manager")
    odd_headers = [
        {"Authorization": "Bearer"}, {"Authorization": "Bearer \u00e9\u00e9"},
        {"Authorization": "Basic " + "A" * 5000}, {"Authorization": "Bearer gr_" + "x" * 500},
        {"Accept-Language": "xx-YY;q=abc, *;q=-1"}, {"Accept-Language": "," * 300},
        {"X-Request-ID": "\u202e" * 10}, {"X-Forwarded-For": "not an address"},
        {"Content-Type": "application/json; charset=latin-9"},
        {"Content-Type": "multipart/form-data"}, {"If-None-Match": "*" * 1000},
    ]
    for headers in odd_headers:
        for method, path in (("GET", "/"), ("GET", "/api/v1/me"), ("POST", "/login"),
                             ("POST", "/api/v1/calls"), ("GET", "/calls")):
            answer = client.open(path, method=method, headers=headers, data="{]")
            assert answer.status_code < 500, (method, path, headers, answer.status_code)
    for cookie in ("garbage", "eyJ.abc.def", "." * 4000, "\u00e9"):
        client.set_cookie("session", cookie)
        assert client.get("/profile").status_code == 302  # to the login page
        assert client.get("/").status_code == 200
    client.delete_cookie("session")
    login(user)
    signed = client.get_cookie("session").value
    client.set_cookie("session", signed[:-3] + "abc")  # a forged signature: not signed in
    assert client.get("/profile").status_code == 302
