"""The payments register: every released tranche of a programme with its recipient, amount,
milestone, payment reference and the two managers who verified and released it, filtered by
call and days, as CSV and XLSX, for the programme's staff only."""

import csv
import io

from openpyxl import load_workbook
from test_funding import active, approved  # noqa: F401 (fixtures)

from grants.models import utcnow
from grants.operations import funding
from grants.operations.core import LOCAL


def released_and_paid(active):  # noqa: F811
    manager, second, startup, application, (first, later) = active
    funding.act(startup, first.id, "request", {"version": 1, "report": "Cảm biến ở 3 trang trại"})
    funding.act(manager, first.id, "verify", {"version": 2})
    funding.act(second, first.id, "release", {"version": 3})
    funding.act(second, first.id, "mark_paid", {"version": 4, "payment_reference": "UNC-0042"})
    return manager, second, startup, application, first, later


def test_the_register_lists_each_released_tranche_with_both_managers(active, login, client):  # noqa: F811
    manager, second, _startup, application, first, later = released_and_paid(active)
    programme = application.call.programme_id
    login(manager)
    answer = client.get(f"/programmes/{programme}/payments.csv")
    assert answer.status_code == 200
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    assert [(r["tranche_id"], r["amount"], r["milestone"], r["payment_reference"],
             r["verified_by"], r["released_by"]) for r in rows] == [
        (str(first.id), "10000000", "Prototype in three farms", "UNC-0042", manager.email,
         second.email)]  # the second tranche is not released: not in the register
    assert rows[0]["recipient"] == application.project.organization.name
    assert rows[0]["registration_number"] == application.project.organization.registration_number
    assert rows[0]["reference"].startswith("HS-") and rows[0]["paid_at"]

    book = load_workbook(io.BytesIO(client.get(f"/programmes/{programme}/payments.xlsx").data),
                         read_only=True)
    sheet = list(book.worksheets[0].iter_rows(values_only=True))
    assert len(sheet) == 2 and sheet[1][9] == 10_000_000 and "UNC-0042" in sheet[1]


def test_the_register_filters_by_call_and_days_and_refuses_bad_filters(
        active, login, client, create_call):  # noqa: F811
    manager, _second, _startup, application, _first, _later = released_and_paid(active)
    programme = application.call.programme_id
    login(manager)
    today = utcnow().astimezone(LOCAL).date().isoformat()

    def count(query: str) -> int:
        answer = client.get(f"/programmes/{programme}/payments.csv?{query}")
        assert answer.status_code == 200, query
        return len(list(csv.DictReader(io.StringIO(answer.get_data(as_text=True)))))

    assert count(f"since={today}&until={today}") == 1
    assert count("until=2020-01-01") == 0
    other = create_call(application.call.programme)
    assert count(f"call_id={other.id}") == 0 and count(f"call_id={application.call_id}") == 1
    for bad in ("since=tomorrow", "call_id=abc", "since=2026-12-01&until=2026-01-01"):
        assert client.get(f"/programmes/{programme}/payments.csv?{bad}").status_code == 422


def test_only_the_programmes_staff_read_the_register(active, login, client, create_user):  # noqa: F811
    _manager, _second, startup, application, _first, _later = released_and_paid(active)
    programme = application.call.programme_id
    for user in (startup, create_user("reviewer", application.call.programme)):
        login(user)
        assert client.get(f"/programmes/{programme}/payments.csv").status_code == 403
        assert client.get(f"/programmes/{programme}/payments.xlsx").status_code == 403
        client.post("/logout")
    login(create_user("auditor"))
    assert client.get(f"/programmes/{programme}/payments.csv").status_code == 200
