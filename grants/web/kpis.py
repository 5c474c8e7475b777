"""A programme's KPIs in a page: progress per stage against the city's targets, charts of the
projects, the money and the funnel per year (each with its numbers in a table), and the annual
report's downloads."""

import io
from datetime import datetime

from flask import Blueprint, Response, render_template, request, send_file, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user, login_required

from grants import labels
from grants.operations import kpis, payments, reports
from grants.operations.core import LOCAL
from grants.web import charts

bp = Blueprint("kpis", __name__)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def figure_labels() -> dict[str, str]:
    return {"target": _("Target"), "received": _("Applications received"),
            "awards": _("Approved"), "signed": _("Agreements signed"),
            "pilots": _("Pilots run"), "evaluations_passed": _("Evaluations passed"),
            "promotions": _("Promotions"), "awarded_amount": _("Awarded"),
            "released_amount": _("Released"), "paid_amount": _("Paid")}


@bp.get("/programmes/<int:programme_id>/kpis")
@login_required
def page(programme_id: int):
    found = kpis.of_programme(current_user, programme_id)
    names = figure_labels()
    years = [str(y) for y in found.years]
    projects = {stage: charts.bars(
        _("%(stage)s: projects signed against the target, per year", stage=labels.stage(stage)),
        years, [(names["target"], [found.cell(stage, y).target for y in found.years]),
                (names["signed"], [found.cell(stage, y).signed for y in found.years])])
        for stage in kpis.STAGES}
    money_chart = charts.bars(_("Money per year (VND)"), years, [
        (names[name], [getattr(found.by_year(y), name) for y in found.years])
        for name in kpis.MONEY])
    funnel = charts.funnel(_("From application to completion"),
                           [(names[name], n) for name, n in found.funnel()])
    meters = {stage: charts.meter(
        _("%(stage)s: %(done)d of %(target)d projects",
          stage=labels.stage(stage), done=found.stages[stage].signed,
          target=found.stages[stage].target),
        found.stages[stage].signed, found.stages[stage].target) for stage in kpis.STAGES}
    return render_template("kpis/page.html", kpis=found, names=names, projects=projects,
                           money_chart=money_chart, funnel=funnel, meters=meters,
                           stages=kpis.STAGES, this_year=datetime.now(LOCAL).year)


def _year() -> int | str:
    """The year asked for (this year by default); anything else is refused by the report."""
    value = request.args.get("year", "").strip()
    if not value:
        return datetime.now(LOCAL).year
    return int(value) if value.isdigit() and len(value) <= 4 else value


@bp.get("/programmes/<int:programme_id>/report.csv")
@login_required
def report_csv(programme_id: int):
    report = reports.for_programme(current_user, programme_id, _year())
    return Response(stream_with_context(reports.csv_text(report)), mimetype="text/csv",
                    headers={"Content-Disposition": "attachment; "
                             f'filename="annual-report-{programme_id}-{report.year}.csv"'})


@bp.get("/programmes/<int:programme_id>/report.xlsx")
@login_required
def report_xlsx(programme_id: int):
    report = reports.for_programme(current_user, programme_id, _year())
    buffer = io.BytesIO()  # a row per call and stage: small whatever the applications
    reports.write_xlsx(report, buffer)
    buffer.seek(0)
    return send_file(buffer, mimetype=XLSX, as_attachment=True,
                     download_name=f"annual-report-{programme_id}-{report.year}.xlsx")


def _register():
    return payments.filters(current_user, request.view_args["programme_id"],
                            call_id=request.args.get("call_id"),
                            since=request.args.get("since"), until=request.args.get("until"))


@bp.get("/programmes/<int:programme_id>/payments.csv")
@login_required
def payments_csv(programme_id: int):
    found = _register()
    return Response(stream_with_context(payments.csv_text(found)), mimetype="text/csv",
                    headers={"Content-Disposition":
                             f'attachment; filename="payments-{programme_id}.csv"'})


@bp.get("/programmes/<int:programme_id>/payments.xlsx")
@login_required
def payments_xlsx(programme_id: int):
    found = _register()
    buffer = io.BytesIO()  # compressed: some 60 bytes a tranche
    payments.write_xlsx(found, buffer)
    buffer.seek(0)
    return send_file(buffer, mimetype=XLSX, as_attachment=True,
                     download_name=f"payments-{programme_id}.xlsx")
