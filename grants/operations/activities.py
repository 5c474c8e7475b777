"""Support activities (BRIEF section 10): training classes, connection events and exhibitions
of a programme; startups register their funded projects for them; managers record attendance
and outcomes; the public showcase of supported projects whose owners opted in.

Every write follows the one path's order in its own transaction: load (the activity's row
locked where the capacity or the registrations depend on it), permission, validation, write,
one audit event (a registration's carries its activity as parent), outbox, commit.

A project may register when it was funded at one of the activity's stages: it has an
application in a call of that stage whose state its definition tags `commits_budget`.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import String, and_, bindparam, case, cast, false, func, or_, select, update
from sqlalchemy.orm import joinedload

from grants import audit, labels, outbox, permissions
from grants.extensions import db
from grants.inputs import MAX_ID, identifier
from grants.models import (
    Activity,
    ActivityRegistration,
    Actor,
    Application,
    Call,
    Membership,
    Programme,
    Project,
    Role,
    Stage,
    User,
    utcnow,
)
from grants.models.activities import KINDS, OUTCOMES
from grants.operations.core import Validator, by_id, check_version, transaction
from grants.operations.errors import Conflict, Forbidden, Invalid, NotFound
from grants.operations.workflow import workflows
from grants.permissions.activities import (
    MANAGING,
    MEMBER,
    can_read_registrations,
    roles_on_registrations,
)

ACTIVITY = "activity"  # the audit's entity_type of an activity
REGISTRATION = "activity_registration"
STAGES = [stage.value for stage in Stage]
MAX_CAPACITY = 100_000
MAX_DESCRIPTION = 10_000
MAX_SHOWCASE = 500
REMIND_BEFORE = timedelta(days=1)
# what changes for the people registered: a change of these mails them
NOTIFIED_CHANGES = ("starts_at", "ends_at", "place")
FIELDS = ("kind", "title", "description", "starts_at", "ends_at", "place", "capacity",
          "registration_closes_at", "stages", "organiser")

# the active members of the startups with an active registration for the activity
REGISTERED_MEMBERS = (
    select(User.id).join(Membership, Membership.user_id == User.id)
    .join(Project, Project.organization_id == Membership.organization_id)
    .join(ActivityRegistration, ActivityRegistration.project_id == Project.id)
    .where(ActivityRegistration.activity_id == bindparam("activity_id"),
           ActivityRegistration.cancelled_at.is_(None), User.active.is_(True)))
# the active members of one startup
MEMBERS = (select(User.id).join(Membership, Membership.user_id == User.id)
           .where(Membership.organization_id == bindparam("organization_id"),
                  User.active.is_(True)))


def kind_labels() -> dict[str, str]:
    return {"training": _("Training class"), "connection": _("Connection event"),
            "exhibition": _("Exhibition")}


def outcome_labels() -> dict[str, str]:
    return {"lead": _("A customer lead"), "pilot_partner": _("A signed pilot partner"),
            "investor_meeting": _("An investor meeting"), "other": _("Other")}


# --- who was funded ------------------------------------------------------------------------


def funded():
    """The SQL condition on Application (joined with its Call) that it was funded: its state is
    tagged `commits_budget` in the definition its call pinned."""
    conditions = [
        and_(Call.workflow_name == definition.name,
             Call.workflow_version == definition.version,
             Application.state.in_(sorted(definition.tagged("commits_budget"))))
        for definition in workflows().registry.all()
        if definition.entity == "application" and definition.tagged("commits_budget")]
    return or_(*conditions) if conditions else false()


def funded_stages(project_ids: list[int]) -> dict[int, set[str]]:
    """For each project, the stages at which it was funded (one statement)."""
    if not project_ids:
        return {}
    rows = db.session.execute(
        select(Application.project_id, Call.stage).join(Call, Call.id == Application.call_id)
        .where(Application.project_id.in_(project_ids), funded()).distinct()).all()
    stages: dict[int, set[str]] = {}
    for project_id, stage in rows:
        stages.setdefault(project_id, set()).add(stage)
    return stages


# --- reading activities ----------------------------------------------------------------------


def _registered_count():
    return (select(func.count(ActivityRegistration.id))
            .where(ActivityRegistration.activity_id == Activity.id,
                   ActivityRegistration.cancelled_at.is_(None))
            .correlate(Activity).scalar_subquery())


@dataclass
class Listed:
    activity: Activity
    registered: int

    @property
    def places_left(self) -> int:
        return max(self.activity.capacity - self.registered, 0)


def list_activities(*, programme_id: int | None = None, kind: str | None = None,
                    stage: str | None = None, upcoming_at: datetime | None = None,
                    after_id: int | None = None, limit: int = 20) -> list[Listed]:
    """Activities in the order they start (then by id), after the activity `after_id`; with
    `upcoming_at`, only those not over at that time. One statement, with the places taken."""
    statement = (select(Activity, _registered_count().label("registered"))
                 .options(joinedload(Activity.programme, innerjoin=True)))
    if programme_id is not None:
        statement = statement.where(Activity.programme_id == programme_id)
    if kind in KINDS:
        statement = statement.where(Activity.kind == kind)
    if stage in STAGES:  # the stages are a JSON list: match the quoted name in its text
        statement = statement.where(cast(Activity.stages, String).contains(f'"{stage}"'))
    if upcoming_at is not None:
        statement = statement.where(Activity.ends_at > upcoming_at,
                                    Activity.cancelled_at.is_(None))
    if after_id is not None:
        after = select(Activity.starts_at).where(Activity.id == after_id).scalar_subquery()
        statement = statement.where(or_(Activity.starts_at > after,
                                        and_(Activity.starts_at == after,
                                             Activity.id > after_id)))
    rows = db.session.execute(
        statement.order_by(Activity.starts_at, Activity.id).limit(limit)).all()
    return [Listed(activity, registered) for activity, registered in rows]


def get_activity(activity_id: Any) -> Listed:
    """One activity with its places taken (anyone logged in reads activities)."""
    if not isinstance(activity_id, int) or isinstance(activity_id, bool) \
            or not 1 <= activity_id <= MAX_ID:
        raise NotFound(_("Not found."))
    row = db.session.execute(
        select(Activity, _registered_count()).where(Activity.id == activity_id)
        .options(joinedload(Activity.programme, innerjoin=True))).one_or_none()
    if row is None:
        raise NotFound(_("Not found."))
    return Listed(*row)


def _locked(activity_id: Any) -> Activity:
    if not isinstance(activity_id, int) or isinstance(activity_id, bool) \
            or not 1 <= activity_id <= MAX_ID:
        raise NotFound(_("Not found."))
    activity = db.session.scalar(
        select(Activity).where(Activity.id == activity_id).with_for_update()
        .execution_options(populate_existing=True))
    if activity is None:
        raise NotFound(_("Not found."))
    return activity


def _managing_role(actor: Actor, programme_id: int) -> str:
    role = next((r for r in MANAGING if actor.has_role(r, programme_id)), None)
    if role is None:
        raise Forbidden(_("Only the programme's managers change its activities."))
    return role


# --- creating, editing, cancelling -----------------------------------------------------------


def _settings(v: Validator) -> dict[str, Any]:
    data = v.data
    settings = {
        "kind": v.choice("kind", KINDS, labels=kind_labels()),
        "title": v.text("title"),
        "description": v.text("description", required=False, max_length=MAX_DESCRIPTION,
                              default=""),
        "starts_at": v.moment("starts_at"),
        "ends_at": v.moment("ends_at"),
        "place": v.text("place", max_length=500),
        "capacity": v.integer("capacity", minimum=1, maximum=MAX_CAPACITY),
        "registration_closes_at": v.moment("registration_closes_at"),
        "stages": None,
        "organiser": v.text("organiser", required=False, default=""),
    }
    stages = data.get("stages")
    if not isinstance(stages, list) or not stages or len(stages) > len(STAGES) \
            or any(s not in STAGES for s in stages):
        listed = ", ".join(f"{s} ({labels.stage(s)})" for s in STAGES)
        v.fail("stages", _("Choose at least one stage: %(stages)s.", stages=listed))
    else:
        settings["stages"] = [s for s in STAGES if s in stages]
    starts, ends = settings["starts_at"], settings["ends_at"]
    closes = settings["registration_closes_at"]
    if starts and ends and ends <= starts:
        v.fail("ends_at", _("Must be after the start."))
    if starts and closes and closes > starts:
        v.fail("registration_closes_at", _("Registration must close by the start."))
    return settings


def _local_text(moment: datetime) -> str:
    return audit.to_json_value(moment)


def create_activity(actor: Actor, programme_id: Any, data: Any) -> Activity:
    """A new activity of the programme (its managers and admins)."""
    v = Validator(data)
    with transaction():
        programme = by_id(Programme, programme_id)
        role = _managing_role(actor, programme.id)
        settings = _settings(v)
        if settings["starts_at"] and settings["starts_at"] <= utcnow():
            v.fail("starts_at", _("Must be in the future."))
        v.check()
        activity = Activity(programme_id=programme.id, version=1, created_by_id=actor.id,
                            **settings)
        db.session.add(activity)
        db.session.flush()
        audit.record(actor=actor, role=role, entity_type=ACTIVITY, entity_id=activity.id,
                     action="create", payload={"programme_id": programme.id} | settings)
    return activity


def _as_data(activity: Activity) -> dict[str, Any]:
    values = {name: getattr(activity, name) for name in FIELDS}
    for name in ("starts_at", "ends_at", "registration_closes_at"):
        values[name] = values[name].isoformat()
    return values


def update_activity(actor: Actor, activity_id: Any, data: Any) -> Activity:
    """Change an activity (only the fields sent, with the `version` read). A change of its time
    or place mails the members of every registered project."""
    if not isinstance(data, dict):
        raise Invalid(_("The request body must be a JSON object."))
    with transaction():
        activity = _locked(activity_id)
        role = _managing_role(actor, activity.programme_id)
        check_version(activity, data.get("version"))
        if activity.cancelled:
            raise Conflict(_("This activity was cancelled; it cannot change any more."))
        before = _as_data(activity)
        v = Validator(before | {k: data[k] for k in FIELDS if k in data})
        after = _settings(v)
        if after["capacity"] is not None:
            taken = db.session.scalar(select(func.count(ActivityRegistration.id)).where(
                ActivityRegistration.activity_id == activity.id,
                ActivityRegistration.cancelled_at.is_(None)))
            if after["capacity"] < taken:
                v.fail("capacity", _("%(n)d projects are registered: the capacity cannot be "
                                     "lower.", n=taken))
        v.check()
        current = {name: getattr(activity, name) for name in FIELDS}
        changes = {name: [current[name], after[name]] for name in FIELDS
                   if after[name] != current[name]}
        if not changes:
            return activity
        for name, (_old, new) in changes.items():
            setattr(activity, name, new)
        activity.version += 1
        audit.record(actor=actor, role=role, entity_type=ACTIVITY, entity_id=activity.id,
                     action="update", payload={"changes": changes})
        if set(changes) & set(NOTIFIED_CHANGES):
            _mail_registered(activity, "activity_changed")
    return activity


def cancel_activity(actor: Actor, activity_id: Any, data: Any) -> Activity:
    """Cancel an activity, with a reason; the registered projects' members are told."""
    v = Validator(data)
    with transaction():
        activity = _locked(activity_id)
        role = _managing_role(actor, activity.programme_id)
        check_version(activity, data.get("version"))
        if activity.cancelled:
            raise Conflict(_("This activity was already cancelled."))
        reason = v.text("reason", max_length=MAX_DESCRIPTION)
        v.check()
        activity.cancelled_at, activity.cancel_reason = utcnow(), reason
        activity.version += 1
        audit.record(actor=actor, role=role, entity_type=ACTIVITY, entity_id=activity.id,
                     action="cancel", reason=reason)
        _mail_registered(activity, "activity_cancelled", reason=reason)
    return activity


