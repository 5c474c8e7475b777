"""Fixtures for the app tests: one database per run (SQLite, or PostgreSQL when
GRANTS_TEST_DATABASE_URL is set), emptied after every test, and `create_*` factories.
Every answer of /api/v1 that a test receives is checked against the OpenAPI document."""

import itertools
import json
import os
from datetime import date, datetime, timedelta

import pytest
from flask import g
from flask.testing import FlaskClient
from flask_babel import force_locale
from jsonschema import Draft202012Validator, FormatChecker
from referencing import Registry
from referencing.jsonschema import DRAFT202012
from sqlalchemy import text
from werkzeug.exceptions import HTTPException

from grants import create_app
from grants.api.openapi import document_bytes
from grants.extensions import db
from grants.models import SYSTEM, Programme, Role, utcnow
from grants.models.audit import SQLITE_GUARD_TRIGGERS
from grants.operations import accounts, applications, calls, organizations

PASSWORD = "correct horse battery"
_numbers = itertools.count(1)

CRITERIA = [
    {"key": "innovation", "name": "Innovation", "weight": 50, "max_score": 10},
    {"key": "market", "name": "Market", "weight": 50, "max_score": 10},
]
QUESTIONS = [
    {"key": "problem", "label": "Problem", "required": True},
    {"key": "plan", "label": "Plan", "required": False},
]

MILESTONE = {"milestone": "Prototype", "month": 3, "deliverable": "Sensors in 3 farms"}


DOCUMENT = "urn:grants:openapi"
FORMATS = FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def _rfc3339(value) -> bool:
    """A date-time in an answer has a time and an offset (jsonschema checks none by itself)."""
    return not isinstance(value, str) or (
        "T" in value and datetime.fromisoformat(value).tzinfo is not None)


@FORMATS.checks("date", raises=ValueError)
def _day(value) -> bool:
    return not isinstance(value, str) or (len(value) == 10 and bool(date.fromisoformat(value)))


def _escape(segment: str) -> str:
    return segment.replace("~", "~0").replace("/", "~1")


class Contract:
    """The generated OpenAPI document as a test oracle: an answer must be one its operation
    documents (status, media type) and match that response's schema."""

    def __init__(self, app):
        self.app = app
        self.document = json.loads(document_bytes(app))
        self.registry = Registry().with_resource(
            DOCUMENT, DRAFT202012.create_resource(self.document))
        self.operations = {
            (operation["operationId"], method): path
            for path, methods in self.document["paths"].items()
            for method, operation in methods.items()
        }
        self.validators: dict[str, Draft202012Validator] = {}

    def validator(self, pointer: str) -> Draft202012Validator:
        """A validator of the schema at `pointer` in the document; its $refs resolve there."""
        if pointer not in self.validators:
            self.validators[pointer] = Draft202012Validator(
                {"$ref": f"{DOCUMENT}#{pointer}"}, registry=self.registry,
                format_checker=FORMATS)
        return self.validators[pointer]

    def check(self, response) -> None:
        method, path = response.request.method, response.request.path
        try:
            endpoint, _args = self.app.url_map.bind("localhost").match(path, method)
        except HTTPException:  # no such route or method: a plain problem
            assert response.mimetype == "application/problem+json", (method, path)
            self._validate(response, "/components/schemas/Problem")
            return
        template = self.operations[(endpoint.removeprefix("api."), method.lower())]
        where = f"{method} {path} ({method} {template}) answered {response.status_code}"
        answers = self.document["paths"][template][method.lower()]["responses"]
        status = str(response.status_code)
        assert status in answers, f"{where}, which the document does not list: {response.text}"
        media_types = answers[status]["content"]
        assert response.mimetype in media_types, where
        media_type = response.mimetype
        if not media_type.endswith("json"):  # a file: its type is one the document lists
            return
        self._validate(response, "/".join(("", "paths", _escape(template), method.lower(),
                                           "responses", status, "content",
                                           _escape(media_type), "schema")), where)

    def _validate(self, response, pointer: str, where: str = "") -> None:
        errors = [f"{'.'.join(map(str, e.absolute_path))}: {e.message}"
                  for e in self.validator(pointer).iter_errors(json.loads(response.data))]
        assert not errors, f"{where}: the answer does not match the document: {errors}"


def contract_of(app) -> Contract:
    if "tests.contract" not in app.extensions:
        app.extensions["tests.contract"] = Contract(app)
    return app.extensions["tests.contract"]


