"""Translations: the catalogs cover every marked string, are compiled, keep their placeholders,
and the pages follow the visitor's language (Vietnamese by default)."""

import re
from collections import Counter
from functools import cache
from pathlib import Path

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import read_mo
from babel.messages.pofile import read_po

from grants.config import LANGUAGES
from grants.extensions import babel, db
from grants.operations import accounts
from grants.paths import TRANSLATIONS

ROOT = Path(__file__).resolve().parents[2]
# The same keywords as the extract command in grants/translations/README.md.
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None}
PASSWORD = "a long enough password"
# A printf-style conversion, named or not, and "%%": what `string % values` consumes.
CONVERSION = re.compile(r"%(?:\(\w+\))?[-#0 +]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa%]")


@cache
def extracted() -> frozenset[str]:
    """The msgids marked in the code and templates now, found as `pybabel extract` finds them."""
    with open(ROOT / "babel.cfg", encoding="utf-8") as config:
        method_map, options_map = parse_mapping_cfg(config, "babel.cfg")
    found = set()
    for _filename, _lineno, message, _comments, _context in extract_from_dir(
        ROOT, method_map, options_map, keywords=KEYWORDS
    ):
        found.update(message if isinstance(message, tuple) else (message,))
    return frozenset(m for m in found if m)


def po(language: str) -> Catalog:
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.po", "rb") as file:
        return read_po(file)


def mo(language: str) -> Catalog:
    with open(TRANSLATIONS / language / "LC_MESSAGES" / "messages.mo", "rb") as file:
        return read_mo(file)


def entries(catalog: Catalog) -> dict[str, str]:
    """msgid -> msgstr of the translated, not fuzzy entries (the ones a .mo carries)."""
    return {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}


def vi(msgid: str) -> str:
    return po("vi")[msgid].string


def listing(messages) -> str:
    return "\n  " + "\n  ".join(repr(m) for m in sorted(messages))


# --- the catalogs ------------------------------------------------------------------------


def test_extraction_finds_the_marked_strings():
    found = extracted()
    # One of each kind of marking: _() in Python, _l() in Python, _() in a template.
    assert {"Wrong email or password.", "Pre-incubation", "Open calls"} <= found


def test_template_is_up_to_date():
    with open(TRANSLATIONS / "messages.pot", "rb") as file:
        template = {m.id for m in read_po(file) if m.id}
    found = extracted()
    assert template == found, (
        "grants/translations/messages.pot is stale; run the extract command in "
        "grants/translations/README.md.\nMissing from it:" + listing(found - template)
        + "\nNo longer in the code:" + listing(template - found)
    )


def test_every_string_has_a_vietnamese_translation():
    catalog = po("vi")
    ids = {m.id for m in catalog if m.id}
    missing = extracted() - ids
    assert not missing, ("Not in vi/LC_MESSAGES/messages.po (run pybabel update, then "
                         "translate):" + listing(missing))
    untranslated = {m.id for m in catalog if m.id and not m.string}
    assert not untranslated, "Vietnamese translation is empty:" + listing(untranslated)
    fuzzy = {m.id for m in catalog if m.id and m.fuzzy}
    assert not fuzzy, "Vietnamese translation is fuzzy (check it, drop the flag):" + listing(fuzzy)
    stale = ids - extracted()
    assert not stale, "No longer in the code (run pybabel update):" + listing(stale)


@pytest.mark.parametrize("language", LANGUAGES)
def test_compiled_catalog_matches_its_source(language):
    source, compiled = entries(po(language)), entries(mo(language))
    differ = {k for k in source.keys() | compiled.keys() if source.get(k) != compiled.get(k)}
    assert not differ, (f"{language}/LC_MESSAGES/messages.mo is out of date; run pybabel "
                        "compile -d grants/translations. Differs:" + listing(differ))


def test_every_language_is_a_catalog_flask_babel_finds(app):
    found = {str(locale) for locale in babel.list_translations()}
    assert set(LANGUAGES) <= found
    assert app.config["BABEL_DEFAULT_LOCALE"] == "vi"