def _context(activity: Activity, **extra: Any) -> dict[str, Any]:
    return {"activity_id": activity.id, "title": activity.title, "kind": activity.kind,
            "starts_at": _local_text(activity.starts_at),
            "ends_at": _local_text(activity.ends_at), "place": activity.place,
            "url": f"/activities/{activity.id}"} | extra


def _mail_registered(activity: Activity, message: str, **extra: Any) -> None:
    outbox.enqueue_to(REGISTERED_MEMBERS, message, _context(activity, **extra),
                      params={"activity_id": activity.id}, entity_type=ACTIVITY,
                      entity_id=activity.id)


# --- registrations ---------------------------------------------------------------------------


def _own_project(actor: Actor, project_id: Any) -> Project:
    """A project of one of the actor's startups; any other is not found."""
    number = identifier(project_id)
    if number is None or isinstance(project_id, bool):
        raise NotFound(_("Not found."))
    project = db.session.scalar(
        select(Project).join(Membership, Membership.organization_id == Project.organization_id)
        .where(Project.id == number, Membership.user_id == actor.id))
    if project is None:
        raise NotFound(_("Not found."))
    return project


def register(actor: Actor, activity_id: Any, data: Any) -> ActivityRegistration:
    """Register a project of the actor's startup, funded at one of the activity's stages,
    before registration closes and within the capacity. The activity's row is locked first, so
    registrations take turns: two racing for the last place cannot both have it."""
    v = Validator(data)
    now = utcnow()
    with transaction():
        activity = _locked(activity_id)
        project = _own_project(actor, v.data.get("project_id"))
        if activity.cancelled:
            raise Conflict(_("This activity was cancelled."))
        if now >= activity.registration_closes_at:
            raise Invalid(_("Registration closed on %(when)s.",
                            when=format_datetime(activity.registration_closes_at)),
                          {"project_id": _("Registration is closed.")})
        stages = funded_stages([project.id]).get(project.id, set())
        if not stages & set(activity.stages):
            wanted = ", ".join(labels.stage(s) for s in activity.stages)
            message = _("“%(project)s” was not funded at a stage this activity is for "
                        "(%(stages)s).", project=project.title, stages=wanted)
            raise Invalid(message, {"project_id": message})
        registration = db.session.scalar(select(ActivityRegistration).where(
            ActivityRegistration.activity_id == activity.id,
            ActivityRegistration.project_id == project.id))
        if registration is not None and registration.active:
            raise Conflict(_("“%(project)s” is already registered.", project=project.title))
        taken = db.session.scalar(select(func.count(ActivityRegistration.id)).where(
            ActivityRegistration.activity_id == activity.id,
            ActivityRegistration.cancelled_at.is_(None)))
        if taken >= activity.capacity:
            raise Conflict(_("This activity is full: all %(n)d places are taken.",
                             n=activity.capacity))
        if registration is None:
            registration = ActivityRegistration(activity_id=activity.id, project_id=project.id)
            db.session.add(registration)
        registration.registered_by_id, registration.registered_at = actor.id, now
        registration.cancelled_at = registration.reminded_at = None
        db.session.flush()
        audit.record(actor=actor, role=Role.APPLICANT.value, entity_type=REGISTRATION,
                     entity_id=registration.id, action="register",
                     payload={"activity_id": activity.id, "project_id": project.id},
                     parent=(ACTIVITY, activity.id))
        outbox.enqueue_to(MEMBERS, "activity_registered",
                          _context(activity, project_title=project.title),
                          params={"organization_id": project.organization_id},
                          entity_type=REGISTRATION, entity_id=registration.id)
    return registration