class FreshClient(FlaskClient):
    """The tests keep one app context open, which requests share; each request starts with an
    empty `g`, as it would in production (no cached user, locale or request id). Every answer
    of the API is checked against the OpenAPI document."""

    def open(self, *args, **kwargs):
        g.__dict__.clear()
        response = super().open(*args, **kwargs)
        if response.request.path.startswith("/api/v1/"):
            contract_of(self.application).check(response)
        return response


def database_url(tmp_path_factory) -> str:
    return os.environ.get("GRANTS_TEST_DATABASE_URL") or (
        "sqlite:///" + str(tmp_path_factory.mktemp("db") / "test.sqlite")
    )


@pytest.fixture(scope="session")
def app(tmp_path_factory):
    app = create_app({
        "TESTING": True,
        "SECRET_KEY": "test",
        "SQLALCHEMY_DATABASE_URI": database_url(tmp_path_factory),
        "WTF_CSRF_ENABLED": False,
        # the second factor's requirement is on in production; its own tests turn it on
        # (tests/app/test_second_factor.py), the rest log staff in with a password alone
        "SECOND_FACTOR_REQUIRED": False,
        "DOCUMENT_STORAGE": str(tmp_path_factory.mktemp("documents")),
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_size": 25, "max_overflow": 5}
        if os.environ.get("GRANTS_TEST_DATABASE_URL") else {},
    })
    app.test_client_class = FreshClient
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.create_all()
    yield app
    with app.app_context():
        db.engine.dispose()


