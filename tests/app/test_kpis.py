"""KPIs against the city's plan and the annual report: the action path stamps when an
application is decided and its agreement signed; the figures per stage and Ho Chi Minh City
year equal a hand-built example; the report's XLSX reads back with openpyxl and its totals equal
the ledger; only the programme's staff read them."""

import csv
import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from test_funding import PLAN

from grants.extensions import db
from grants.models import (
    Application,
    Call,
    Evaluation,
    Pilot,
    ProgrammeTarget,
    Tranche,
    utcnow,
)
from grants.operations import applications, funding, kpis, ledger, reports

YEAR = 2026


def calls_of(programme) -> list[Call]:
    return list(db.session.scalars(select(Call).where(Call.programme_id == programme.id)
                                   .order_by(Call.id)))


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def example(create_call, create_user, create_application, manager_of):
    """A hand-built programme: targets for 2026 and 2027; a pre-incubation call with four
    applications and an incubation call with one promoted into it, their milestones set by hand
    (the years are Ho Chi Minh City's: 2026-12-31 18:00 UTC is already 2027 there)."""
    pre = create_call(budget=500_000_000)
    programme = pre.programme
    inc = create_call(programme, stage="incubation", budget=900_000_000,
                      cap_per_project=80_000_000)
    manager = manager_of(pre)
    db.session.add_all([
        ProgrammeTarget(programme_id=programme.id, stage="pre_incubation", year=YEAR,
                        projects=4),
        ProgrammeTarget(programme_id=programme.id, stage="incubation", year=YEAR, projects=2),
        ProgrammeTarget(programme_id=programme.id, stage="pre_incubation", year=YEAR + 1,
                        projects=5)])
    startup = create_user("applicant")

    def application(call, **columns) -> Application:
        made = create_application(startup, call, title=f"P{next(names)}")
        for name, value in columns.items():
            setattr(made, name, value)
        return made

    names = iter(range(100))
    signed = application(pre, submitted_at=at("2026-02-01T03:00:00"),
                         decided_at=at("2026-03-03T03:00:00"), awarded_amount=30_000_000,
                         signed_at=at("2026-03-10T03:00:00"), state="active")
    application(pre, submitted_at=at("2026-02-02T03:00:00"),
                decided_at=at("2026-03-05T03:00:00"), awarded_amount=20_000_000,
                signed_at=at("2026-12-31T18:00:00"), state="active")  # 2027 in Vietnam
    application(pre, submitted_at=at("2026-02-03T03:00:00"),
                decided_at=at("2026-03-06T03:00:00"), state="rejected")
    application(pre, submitted_at=at("2025-11-03T03:00:00"), state="submitted")
    promoted = application(inc, submitted_at=at("2026-09-01T03:00:00"),
                           promoted_from_id=signed.id, created_at=at("2026-08-30T03:00:00"),
                           state="submitted")
    db.session.add_all([
        Tranche(application_id=signed.id, number=1, milestone="M1", amount=10_000_000,
                due_on=date(2026, 4, 1), state="paid_amount", released_at=at("2026-04-02T03:00:00"),
                paid_at=at("2026-04-03T03:00:00")),
        Tranche(application_id=signed.id, number=2, milestone="M2", amount=20_000_000,
                due_on=date(2026, 12, 1), state="released_amount",
                released_at=at("2026-12-20T03:00:00")),
        Pilot(application_id=signed.id, host_partner="HTX Đồng Tháp", environment="Ruộng lúa",
              success_metrics="-20% nước", starts_on=date(2026, 5, 1), ends_on=date(2026, 8, 1),
              verdict="passed", updated_by_id=manager.id),
        Evaluation(application_id=signed.id, final_report="Báo cáo", score=82, verdict="passed",
                   evaluated_at=at("2026-10-01T03:00:00"), evaluated_by_id=manager.id)])
    db.session.commit()
    return programme, manager, startup, promoted


def test_the_action_path_stamps_the_decision_and_the_signature_once(
        create_call, create_user, create_application, manager_of):
    call = create_call(budget=100_000_000)
    startup = create_user("applicant")
    application = create_application(startup, call)
    application.state, application.submitted_at = "reviewed", utcnow()
    db.session.commit()
    manager = manager_of(call)
    applications.act(manager, application.id, "approve", {"version": 1, "amount": 30_000_000})
    decided = db.session.get(Application, application.id)
    assert decided.decided_at is not None and decided.signed_at is None
    first_decision = decided.decided_at
    funding.set_agreement(manager, application.id, {"amount": 30_000_000, "tranches": PLAN})
    applications.act(manager, application.id, "sign_agreement", {"version": 3})
    signed = db.session.get(Application, application.id)
    assert signed.signed_at is not None and signed.decided_at == first_decision
    applications.act(manager, application.id, "terminate", {"version": 4, "reason": "Dừng"})
    ended = db.session.get(Application, application.id)
    assert (ended.decided_at, ended.signed_at) == (first_decision, signed.signed_at)