def _registration(actor: Actor, activity: Activity, registration_id: Any
                  ) -> tuple[ActivityRegistration, frozenset[str]]:
    """The activity's registration and the actor's roles on it; NotFound without any."""
    if not isinstance(registration_id, int) or isinstance(registration_id, bool) \
            or not 1 <= registration_id <= MAX_ID:
        raise NotFound(_("Not found."))
    roles = roles_on_registrations(actor)
    row = db.session.execute(
        select(ActivityRegistration, *permissions.role_columns(roles))
        .where(ActivityRegistration.id == registration_id,
               ActivityRegistration.activity_id == activity.id)
        .options(joinedload(ActivityRegistration.project, innerjoin=True))
        .execution_options(populate_existing=True),
        {"actor_id": actor.id}).one_or_none()
    held = permissions.held(roles, row[1:]) if row else frozenset()
    if not held:
        raise NotFound(_("Not found."))
    return row[0], held


def cancel_registration(actor: Actor, activity_id: Any, registration_id: Any
                        ) -> ActivityRegistration:
    """A member of the startup withdraws its project, before the activity starts."""
    with transaction():
        activity = _locked(activity_id)
        registration, roles = _registration(actor, activity, registration_id)
        if MEMBER not in roles:
            raise Forbidden(_("Only the startup's members cancel its registration."))
        if not registration.active:
            raise Conflict(_("This registration was already cancelled."))
        if utcnow() >= activity.starts_at:
            raise Conflict(_("The activity has started: the registration can no longer be "
                             "cancelled."))
        registration.cancelled_at = utcnow()
        audit.record(actor=actor, role=Role.APPLICANT.value, entity_type=REGISTRATION,
                     entity_id=registration.id, action="cancel_registration",
                     payload={"activity_id": activity.id,
                              "project_id": registration.project_id},
                     parent=(ACTIVITY, activity.id))
    return registration


