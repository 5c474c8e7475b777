"""What the benchmarks share: a fresh app on an empty database."""

import tempfile

from sqlalchemy import text

from grants import create_app
from grants.extensions import db


def fresh_app(url: str | None, name: str, **config):
    """The app on `url` (or a new SQLite file called `name`), its tables made from the models.
    A PostgreSQL database is wiped first: point benchmarks at one that may be."""
    app = create_app({"TESTING": True, "SECRET_KEY": "bench",
                      "SQLALCHEMY_DATABASE_URI": url or
                      f"sqlite:///{tempfile.mkdtemp()}/{name}.sqlite", **config})
    with app.app_context():
        if db.engine.dialect.name == "postgresql":
            with db.engine.begin() as connection:
                connection.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
        db.create_all()
    return app
