"""Helpers of the activities' and the showcase's tests: a funded project without the funding
work (its application's state is set directly to one its definition tags `commits_budget`),
and an activity's body."""

from datetime import timedelta

from grants.extensions import db
from grants.models import Application, utcnow
from grants.operations import calls


def fund(application: Application) -> Application:
    """The application as if approved: a state that commits the call's budget."""
    definition = calls.definition(application.call)
    application.state = sorted(definition.tagged("commits_budget"))[0]
    application.submitted_at = application.submitted_at or utcnow()
    application.awarded_amount = application.requested_amount
    db.session.commit()
    return application


def activity_body(**overrides) -> dict:
    now = utcnow()
    return {"kind": "training", "title": "Pitching to investors",
            "description": "Two hours on the pitch deck",
            "starts_at": (now + timedelta(days=10)).isoformat(),
            "ends_at": (now + timedelta(days=10, hours=2)).isoformat(),
            "place": "Saigon Innovation Hub, 273 Điện Biên Phủ", "capacity": 5,
            "registration_closes_at": (now + timedelta(days=9)).isoformat(),
            "stages": ["pre_incubation"], "organiser": "SIHUB"} | overrides
