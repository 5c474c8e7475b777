"""The API of support activities (training, connection events, exhibitions), registrations,
attendance, and the public showcase."""

from flask import g

from grants.api import api
from grants.api import schemas as s
from grants.api.endpoint import endpoint, page_size
from grants.api.fields import encode_cursor
from grants.models import Programme, utcnow
from grants.operations import activities
from grants.operations.core import by_id


@api.get("/programmes/<int:programme_id>/activities")
@endpoint(s.Page[s.Activity], query=s.ActivityQuery, errors=(404,))
def activity_list(programme_id: int, query: s.ActivityQuery):
    """The programme's activities in the order they start (anyone logged in)"""
    programme = by_id(Programme, programme_id)
    rows = activities.list_activities(
        programme_id=programme.id, kind=query.kind and query.kind.value,
        stage=query.stage and query.stage.value,
        upcoming_at=utcnow() if query.upcoming else None, after_id=query.cursor,
        limit=page_size() + 1)
    more = len(rows) > page_size()
    rows = rows[:page_size()]
    return {"items": [s.Activity.of(row) for row in rows],
            "next": encode_cursor(rows[-1].activity.id) if more else None}


@api.post("/programmes/<int:programme_id>/activities")
@endpoint(s.Activity, status=201, body=s.ActivityCreate, errors=(403, 404))
def activity_create(programme_id: int, body: dict):
    """Create an activity of the programme (its managers)"""
    activity = activities.create_activity(g.api_user, programme_id, body)
    return s.Activity.of(activities.get_activity(activity.id))


@api.get("/activities/<int:activity_id>")
@endpoint(s.Activity, errors=(404,))
def activity_get(activity_id: int):
    """One activity, with the places left (anyone logged in)"""
    return s.Activity.of(activities.get_activity(activity_id))


@api.patch("/activities/<int:activity_id>")
@endpoint(s.Activity, body=s.ActivityUpdate, errors=(403, 404, 409))
def activity_update(activity_id: int, body: dict):
    """Change an activity (its programme's managers); `version` required"""
    activities.update_activity(g.api_user, activity_id, body)
    return s.Activity.of(activities.get_activity(activity_id))


@api.post("/activities/<int:activity_id>/cancel")
@endpoint(s.Activity, body=s.ActivityCancel, errors=(403, 404, 409))
def activity_cancel(activity_id: int, body: dict):
    """Cancel an activity with a reason; the registered startups are told (managers)"""
    activities.cancel_activity(g.api_user, activity_id, body)
    return s.Activity.of(activities.get_activity(activity_id))


@api.post("/activities/<int:activity_id>/registrations")
@endpoint(s.Registration, status=201, body=s.RegistrationCreate, errors=(404, 409))
def registration_create(activity_id: int, body: dict):
    """Register a funded project of the caller's startup (409 when full or already in)"""
    return activities.register(g.api_user, activity_id, body)


@api.get("/activities/<int:activity_id>/registrations")
@endpoint(s.Page[s.Registration], query=s.PageQuery, errors=(404,))
def registration_list(activity_id: int, query: s.PageQuery):
    """The registrations the caller may see: their startups' projects; staff: all"""
    rows = activities.registrations(g.api_user, activity_id, after_id=query.cursor,
                                    limit=page_size() + 1)
    more = len(rows) > page_size()
    rows = rows[:page_size()]
    return {"items": [row.registration for row in rows],
            "next": encode_cursor(rows[-1].registration.id) if more else None}


@api.delete("/activities/<int:activity_id>/registrations/<int:registration_id>")
@endpoint(s.Registration, errors=(403, 404, 409))
def registration_cancel(activity_id: int, registration_id: int):
    """Cancel the registration before the activity starts (the startup's members)"""
    return activities.cancel_registration(g.api_user, activity_id, registration_id)


@api.put("/activities/<int:activity_id>/registrations/<int:registration_id>/attendance")
@endpoint(s.Registration, body=s.AttendanceInput, errors=(403, 404, 409))
def registration_attendance(activity_id: int, registration_id: int, body: dict):
    """Record whether the project attended and its outcome (managers)"""
    return activities.record_attendance(g.api_user, activity_id, registration_id, body)


@api.get("/showcase")
@endpoint(s.Page[s.ShowcaseProject], query=s.ShowcaseQuery, public=True)
def showcase(query: s.ShowcaseQuery):
    """The public showcase: supported projects whose startups opted in (no token needed)"""
    rows = activities.showcase(query.programme_id, after_id=query.cursor,
                               limit=page_size() + 1)
    more = len(rows) > page_size()
    rows = rows[:page_size()]
    return {"items": [{"id": r.project.id, "title": r.project.title, "field": r.project.field,
                       "organization": r.project.organization.name, "stages": r.stages,
                       "description": r.project.showcase_description,
                       "description_en": r.project.showcase_description_en} for r in rows],
            "next": encode_cursor(rows[-1].project.id) if more else None}


@api.put("/projects/<int:project_id>/showcase")
@endpoint(s.ShowcaseInput, body=s.ShowcaseInput, errors=(404,))
def showcase_set(project_id: int, body: dict):
    """Put a project of the caller's startup on the public showcase, or take it off"""
    project = activities.set_showcase(g.api_user, project_id, body)
    return {"showcase": project.showcase, "description": project.showcase_description,
            "description_en": project.showcase_description_en}
