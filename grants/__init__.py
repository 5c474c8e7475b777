"""The grant workflow engine's Flask app. `create_app` is the factory."""

import os
import re
import secrets
from collections.abc import Iterable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click
from flask import Flask, g, has_request_context, request, session
from flask_login import current_user
from werkzeug.exceptions import HTTPException
from werkzeug.middleware.proxy_fix import ProxyFix

from grants import config as configuration
from grants.extensions import babel, configure_sqlite, csrf, db, login_manager, migrate
from grants.paths import MIGRATIONS, TEMPLATES, TRANSLATIONS
from workflow import Registry, default_registry

if TYPE_CHECKING:
    from grants.operations.workflow import EntityKind

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
# Scripts and styles from this origin only (grants/static): no inline script, style attribute
# or event handler runs, so injected markup cannot act; charts are inline SVG, whose
# presentation attributes are not styles. Forms post here only; no page may frame ours.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


def create_app(config: dict[str, Any] | None = None, *, workflows: Registry | None = None,
               entity_kinds: "Iterable[EntityKind] | None" = None) -> Flask:
    """The app. `workflows` (the definitions) and `entity_kinds` (their adapters) default to
    the shipped ones; tests may supply others. They are checked against each other here."""
    app = Flask(__name__, template_folder=str(TEMPLATES), instance_relative_config=True)
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.from_mapping(configuration.from_environment(app.instance_path))
    app.config.from_mapping(config or {})
    app.config["BABEL_TRANSLATION_DIRECTORIES"] = str(TRANSLATIONS)
    from grants.audit import canonical_json

    # JSON columns are stored in the audit chain's canonical form (compact, keys sorted), so
    # verifying the chain need not decode payloads (docs/audit.md)
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {
        **app.config.get("SQLALCHEMY_ENGINE_OPTIONS", {}), "json_serializer": canonical_json}
    _secret_key(app)
    if app.config.get("PROXY_HOPS"):
        hops = app.config["PROXY_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops)

    db.init_app(app)
    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            configure_sqlite(db.engine)
    migrate.init_app(app, db, directory=str(MIGRATIONS), compare_type=True, render_as_batch=True)
    login_manager.init_app(app)
    csrf.init_app(app)
    babel.init_app(app, locale_selector=select_locale)

    from grants import cli, models  # noqa: F401  (models register their tables)
    from grants.api import api
    from grants.operations import (  # noqa: F401  (each registers its workflow hooks)
        applications,
        documents,
        funding,
        pilots,
        projects,
        reviews,
        workflow,
    )
    from grants.web import register_web

    # one adapter per entity the definitions name; documents have none, but their adapter
    # gives them the access rule and a place in the application's history
    shipped_kinds = (applications.KIND, documents.KIND, funding.KIND)
    workflow.install(app, workflows or default_registry(),
                     shipped_kinds if entity_kinds is None else entity_kinds)

    register_web(app)
    app.register_blueprint(api)
    csrf.exempt(api)
    _http_errors(app)
    cli.register(app)

    @app.before_request
    def _request_id() -> None:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if _REQUEST_ID.match(given) else secrets.token_hex(8)

    @app.after_request
    def _headers(response):
        response.headers.setdefault("X-Request-ID", g.get("request_id", ""))
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
        if app.config.get("SESSION_COOKIE_SECURE"):  # served over HTTPS: stay on it
            response.headers.setdefault("Strict-Transport-Security",
                                        "max-age=31536000; includeSubDomains")
        if request.endpoint != "static" and (
                g.get("api_user") is not None or current_user.is_authenticated):
            # what a signed-in person reads is theirs: no cache, shared or private, keeps it
            response.headers["Cache-Control"] = "no-store"
        return response

    return app


def _http_errors(app: Flask) -> None:
    """HTTP errors raised outside any route (an unknown URL, a wrong method, a body too large)
    answer in the language of the area the URL belongs to: problem+json under the API's
    prefix, an HTML page elsewhere. Only the factory knows both areas."""
    from grants.api import api, http_problem
    from grants.web import error_page

    def handler(error: HTTPException):
        in_api = request.path == api.url_prefix or request.path.startswith(api.url_prefix + "/")
        return http_problem(error) if in_api else error_page(error)

    for status in (400, 403, 404, 405, 413):
        app.register_error_handler(status, handler)


def _secret_key(app: Flask) -> None:
    """SECRET_KEY is required, except in demo and test mode and for command-line work,
    where a key kept in the instance folder is used."""
    if app.config.get("SECRET_KEY"):
        return
    if app.config.get("DEMO_MODE") or app.testing or click.get_current_context(silent=True):
        key_file = Path(app.instance_path) / "secret_key"
        if not key_file.exists():
            key_file.write_text(secrets.token_hex(32))
            key_file.chmod(0o600)
        app.config["SECRET_KEY"] = key_file.read_text().strip()
        return
    raise RuntimeError("SECRET_KEY is not set: export SECRET_KEY (a long random string).")


def select_locale() -> str:
    """The language the user chose (their account, then this browser's session); for the API
    the token's user, then Accept-Language; else Vietnamese."""
    if not has_request_context():
        return "vi"
    user = g.get("api_user") or current_user
    if user and user.is_authenticated and user.locale:
        return user.locale
    if request.blueprint == "api":
        return request.accept_languages.best_match(configuration.LANGUAGES) or "vi"
    chosen = session.get("locale")
    return chosen if chosen in configuration.LANGUAGES else "vi"
