"""Upgrading an empty database to head gives exactly the models; downgrade to base works."""

import os
import uuid

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, inspect, make_url, text

from grants import create_app
from grants.extensions import db


@pytest.fixture
def empty_database_url(tmp_path):
    """A brand-new empty database on the engine under test."""
    base = os.environ.get("GRANTS_TEST_DATABASE_URL")
    if not base:
        yield f"sqlite:///{tmp_path / 'migrations.sqlite'}"
        return
    name = f"grants_migration_{uuid.uuid4().hex[:8]}"
    admin = create_engine(make_url(base).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_upgrade_matches_models_and_downgrade_empties(empty_database_url):
    app = create_app({"TESTING": True, "SECRET_KEY": "x",
                      "SQLALCHEMY_DATABASE_URI": empty_database_url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            differences = compare_metadata(context, db.metadata)
            head = connection.execute(text("SELECT seq, hash FROM audit_head")).all()
        assert differences == [], differences
        assert head == [(0, "0" * 64)]
        one_event = text(
            "INSERT INTO audit_event (seq, occurred_at, entity_type, entity_id, action, payload, "
            "prev_hash, hash) VALUES (1, CURRENT_TIMESTAMP, 'user', 1, 'x', '{}', 'a', 'b')")
        with db.engine.begin() as connection:
            connection.execute(one_event)
        for statement in ("UPDATE audit_event SET reason = 'x'", "DELETE FROM audit_event"):
            with pytest.raises(Exception, match="append-only"), db.engine.begin() as connection:
                connection.execute(text(statement))

        downgrade(revision="base")
        remaining = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        db.engine.dispose()


def test_audit_table_refuses_update_and_delete(app, create_user):
    create_user("manager")  # writes audit events
    for statement in ("UPDATE audit_event SET reason = 'x'", "DELETE FROM audit_event"):
        with pytest.raises(Exception, match="append-only"), db.engine.begin() as connection:
            connection.execute(text(statement))