def empty_database() -> None:
    tables = [t.name for t in reversed(db.metadata.sorted_tables)]
    with db.engine.begin() as connection:
        if db.engine.dialect.name == "postgresql":
            quoted = ", ".join(f'"{t}"' for t in tables)
            connection.execute(text(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE"))
        else:  # the audit table refuses DELETE: lift its triggers while emptying it
            connection.execute(text("DROP TRIGGER audit_event_no_delete"))
            for table in tables:
                connection.execute(text(f'DELETE FROM "{table}"'))
            connection.execute(text(SQLITE_GUARD_TRIGGERS[1]))
        connection.execute(text(
            "INSERT INTO audit_head (id, seq, hash) VALUES (1, 0, '" + "0" * 64 + "')"))


def fill(path: str, ids: dict[str, str]) -> str:
    """A URL rule (`/calls/<int:call_id>`) with its variables replaced by the given ids."""
    for name, value in ids.items():
        path = path.replace(f"<int:{name}>", value).replace(f"<{name}>", value)
    return path


def tamper(*statements: str) -> None:
    """Change the audit table behind the application's back, as an attacker with database
    access: its guard triggers are lifted for the statements and put back."""
    db.session.rollback()  # end the test's snapshot, so that verify() reads the tampered table
    with db.engine.begin() as connection:
        if db.engine.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_event DISABLE TRIGGER USER"))
        else:
            connection.execute(text("DROP TRIGGER audit_event_no_update"))
            connection.execute(text("DROP TRIGGER audit_event_no_delete"))
        for statement in statements:
            connection.execute(text(statement))
        if db.engine.dialect.name == "postgresql":
            connection.execute(text("ALTER TABLE audit_event ENABLE TRIGGER USER"))
        else:
            for trigger in SQLITE_GUARD_TRIGGERS:
                connection.execute(text(trigger))


@pytest.fixture(autouse=True)
def _context(app):
    with app.app_context():
        yield
        db.session.remove()
        empty_database()


@pytest.fixture
def english():
    """Messages of operations called outside a request, in English."""
    with force_locale("en"):
        yield


@pytest.fixture
def contract(app) -> Contract:
    return contract_of(app)


@pytest.fixture
def client(app):
    return app.test_client()


# --- factories -------------------------------------------------------------------------


@pytest.fixture
def create_user():
    def create(role: str = "applicant", programme: Programme | None = None, **kw):
        n = next(_numbers)
        return accounts.create_user(
            kw.get("email", f"{role}{n}@example.org"), kw.get("name", f"{role.title()} {n}"),
            kw.get("password", PASSWORD), role, programme.id if programme else None,
        )

    return create


@pytest.fixture
def create_programme():
    def create(title: str | None = None) -> Programme:
        programme = Programme(title=title or f"Programme {next(_numbers)}",
                              starts_on=date(2024, 1, 1), ends_on=date(2028, 12, 31))
        db.session.add(programme)
        db.session.commit()
        return programme

    return create


@pytest.fixture
def create_call(create_programme):
    def create(programme: Programme | None = None, stage: str = "pre_incubation",
               opens_in: timedelta = timedelta(days=-1), closes_in: timedelta = timedelta(days=30),
               **overrides):
        programme = programme or create_programme()
        now = utcnow()
        data = {
            "programme_id": programme.id, "stage": stage, "title": f"Call {next(_numbers)}",
            "opens_at": (now + opens_in).isoformat(), "closes_at": (now + closes_in).isoformat(),
            "budget": 1_000_000_000, "cap_per_project": 40_000_000, "review_quorum": 2,
            "questions": QUESTIONS, "rubric": {"pass_threshold": 60, "criteria": CRITERIA},
        } | overrides
        return calls.create_call(SYSTEM, data)

    return create


@pytest.fixture
def create_organization():
    def create(user, **kw):
        n = next(_numbers)
        return organizations.create_organization(user, {
            "name": kw.get("name", f"Startup {n}"), "field": kw.get("field", "fintech"),
            "registration_number": kw.get("registration_number", f"03{n:08d}"),
            "founded_on": kw.get("founded_on", "2023-05-01"),
        })

    return create


@pytest.fixture
def create_application(create_organization):
    def create(user, call, organization=None, complete: bool = True, **kw):
        organization = organization or create_organization(user)
        return applications.create_application(user, {
            "call_id": call.id,
            "project": {"title": kw.get("title", "Smart irrigation"),
                        "summary": "Sensors for Mekong farms" if complete else "",
                        "field": "hitech_agriculture", "organization_id": organization.id},
            "answers": {"problem": "Water waste"} if complete else {},
            "requested_amount": (amount := kw.get("requested_amount", 30_000_000)),
        } | ({"team": "Two engineers and an agronomist",
              "budget": {"labour": amount // 2, "other": amount - amount // 2},
              "milestones": [MILESTONE]} if complete else {}))

    return create


@pytest.fixture
def login(client):
    def log_in(user, password: str = PASSWORD):
        response = client.post("/login", data={"email": user.email, "password": password})
        assert response.status_code == 302, response.text
        return client

    return log_in


def mailed_link(email: str, message: str = "registration_link") -> str:
    """The link of the latest mail of this kind to this address (from the outbox)."""
    from sqlalchemy import select

    from grants.models import Notification

    row = db.session.scalars(select(Notification).where(
        Notification.recipient_email == email, Notification.message == message)
        .order_by(Notification.id.desc())).first()
    assert row is not None, (email, message)
    return row.context["url"]


@pytest.fixture
def register(client):
    """register(email, name, password, next) -> the answer to choosing the password from the
    mailed link (a 302 into the account when all went well)."""
    def sign_up(email: str, name: str = "An", password: str = PASSWORD,
                next: str | None = None):
        asked = client.post("/register" + (f"?next={next}" if next else ""),
                            data={"name": name, "email": email})
        assert asked.status_code == 200, asked.text
        return client.post(mailed_link(email.lower()), data={"password": password})

    return sign_up


@pytest.fixture
def api(app):
    """api(user) -> a client whose requests carry the user's bearer token."""

    class ApiClient:
        def __init__(self, token: str):
            self.client = app.test_client()
            self.headers = {"Authorization": f"Bearer {token}"}

        def __getattr__(self, method):
            def call(path, **kw):
                headers = self.headers | kw.pop("headers", {})
                return getattr(self.client, method)("/api/v1" + path, headers=headers, **kw)

            return call

    def make(user):
        return ApiClient(accounts.create_token(user, "test"))

    return make


@pytest.fixture
def manager_of(create_user):
    def make(call):
        return create_user(Role.MANAGER.value, call.programme)

    return make


@pytest.fixture
def submitted_application(create_user, create_application):
    """submitted_application(call, **kw) -> a submitted application of a new startup."""
    def create(call, user=None, **kw):
        user = user or create_user("applicant")
        application = create_application(user, call, **kw)
        return applications.act(user, application.id, "submit", {"version": 1})

    return create


@pytest.fixture
def reviewers_of(create_user):
    """reviewers_of(call, n) -> n reviewers of the call's programme."""
    def make(call, n: int = 1):
        return [create_user(Role.REVIEWER.value, call.programme) for _ in range(n)]

    return make
