"""A project's page: its path through the stages, with money and outcomes at each, the
activities it took part in, its mentors and their sessions."""

from flask import Blueprint, render_template
from flask_login import current_user, login_required

from grants.operations import activities, mentors, projects
from grants.permissions.rules import MANAGING

bp = Blueprint("projects", __name__)


@bp.get("/projects/<int:project_id>")
@login_required
def detail(project_id: int):
    project, steps = projects.path(current_user, project_id)
    return render_template(
        "projects/detail.html", project=project, steps=steps,
        support=mentors.project_support(current_user, project.id),
        to_match=mentors.mentors_to_match(current_user, project.id),
        managing=MANAGING, kinds=activities.kind_labels(),
        outcomes=activities.outcome_labels())
