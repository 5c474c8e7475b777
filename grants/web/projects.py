"""A project's page: its path through the stages, with money and outcomes at each."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from grants.operations import projects

bp = Blueprint("projects", __name__)


@bp.get("/projects/<int:project_id>")
@login_required
def detail(project_id: int):
    project, steps = projects.path(current_user, project_id)
    return render_template("projects/detail.html", project=project, steps=steps)