def test_the_kpis_equal_a_hand_built_example(example):
    programme, manager, _startup, _promoted = example
    found = kpis.of_programme(manager, programme.id)
    pre, inc = found.cell("pre_incubation", YEAR), found.cell("incubation", YEAR)
    assert (pre.target, pre.received, pre.awards, pre.signed, pre.awarded_amount) == (
        4, 3, 2, 1, 50_000_000)
    assert (pre.released_amount, pre.paid_amount, pre.pilots, pre.evaluations_passed) == (
        30_000_000, 10_000_000, 1, 1)
    assert pre.progress == 0.25
    assert (inc.target, inc.received, inc.promotions, inc.signed) == (2, 1, 1, 0)
    next_year = found.cell("pre_incubation", YEAR + 1)
    assert (next_year.target, next_year.signed) == (5, 1)  # signed 01:00 on 1 January, local
    assert found.cell("pre_incubation", YEAR - 1).received == 1
    assert found.stages["pre_incubation"].signed == 2
    assert found.total.target == 11
    assert found.funnel("pre_incubation") == [
        ("received", 4), ("awards", 2), ("signed", 2), ("pilots", 1),
        ("evaluations_passed", 1)]
    # (30 + 31 + 31) days from submission to decision, over three decisions
    assert found.days_to_decision["pre_incubation"] == pytest.approx(30.7, abs=0.1)
    assert found.days_to_decision["acceleration"] is None


def test_the_api_gives_the_progress_to_the_programmes_staff_only(example, api, contract):
    programme, manager, startup, _promoted = example
    answer = api(manager).get(f"/programmes/{programme.id}")
    contract.check(answer)
    stages = {s["stage"]: s for s in answer.json["progress"]["stages"]}
    year = next(y for y in stages["pre_incubation"]["years"] if y["year"] == YEAR)
    assert (year["target"], year["signed"], year["progress"]) == (4, 1, 0.25)
    assert answer.json["progress"]["total"]["target"] == 11
    assert api(startup).get(f"/programmes/{programme.id}").json["progress"] is None


def test_the_kpi_page_draws_charts_with_their_numbers_in_tables(example, login, client):
    programme, manager, startup, _promoted = example
    login(manager)
    page = client.get(f"/programmes/{programme.id}/kpis")
    assert page.status_code == 200
    assert page.text.count("<svg") >= 6  # three meters, three stage charts, money, funnel
    for table in ("table-pre_incubation", "table-incubation", "table-money", "table-funnel"):
        assert f'id="{table}"' in page.text
    client.post("/logout")
    login(startup)
    assert client.get(f"/programmes/{programme.id}/kpis").status_code == 403
    assert client.get(f"/programmes/{programme.id}/report.csv?year=2026").status_code == 403


def test_the_annual_reports_xlsx_reads_back_and_its_totals_equal_the_ledger(
        example, login, client):
    programme, manager, _startup, _promoted = example
    login(manager)
    answer = client.get(f"/programmes/{programme.id}/report.xlsx?year={YEAR}")
    assert answer.status_code == 200
    book = load_workbook(io.BytesIO(answer.data), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    header = rows[1]
    table = [dict(zip(header, row, strict=True)) for row in rows[2:]]
    names = reports.headings()
    total = table[-1]
    calls = [row for row in table if row[names["call_id"]]]
    assert len(calls) == 2
    funds = ledger.total(ledger.of_calls(calls_of(programme)).values())
    assert (total[names["budget"]], total[names["committed"]],
            total[names["released_to_date"]], total[names["paid_to_date"]],
            total[names["remaining"]]) == (funds.budget, funds.committed, funds.released,
                                           funds.paid, funds.remaining)
    assert (total[names["received"]], total[names["awards"]], total[names["signed"]],
            total[names["released_amount"]], total[names["paid_amount"]]) == (4, 2, 1, 30_000_000,
                                                                10_000_000)
    assert total[names["target"]] == 6 and total[names["progress"]] == pytest.approx(1 / 6,
                                                                                     abs=1e-4)


def test_the_annual_reports_csv_equals_its_xlsx_and_a_bad_year_is_refused(
        example, login, client):
    programme, manager, _startup, _promoted = example
    login(manager)
    answer = client.get(f"/programmes/{programme.id}/report.csv?year={YEAR}")
    rows = list(csv.DictReader(io.StringIO(answer.get_data(as_text=True))))
    total = rows[-1]
    assert total["section"] == "total" and total["received"] == "4"
    pre, inc = calls_of(programme)
    assert [r["call"] for r in rows if r["section"] == "call"] == [pre.title, inc.title]
    for bad in ("1999", "abcd", "20266"):
        refused = client.get(f"/programmes/{programme.id}/report.csv?year={bad}")
        assert refused.status_code == 422, bad


def test_the_command_line_writes_the_annual_report(example, app, tmp_path):
    programme, *_rest = example
    target = tmp_path / "report.xlsx"
    result = app.test_cli_runner().invoke(args=[
        "report", "annual", "--year", str(YEAR), "--programme", str(programme.id),
        "--output", str(target)])
    assert result.exit_code == 0, result.output
    assert "4 applications received" in result.output
    rows = list(load_workbook(target, read_only=True).worksheets[0].iter_rows(values_only=True))
    assert rows[-1][0] in ("Total", "Tổng cộng", "Tổng")
    missing = app.test_cli_runner().invoke(args=["report", "annual", "--year", "2026",
                                                 "--programme", "999999"])
    assert missing.exit_code != 0 and "No such programme" in missing.output
