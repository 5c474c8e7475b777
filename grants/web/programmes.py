"""Programmes in pages (administrators): the list, create one, change its period and its KPI
targets per stage and year."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from grants import permissions
from grants.inputs import identifier
from grants.models import Role, Stage
from grants.operations import Conflict, Invalid, calls, programmes
from grants.web.forms import EmptyForm

bp = Blueprint("programmes", __name__, url_prefix="/programmes")
PAGE = 50
MAX_GRID_YEARS = programmes.MAX_YEARS


@bp.before_request
@login_required
def _admins_only():
    if not any(g.role == Role.ADMIN for g in current_user.grants):
        abort(403)


@bp.get("")
def programme_list():
    rows = calls.list_programmes(before_id=identifier(request.args.get("before")),
                                 limit=PAGE + 1)
    more = len(rows) > PAGE
    rows = rows[:PAGE]
    return render_template("programmes/list.html", programmes=rows,
                           can_create=permissions.can_create_programme(current_user),
                           next_before=rows[-1].id if more else None)


def _years(starts_on: str, ends_on: str) -> list[int]:
    """The years of the grid: those of the period typed (or saved), when it reads as one."""
    try:
        first, last = int(str(starts_on)[:4]), int(str(ends_on)[:4])
    except ValueError:
        return []
    return list(range(first, last + 1)) if 0 <= last - first < MAX_GRID_YEARS else []


def _posted() -> tuple[dict, dict]:
    values = {name: request.form.get(name, "").strip()
              for name in ("title", "starts_on", "ends_on")}
    grid = {(s.value, int(year)): request.form.get(f"target-{s.value}-{year}", "").strip()
            for s in Stage for year in _grid_years(request.form)}
    return values, grid


def _grid_years(form) -> list[int]:
    years = set()
    for key in form:
        parts = key.split("-")
        if len(parts) == 3 and parts[0] == "target" and parts[2].isascii() \
                and parts[2].isdigit() and len(parts[2]) == 4:
            years.add(int(parts[2]))
    return sorted(years)[:MAX_GRID_YEARS]


def _data(values: dict, grid: dict) -> dict:
    return values | {"targets": [{"stage": stage, "year": year, "projects": projects}
                                 for (stage, year), projects in grid.items() if projects]}


def _grid_errors(error: Invalid, data: dict) -> dict[str, str]:
    """The operation's errors by field name; a target's next to its cell."""
    errors = {}
    for path, message in error.errors.items():
        parts = path.split(".")
        if parts[0] == "targets" and len(parts) > 1 and parts[1].isdigit() \
                and int(parts[1]) < len(data["targets"]):
            target = data["targets"][int(parts[1])]
            errors.setdefault(f"target-{target['stage']}-{target['year']}", message)
        else:
            errors.setdefault(path, message)
    return errors


def _form(programme=None):
    form = EmptyForm()
    status, errors = 200, {}
    if request.method == "GET":
        if programme is None:
            values, grid = {"title": "", "starts_on": "", "ends_on": ""}, {}
        else:
            values = {"title": programme.title, "starts_on": programme.starts_on.isoformat(),
                      "ends_on": programme.ends_on.isoformat()}
            grid = {(t.stage, t.year): t.projects for t in programme.targets}
    else:
        if not form.validate_on_submit():
            abort(400)
        values, grid = _posted()
        data = _data(values, grid)
        try:
            if programme is None:
                saved = programmes.create_programme(current_user, data)
            else:
                saved = programmes.update_programme(current_user, programme.id, data)
        except Invalid as error:
            errors = _grid_errors(error, data)
            flash(error.detail, "error")
            status = 422
        except Conflict as error:
            flash(error.detail, "error")
            status = 409
        else:
            flash(_("The programme is saved."), "success")
            return redirect(url_for("programmes.edit_programme", programme_id=saved.id))
    # the period's years, and any other year a target was typed for (its error shows there)
    years = sorted(set(_years(values["starts_on"], values["ends_on"]))
                   | {year for (_stage, year), projects in grid.items() if projects})
    return render_template("programmes/form.html", programme=programme, values=values,
                           grid=grid, years=years, stages=list(Stage), errors=errors,
                           form=EmptyForm(formdata=None)), status


@bp.route("/new", methods=["GET", "POST"])
def new_programme():
    if not permissions.can_create_programme(current_user):
        abort(403)
    return _form()


@bp.route("/<int:programme_id>/edit", methods=["GET", "POST"])
def edit_programme(programme_id: int):
    programme = programmes.get_programme(programme_id)
    if not permissions.can_edit_programme(current_user, programme.id):
        abort(403)
    return _form(programme)