def record_attendance(actor: Actor, activity_id: Any, registration_id: Any, data: Any
                      ) -> ActivityRegistration:
    """Whether the project attended, and what came of it (managers), audited with what the
    record was before and after."""
    v = Validator(data)
    with transaction():
        activity = _locked(activity_id)
        registration, roles = _registration(actor, activity, registration_id)
        role = next((r for r in MANAGING if r in roles), None)
        if role is None:
            raise Forbidden(_("Only the programme's managers record attendance."))
        if activity.cancelled or not registration.active:
            raise Conflict(_("This registration or its activity was cancelled."))
        if not isinstance(v.data.get("attended"), bool):
            v.fail("attended", _("Must be true or false."))
        attended = v.data.get("attended")
        outcome = v.choice("outcome", OUTCOMES, required=False, labels=outcome_labels())
        note = v.text("outcome_note", required=False, max_length=MAX_DESCRIPTION)
        if attended is False and outcome:
            v.fail("outcome", _("A project that did not attend has no outcome."))
        if note and not outcome:
            v.fail("outcome", _("Choose the kind of outcome the note describes."))
        v.check()
        before = registration.as_data()
        registration.attended, registration.outcome = attended, outcome
        registration.outcome_note = note
        after = registration.as_data()
        if before == after:
            return registration
        registration.recorded_by_id, registration.recorded_at = actor.id, utcnow()
        audit.record(actor=actor, role=role, entity_type=REGISTRATION,
                     entity_id=registration.id, action="record_attendance",
                     payload={"activity_id": activity.id, "project_id": registration.project_id,
                              "before": before, "after": after},
                     parent=(ACTIVITY, activity.id))
    return registration


