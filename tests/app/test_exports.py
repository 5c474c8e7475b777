"""The 360Giving export: a programme's awarded grants as a data package that validates against
the official 1.4 schema (tests/standards/360giving/), in VND, recipients identified by their
registration numbers, stages as grant programmes, tranches as planned dates and disbursements;
from the API (the programme's staff) and the command line."""

import json
from pathlib import Path

import pytest
from conftest import FORMATS
from jsonschema import Draft202012Validator
from referencing import Registry, Resource
from referencing.jsonschema import DRAFT202012
from test_funding import active, approved  # noqa: F401 (fixtures)

from grants.operations import funding

STANDARD = Path(__file__).parent.parent / "standards" / "360giving"


def validator() -> Draft202012Validator:
    """The package schema, with the grant schema it refers to (by its 1.4.2 and 1.4.3 addresses)
    served from the copy in the repository, and formats checked (the schema's dates are
    "date-time or YYYY-MM-DD": without a format check every date would match both)."""
    package = json.loads((STANDARD / "360-giving-package-schema.json").read_text())
    grant = json.loads((STANDARD / "360-giving-schema.json").read_text())
    # the schemas name their dialect with "http://", which the referencing library does not
    # know as 2020-12's (https://): say it
    resource = Resource(contents=grant, specification=DRAFT202012)
    registry = Registry().with_resources([
        (grant["$id"], resource), (grant["$id"].replace("1.4.3", "1.4.2"), resource)])
    return Draft202012Validator(package, registry=registry, format_checker=FORMATS)


def released(active):  # noqa: F811
    manager, second, startup, application, (first, later) = active
    funding.act(startup, first.id, "request", {"version": 1, "report": "Cảm biến"})
    funding.act(manager, first.id, "verify", {"version": 2})
    funding.act(second, first.id, "release", {"version": 3})
    return manager, application, first, later


def test_the_export_validates_against_the_360giving_schema(active, api):  # noqa: F811
    manager, application, first, later = released(active)
    answer = api(manager).get(f"/exports/360giving?programme_id={application.call.programme_id}")
    assert answer.status_code == 200 and answer.mimetype == "application/json"
    data = json.loads(answer.get_data(as_text=True))
    errors = sorted(validator().iter_errors(data), key=lambda e: list(e.absolute_path))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]
    [grant] = data["grants"]
    organization = application.project.organization
    assert grant["currency"] == "VND" and grant["amountAwarded"] == 30_000_000
    assert grant["recipientOrganization"][0]["id"] == \
        f"VN-MSDN-{organization.registration_number}"
    assert grant["grantProgramme"][0]["code"] == "pre_incubation"
    assert [d["startDate"] for d in grant["plannedDates"]] == [
        first.due_on.isoformat(), later.due_on.isoformat()]
    assert [t["value"] for t in grant["disbursementTransaction"]] == [10_000_000]
    assert grant["amountDisbursed"] == 10_000_000


def test_a_broken_export_would_fail_the_schema():
    """The check itself: a grant without a recipient, or an award date of another form, is
    refused (so the test above cannot pass by validating nothing)."""
    bad = {"version": "1.4", "grants": [{
        "id": "360G-x-1", "title": "t", "description": "d", "currency": "VND",
        "amountAwarded": 1, "awardDate": "03/03/2026",
        "fundingOrganization": [{"id": "XI-1", "name": "f"}]}]}
    messages = [e.message for e in validator().iter_errors(bad)]
    assert messages


def test_only_the_programmes_staff_export_and_nothing_awarded_is_a_conflict(
        active, api, create_user, create_call):  # noqa: F811
    manager, application, _first, _later = released(active)
    programme = application.call.programme_id
    startup = create_user("applicant")
    assert api(startup).get(f"/exports/360giving?programme_id={programme}").status_code == 403
    assert api(manager).get("/exports/360giving?programme_id=999999").status_code == 404
    assert api(manager).get("/exports/360giving?programme_id=abc").status_code == 422
    empty = create_call()
    admin = create_user("admin")
    answer = api(admin).get(f"/exports/360giving?programme_id={empty.programme_id}")
    assert answer.status_code == 409


def test_the_command_line_writes_a_valid_package(active, app, tmp_path):  # noqa: F811
    _manager, application, _first, _later = released(active)
    target = tmp_path / "grants.json"
    result = app.test_cli_runner().invoke(args=[
        "export", "360giving", "--programme", str(application.call.programme_id),
        "--output", str(target)])
    assert result.exit_code == 0, result.output
    data = json.loads(target.read_text(encoding="utf-8"))
    assert not list(validator().iter_errors(data))
    assert data["grants"][0]["title"] == application.project.title


@pytest.mark.parametrize("programme", ["999999"])
def test_the_command_line_names_a_missing_programme(app, programme):
    result = app.test_cli_runner().invoke(args=["export", "360giving", "--programme", programme])
    assert result.exit_code != 0 and "No such programme" in result.output
