"""Every page and API answer carries the security headers: a Content-Security-Policy that runs
no inline script or style, the frame, type and referrer headers, HSTS once cookies are secure,
and `Cache-Control: no-store` on what a signed-in reader gets. Routes come from the URL map, so
a new one cannot escape; and no template writes an inline script, handler or style."""

import re
from pathlib import Path

import pytest

from grants import CONTENT_SECURITY_POLICY

TEMPLATES = Path(__file__).parents[2] / "templates"
INLINE = re.compile(r"<script(?![^>]*\bsrc=)|\son[a-z]+=|\sstyle=", re.IGNORECASE)


def get_routes(app, ids: dict[str, str]):
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        path = rule.rule
        for name, value in ids.items():
            path = path.replace(f"<int:{name}>", value).replace(f"<{name}>", value)
        if "<" not in path:
            yield path


@pytest.fixture
def world(create_call, submitted_application, manager_of):
    call = create_call()
    application = submitted_application(call)
    return call, application, manager_of(call)


def test_every_get_route_sends_the_headers_and_no_store_once_signed_in(
        world, app, client, login, api):
    call, application, manager = world
    ids = {"application_id": str(application.id), "call_id": str(call.id),
           "programme_id": str(call.programme_id), "project_id": str(application.project_id),
           "organization_id": str(application.project.organization_id)}
    paths = list(get_routes(app, ids))
    assert len(paths) >= 40
    def read(path):
        """The answer, read to its end and closed (a download streams)."""
        answer = client.get(path)
        answer.get_data()
        answer.close()
        return answer

    anonymous = {path: read(path) for path in paths}
    login(manager)
    signed_in = {path: read(path) for path in paths}
    token = api(manager)
    for path in paths:
        for who, answer in (("anonymous", anonymous[path]), ("manager", signed_in[path])):
            headers = answer.headers
            assert headers["Content-Security-Policy"] == CONTENT_SECURITY_POLICY, (who, path)
            assert headers["X-Frame-Options"] == "DENY", (who, path)
            assert headers["X-Content-Type-Options"] == "nosniff", (who, path)
            assert headers["Referrer-Policy"] == "same-origin", (who, path)
            assert "Strict-Transport-Security" not in headers  # cookies not secure here
        assert signed_in[path].headers["Cache-Control"] == "no-store", path
        if signed_in[path].mimetype == "text/html":
            assert not INLINE.search(signed_in[path].get_data(as_text=True)), path
    assert token.get("/me").headers["Cache-Control"] == "no-store"
    style = client.get("/static/style.css")
    style.close()  # a file answer: close it, as a server does
    assert "no-store" not in style.headers.get("Cache-Control", "")


def test_hsts_once_cookies_are_secure(app, client, monkeypatch):
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    assert client.get("/").headers["Strict-Transport-Security"].startswith("max-age=31536000")


def test_no_template_writes_an_inline_script_handler_or_style():
    pages = [p for p in TEMPLATES.rglob("*.html") if "mail" not in p.parts]
    assert len(pages) > 40
    found = [f"{p.relative_to(TEMPLATES)}: {m.group(0)}" for p in pages
             for m in INLINE.finditer(p.read_text())]
    assert found == []