@dataclass
class Registration:
    registration: ActivityRegistration
    roles: frozenset[str]


def registrations(actor: Actor, activity_id: Any, *, after_id: int | None = None,
                  limit: int = 50) -> list[Registration]:
    """The activity's registrations the actor may see (their startups' projects; staff: all),
    by id, after `after_id`; one statement."""
    activity = get_activity(activity_id).activity
    roles = roles_on_registrations(actor)
    statement = (select(ActivityRegistration, *permissions.role_columns(roles))
                 .where(ActivityRegistration.activity_id == activity.id,
                        permissions.visible(roles))
                 .options(joinedload(ActivityRegistration.project, innerjoin=True)
                          .joinedload(Project.organization, innerjoin=True))
                 .order_by(ActivityRegistration.id).limit(limit))
    if after_id is not None:
        statement = statement.where(ActivityRegistration.id > after_id)
    rows = db.session.execute(statement, {"actor_id": actor.id}).all()
    return [Registration(row[0], permissions.held(roles, row[1:])) for row in rows]


def eligible_projects(actor: Actor, activity: Activity, limit: int = 50) -> list[Project]:
    """The actor's startups' projects funded at one of the activity's stages and not registered
    for it now (for the register form); one statement."""
    if not isinstance(actor, User):
        return []
    registered = select(ActivityRegistration.project_id).where(
        ActivityRegistration.activity_id == activity.id,
        ActivityRegistration.cancelled_at.is_(None))
    was_funded = (select(Application.id).join(Call, Call.id == Application.call_id)
                  .where(Application.project_id == Project.id,
                         Call.stage.in_(activity.stages), funded()).exists())
    return list(db.session.scalars(
        select(Project).join(Membership, Membership.organization_id == Project.organization_id)
        .where(Membership.user_id == actor.id, was_funded, Project.id.not_in(registered))
        .order_by(Project.id).limit(limit)))


