"""Where templates and migrations are: beside the package in a checkout, inside it in a wheel."""

from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


def _locate(name: str) -> Path:
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise RuntimeError(f"cannot find the {name}/ folder of the grants package")


TEMPLATES = _locate("templates")
MIGRATIONS = _locate("migrations")
TRANSLATIONS = _PACKAGE / "translations"
DATA = _PACKAGE / "data"  # lists the app reads (common passwords)
