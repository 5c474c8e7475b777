"""A non-editable install (a built wheel) carries everything the app reads at run time."""

import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_wheel_carries_templates_migrations_translations_and_definitions(tmp_path):
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(tmp_path),
         str(ROOT)],
        check=True, capture_output=True,
    )
    [wheel] = tmp_path.glob("grants-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    expected = {
        "grants/templates/base.html",
        "grants/templates/applications/detail.html",
        "grants/migrations/env.py",
        "grants/migrations/alembic.ini",
        "grants/migrations/script.py.mako",
        "grants/migrations/versions/0001_foundation.py",
        "grants/migrations/versions/0002_outbox.py",
        "grants/templates/mail/submission_receipt.subject.txt",
        "grants/templates/mail/submission_receipt.txt",
        "grants/templates/mail/submission_receipt.html",
        "grants/translations/vi/LC_MESSAGES/messages.mo",
        "grants/static/style.css",
        "workflow/definitions/pre_incubation.v1.json",
        "workflow/definitions/tranche.v1.json",
    }
    assert expected <= names, sorted(expected - names)
    templates = {n for n in names if n.startswith("grants/templates/")}
    on_disk = {f"grants/templates/{p.relative_to(ROOT / 'templates')}"
               for pattern in ("*.html", "*.txt") for p in (ROOT / "templates").rglob(pattern)}
    assert templates == on_disk
    versions = {n for n in names if n.startswith("grants/migrations/versions/")}
    assert versions == {f"grants/migrations/versions/{p.name}"
                        for p in (ROOT / "migrations" / "versions").glob("*.py")}