# --- reminders -------------------------------------------------------------------------------


def remind_registered(now: datetime | None = None) -> int:
    """Mail the members of every project registered for an activity that starts within a day,
    once: the registrations are claimed by setting `reminded_at` in one UPDATE … RETURNING, so
    a second run (or a second server) finds nothing to claim. Returns the registrations
    reminded. For `flask outbox remind`."""
    now = now or utcnow()
    db.session.commit()  # a transaction of our own: on SQLite it takes the write lock
    with transaction():
        db.session.connection(execution_options={"sqlite_immediate": True})
        due = (select(ActivityRegistration.id)
               .join(Activity, Activity.id == ActivityRegistration.activity_id)
               .where(ActivityRegistration.cancelled_at.is_(None),
                      ActivityRegistration.reminded_at.is_(None),
                      Activity.cancelled_at.is_(None), Activity.starts_at > now,
                      Activity.starts_at <= now + REMIND_BEFORE))
        claimed = sorted(db.session.scalars(
            update(ActivityRegistration).where(ActivityRegistration.id.in_(due),
                                               ActivityRegistration.reminded_at.is_(None))
            .values(reminded_at=now).returning(ActivityRegistration.id)
            .execution_options(synchronize_session=False)).all())
        if not claimed:
            return 0
        rows = db.session.execute(
            select(ActivityRegistration.id, Project.title, Project.organization_id, Activity)
            .join(Project, Project.id == ActivityRegistration.project_id)
            .join(Activity, Activity.id == ActivityRegistration.activity_id)
            .where(ActivityRegistration.id.in_(claimed))
            .order_by(ActivityRegistration.id)).all()
        for registration_id, title, organization_id, activity in rows:
            outbox.enqueue_to(MEMBERS, "activity_reminder",
                              _context(activity, project_title=title),
                              params={"organization_id": organization_id},
                              entity_type=REGISTRATION, entity_id=registration_id)
    return len(claimed)


# --- attendance figures ----------------------------------------------------------------------


@dataclass
class Figures:
    """An activity's figures, or (activity None) the programme's."""

    activity: Activity | None
    registered: int
    attended: int
    outcomes: dict[str, int]


@dataclass
class ProgrammeFigures:
    programme: Programme
    activities: list[Figures]
    by_kind: dict[str, int]  # activities held (not cancelled) per kind
    total: Figures


def figures(actor: Actor, programme_id: Any) -> ProgrammeFigures:
    """Per activity of the programme and for the whole programme: registrations (active),
    attendance and outcomes by kind, in one SQL query (the programme's staff)."""
    programme = by_id(Programme, programme_id)
    if not can_read_registrations(actor, programme.id):
        raise Forbidden(_("Only the programme's staff read its attendance figures."))
    active = ActivityRegistration.cancelled_at.is_(None)

    def count(condition) -> Any:
        return func.coalesce(func.sum(case((and_(active, condition), 1), else_=0)), 0)

    rows = db.session.execute(
        select(Activity, count(ActivityRegistration.id.is_not(None)),
               count(ActivityRegistration.attended.is_(True)),
               *(count(ActivityRegistration.outcome == kind) for kind in OUTCOMES))
        .outerjoin(ActivityRegistration, ActivityRegistration.activity_id == Activity.id)
        .where(Activity.programme_id == programme.id)
        .group_by(Activity.id).order_by(Activity.starts_at, Activity.id)).all()
    items = [Figures(row[0], int(row[1]), int(row[2]),
                     {kind: int(n) for kind, n in zip(OUTCOMES, row[3:], strict=True)})
             for row in rows]
    held = [item for item in items if not item.activity.cancelled]
    by_kind = {kind: sum(1 for item in held if item.activity.kind == kind) for kind in KINDS}
    total = Figures(None, sum(i.registered for i in held), sum(i.attended for i in held),
                    {kind: sum(i.outcomes[kind] for i in held) for kind in OUTCOMES})
    return ProgrammeFigures(programme, items, by_kind, total)