def test_vietnamese_translations_keep_their_placeholders():
    wrong = {
        m.id: m.string
        for m in po("vi")
        if m.id and m.string
        and Counter(CONVERSION.findall(m.id)) != Counter(CONVERSION.findall(m.string))
    }
    assert not wrong, "Placeholders differ from the English:" + listing(wrong.items())


def test_translations_format_with_their_values():
    """Each translation with placeholders formats as gettext will format it."""
    for m in po("vi"):
        if m.id and m.string and "python-format" in m.flags:
            values = {name: 1 for name in re.findall(r"%\((\w+)\)", m.id)}
            assert m.string % values, m.id


# --- the pages ---------------------------------------------------------------------------


def test_home_page_is_vietnamese_by_default(client, create_call):
    create_call(stage="pre_incubation")
    page = client.get("/")
    assert page.status_code == 200
    assert '<html lang="vi"' in page.text
    assert vi("Open calls") in page.text
    assert vi("Pre-incubation") in page.text  # a lazy_gettext label from Python
    assert "Open calls" not in page.text


def test_choosing_english(client, create_call):
    create_call(stage="pre_incubation")
    response = client.post("/language/en", data={"next": "/login"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/login"

    page = client.get("/")
    assert '<html lang="en"' in page.text
    assert "Open calls" in page.text
    assert "Pre-incubation" in page.text
    assert vi("Open calls") not in page.text

    client.post("/language/vi")
    page = client.get("/")
    assert '<html lang="vi"' in page.text
    assert vi("Open calls") in page.text


def test_an_unknown_language_is_ignored(client):
    client.post("/language/fr")
    page = client.get("/")
    assert '<html lang="vi"' in page.text
    assert vi("Open calls") in page.text


def test_messages_from_python_code_are_translated(client):
    """gettext in a view: the flash of a failed login, in each language."""
    page = client.post("/login", data={"email": "nobody@example.org", "password": "x" * 10})
    assert page.status_code == 401
    assert vi("Wrong email or password.") in page.text

    client.post("/language/en")
    page = client.post("/login", data={"email": "nobody@example.org", "password": "x" * 10})
    assert "Wrong email or password." in page.text


def test_a_users_language_is_kept_in_their_account(app, client, create_user, login):
    user = create_user("applicant", password=PASSWORD)
    login(user, PASSWORD)
    assert '<html lang="vi"' in client.get("/").text

    client.post("/language/en")
    db.session.refresh(user)
    assert user.locale == "en"
    assert '<html lang="en"' in client.get("/my").text
    client.post("/logout")

    other_browser = app.test_client()
    response = other_browser.post("/login", data={"email": user.email, "password": PASSWORD})
    assert response.status_code == 302
    page = other_browser.get("/")
    assert '<html lang="en"' in page.text
    assert "Open calls" in page.text
    assert "Log out" in page.text


def test_a_language_chosen_before_login_is_adopted_by_an_account_without_one(client,
                                                                              create_user):
    user = create_user("applicant", password=PASSWORD)
    assert user.locale is None
    client.post("/language/en")
    assert client.post("/login", data={"email": user.email,
                                       "password": PASSWORD}).status_code == 302
    page = client.get("/my")
    assert '<html lang="en"' in page.text and "Log out" in page.text
    db.session.refresh(user)
    assert user.locale == "en"


def test_a_language_chosen_just_before_login_replaces_the_accounts(app, client, create_user):
    user = create_user("applicant", password=PASSWORD)
    accounts.set_locale(user, "en")
    client.post("/language/vi")
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert '<html lang="vi"' in client.get("/my").text
    db.session.refresh(user)
    assert user.locale == "vi"
    other_browser = app.test_client()  # saved in the account, not only in this session
    other_browser.post("/login", data={"email": user.email, "password": PASSWORD})
    assert '<html lang="vi"' in other_browser.get("/my").text


def test_without_a_choice_before_login_the_accounts_language_stays(client, create_user):
    user = create_user("applicant", password=PASSWORD)
    accounts.set_locale(user, "en")
    client.post("/login", data={"email": user.email, "password": PASSWORD})
    assert '<html lang="en"' in client.get("/my").text
    db.session.refresh(user)
    assert user.locale == "en"
