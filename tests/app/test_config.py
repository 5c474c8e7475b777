"""Configuration: the secret key is required outside demo and test mode."""

from pathlib import Path

import pytest

from grants import create_app


def test_server_refuses_to_start_without_a_secret_key(monkeypatch, tmp_path):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("GRANTS_SECRET_KEY", raising=False)
    monkeypatch.delenv("GRANTS_DEMO_MODE", raising=False)
    url = f"sqlite:///{tmp_path / 'x.sqlite'}"
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": url})
    demo = create_app({"SQLALCHEMY_DATABASE_URI": url, "DEMO_MODE": True})
    assert len(demo.config["SECRET_KEY"]) == 64
    again = create_app({"SQLALCHEMY_DATABASE_URI": url, "DEMO_MODE": True})
    assert again.config["SECRET_KEY"] == demo.config["SECRET_KEY"]  # kept across restarts


def test_database_url_comes_from_the_environment(monkeypatch, tmp_path):
    url = f"sqlite:///{tmp_path / 'env.sqlite'}"
    monkeypatch.setenv("GRANTS_DATABASE_URL", url)
    app = create_app({"TESTING": True, "SECRET_KEY": "x"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == url


@pytest.mark.parametrize("blank", ["", "  "])
def test_an_empty_database_url_means_the_default_sqlite_database(monkeypatch, tmp_path, blank):
    monkeypatch.setenv("GRANTS_DATABASE_URL", blank)
    app = create_app({"TESTING": True, "SECRET_KEY": "x"})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == \
        "sqlite:///" + str(Path(app.instance_path) / "grants.sqlite")


def test_responses_carry_security_headers_and_a_request_id(client):
    response = client.get("/", headers={"X-Request-ID": "abc-123"})
    assert response.headers["X-Request-ID"] == "abc-123"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    forged = client.get("/", headers={"X-Request-ID": "<script>"})
    assert forged.headers["X-Request-ID"] != "<script>"