# --- the public showcase ---------------------------------------------------------------------


@dataclass
class Showcased:
    project: Project
    stages: list[str]  # the stages at which it was funded in the programme, in order

    def description(self, locale: str) -> str:
        vi, en = self.project.showcase_description, self.project.showcase_description_en
        return (en or vi) if locale == "en" else (vi or en)


def showcase(programme_id: int | None = None, *, after_id: int | None = None,
             limit: int = 20) -> list[Showcased]:
    """The projects whose owners opted in and that were funded (in the programme, when given),
    by id after `after_id`; two statements whatever the page's size."""
    supported = (select(Application.id).join(Call, Call.id == Application.call_id)
                 .where(Application.project_id == Project.id, funded()))
    if programme_id is not None:
        supported = supported.where(Call.programme_id == programme_id)
    statement = (select(Project).where(Project.showcase.is_(True), supported.exists())
                 .options(joinedload(Project.organization, innerjoin=True))
                 .order_by(Project.id).limit(limit))
    if after_id is not None:
        statement = statement.where(Project.id > after_id)
    projects = list(db.session.scalars(statement))
    if not projects:
        return []
    stages_of: dict[int, set[str]] = {}
    rows = (select(Application.project_id, Call.stage).join(Call, Call.id == Application.call_id)
            .where(Application.project_id.in_([p.id for p in projects]), funded()))
    if programme_id is not None:
        rows = rows.where(Call.programme_id == programme_id)
    for project_id, stage in db.session.execute(rows.distinct()):
        stages_of.setdefault(project_id, set()).add(stage)
    return [Showcased(p, [s for s in STAGES if s in stages_of.get(p.id, set())])
            for p in projects]


def my_projects(actor: Actor, limit: int = 100) -> list[Project]:
    """The projects of the actor's startups (for the showcase form)."""
    return list(db.session.scalars(
        select(Project).join(Membership, Membership.organization_id == Project.organization_id)
        .where(Membership.user_id == actor.id)
        .options(joinedload(Project.organization, innerjoin=True))
        .order_by(Project.id).limit(limit)))


def set_showcase(actor: Actor, project_id: Any, data: Any) -> Project:
    """A member of the startup puts its project on the public showcase (or takes it off), with
    a short public description in Vietnamese and in English."""
    v = Validator(data)
    with transaction():
        project = _own_project(actor, project_id)
        shown = v.boolean("showcase")
        description = v.text("description", required=False, max_length=MAX_SHOWCASE,
                             default="")
        description_en = v.text("description_en", required=False, max_length=MAX_SHOWCASE,
                                default="")
        if shown and not (description or description_en):
            v.fail("description", _("Describe the project for the public in a few words."))
        v.check()
        before = {"showcase": project.showcase, "description": project.showcase_description,
                  "description_en": project.showcase_description_en}
        after = {"showcase": shown, "description": description,
                 "description_en": description_en}
        changes = {k: [before[k], after[k]] for k in before if before[k] != after[k]}
        if not changes:
            return project
        project.showcase, project.showcase_description = shown, description
        project.showcase_description_en = description_en
        audit.record(actor=actor, role=Role.APPLICANT.value, entity_type="project",
                     entity_id=project.id, action="showcase", payload={"changes": changes})
    return project
