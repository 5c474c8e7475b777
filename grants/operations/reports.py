"""The annual report for the city's 10 December deadline: per programme, stage and call, what
the year brought (applications received, approved, agreements signed, money awarded, released
and paid, pilots run, evaluations passed, promotions), the KPIs' progress per stage, and each
call's budget ledger as of the report, with totals that equal the ledger.

One table, written as CSV (streamed) or XLSX (openpyxl's write-only mode, row by row); the page
(`/programmes/<id>/report.xlsx|csv?year=`) and `flask --app grants report annual` make the same.
"""

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from typing import IO, Any

from flask_babel import gettext as _
from openpyxl import Workbook

from grants import labels
from grants.models import Actor, Programme
from grants.operations import kpis, ledger
from grants.operations.core import by_id
from grants.operations.errors import Forbidden, Invalid

CALL, STAGE, TOTAL = "call", "stage", "total"  # the kinds of rows
COLUMNS = ("section", "programme", "stage", "call_id", "call", *kpis.COUNTS, *kpis.MONEY,
           "target", "progress", "budget", "committed", "released_to_date", "paid_to_date",
           "remaining")


def headings() -> dict[str, str]:
    """The columns' names in the reader's language (the XLSX's header row)."""
    return {"section": _("Row"), "programme": _("Programme"), "stage": _("Stage"),
            "call_id": _("Call id"), "call": _("Call"), "received": _("Applications received"),
            "awards": _("Approved"), "signed": _("Agreements signed"),
            "pilots": _("Pilots run"), "evaluations_passed": _("Evaluations passed"),
            "promotions": _("Promotions"), "awarded_amount": _("Awarded (VND)"),
            "released_amount": _("Released in the year (VND)"),
            "paid_amount": _("Paid in the year (VND)"),
            "target": _("Target (projects)"), "progress": _("Progress"),
            "budget": _("Budget (VND)"), "committed": _("Committed (VND)"),
            "released_to_date": _("Released to date (VND)"),
            "paid_to_date": _("Paid to date (VND)"), "remaining": _("Remaining (VND)")}


@dataclass
class Report:
    year: int
    programmes: list[Programme]
    rows: list[dict[str, Any]]


def check_year(year: Any) -> int:
    if not isinstance(year, int) or isinstance(year, bool) or not 2000 <= year <= 2100:
        raise Invalid(_("Some fields are not valid."), {"year": _("A year from 2000 to 2100.")})
    return year


def for_programme(actor: Actor, programme_id: Any, year: Any) -> Report:
    """The report of one programme (its staff)."""
    programme = by_id(Programme, programme_id)
    if not kpis.can_read(actor, programme.id):
        raise Forbidden(_("Only the programme's staff read its report."))
    return annual([programme], check_year(year))


def annual(programmes: list[Programme], year: int) -> Report:
    """The rows: per programme, its calls, then its stages, then its total."""
    rows: list[dict[str, Any]] = []
    for programme in programmes:
        found = kpis.compute(programme, year=year)
        funds = ledger.of_calls(found.calls)
        total = {"section": TOTAL, "programme": programme.title, "stage": "", "call_id": "",
                 "call": ""} | {name: 0 for name in COLUMNS[5:]}
        for call in sorted(found.calls, key=lambda c: (kpis.STAGES.index(c.stage), c.id)):
            cell, money = found.of_call(call.id), funds[call.id]
            row = {"section": CALL, "programme": programme.title,
                   "stage": labels.stage(call.stage), "call_id": call.id, "call": call.title,
                   **{name: getattr(cell, name) for name in (*kpis.COUNTS, *kpis.MONEY)},
                   "target": "", "progress": "", "budget": money.budget,
                   "committed": money.committed, "released_to_date": money.released,
                   "paid_to_date": money.paid, "remaining": money.remaining}
            rows.append(row)
            for name in (*kpis.COUNTS, *kpis.MONEY, "budget", "committed", "released_to_date",
                         "paid_to_date", "remaining"):
                total[name] += row[name]
        for stage in kpis.STAGES:
            cell = found.stages[stage]
            rows.append({"section": STAGE, "programme": programme.title,
                         "stage": labels.stage(stage), "call_id": "", "call": "",
                         **{name: getattr(cell, name) for name in (*kpis.COUNTS, *kpis.MONEY)},
                         "target": cell.target,
                         "progress": "" if cell.progress is None else round(cell.progress, 4),
                         **{name: "" for name in COLUMNS[-5:]}})
            total["target"] += cell.target
        total["progress"] = round(total["signed"] / total["target"], 4) \
            if total["target"] else ""
        rows.append(total)
    return Report(year, programmes, rows)


def csv_text(report: Report) -> Iterator[str]:
    """The report as CSV, a row at a time (machine column names)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    for row in report.rows:
        writer.writerow([row[name] for name in COLUMNS])
        yield buffer.getvalue()
        buffer.seek(0)
        buffer.truncate()
    yield buffer.getvalue()


def write_xlsx(report: Report, target: IO[bytes]) -> None:
    """The report as an XLSX workbook, written row by row (openpyxl's write-only mode)."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(_("Annual report %(year)d", year=report.year))
    names = headings()
    sheet.append([_("Annual report %(year)d", year=report.year)])
    sheet.append([names[name] for name in COLUMNS])
    kinds = {CALL: _("Call"), STAGE: _("Stage"), TOTAL: _("Total")}
    for row in report.rows:
        sheet.append([kinds[row["section"]] if name == "section" else row[name]
                      for name in COLUMNS])
    book.save(target)
