"""Mentors and experts (BRIEF section 10): the network of mentors (their profiles), managers'
matches of a mentor to a project, the mentor's declaration of conflict of interest with the
project's organization (the reviewers' rule: grants/operations/declarations.py), and the
mentoring sessions the mentor logs for the startup and the programme's staff to read.

Every write follows the one path's order in its own transaction: load (the match's row locked),
permission, validation, write, one audit event (a match's and a session's carry the project or
the match as parent), outbox, commit.

A mentor is matched by a manager of a programme in which the project was funded (an
application of it in a call of that programme whose state its definition tags
`commits_budget`), and must hold the mentor role in that programme.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import String, and_, bindparam, cast, func, or_, select
from sqlalchemy.orm import joinedload

from grants import audit, labels, outbox, permissions
from grants.extensions import db
from grants.inputs import MAX_ID
from grants.models import (
    FIELDS,
    ActivityRegistration,
    Actor,
    Application,
    Call,
    Membership,
    MentoringSession,
    MentorProfile,
    Mentorship,
    Project,
    RoleGrant,
    User,
    utcnow,
)
from grants.models.declarations import RECUSED
from grants.models.mentors import LANGUAGES
from grants.operations import declarations, projects
from grants.operations.activities import funded
from grants.operations.core import LOCAL, Validator, transaction
from grants.operations.errors import Conflict, Forbidden, Invalid, NotFound
from grants.permissions.activities import roles_on_registrations
from grants.permissions.mentors import (
    MENTOR,
    can_match,
    can_read_network,
    is_mentor,
    roles_on_mentorships,
)
from grants.permissions.rules import MANAGING, STAFF_ROLES, programmes_where

MENTORSHIP = "mentorship"  # the audit's entity_type of a match
SESSION = "mentoring_session"
PROFILE = "mentor_profile"
MAX_BIO = 5000
MAX_NOTES = 10_000

# the active members of one startup (the readers of its sessions)
MEMBERS = (select(User.id).join(Membership, Membership.user_id == User.id)
           .where(Membership.organization_id == bindparam("organization_id"),
                  User.active.is_(True)))


def _number(value: Any) -> int:
    """An id from a URL or a body, or NotFound."""
    if not isinstance(value, int) or isinstance(value, bool) or not 1 <= value <= MAX_ID:
        raise NotFound(_("Not found."))
    return value


# --- the network -----------------------------------------------------------------------------


def _codes(v: Validator, name: str, allowed: tuple[str, ...], label) -> list[str] | None:
    """A non-empty list of known codes, in the catalogue's order."""
    value = v.data.get(name)
    if not isinstance(value, list) or not value or len(value) > len(allowed) \
            or any(not isinstance(code, str) or code not in allowed for code in value):
        listed = ", ".join(f"{code} ({label(code)})" for code in allowed)
        v.fail(name, _("Choose at least one of: %(choices)s.", choices=listed))
        return None
    return [code for code in allowed if code in value]


def profile_of(user_id: int) -> MentorProfile | None:
    return db.session.get(MentorProfile, user_id)


def save_profile(actor: Actor, data: Any) -> MentorProfile:
    """A mentor writes what they offer: fields of expertise, languages, availability, a short
    biography. Audited with what changed."""
    v = Validator(data)
    with transaction():
        if not isinstance(actor, User) or not is_mentor(actor):
            raise Forbidden(_("Only mentors have a mentor's profile."))
        after = {
            "expertise": _codes(v, "expertise", FIELDS, labels.field),
            "languages": _codes(v, "languages", LANGUAGES, labels.language),
            "availability": v.text("availability", max_length=500),
            "bio": v.text("bio", required=False, max_length=MAX_BIO, default=""),
        }
        v.check()
        profile = db.session.get(MentorProfile, actor.id, with_for_update=True)
        if profile is None:
            profile = MentorProfile(user_id=actor.id, version=0, expertise=[], languages=[],
                                    availability="", bio="")
            db.session.add(profile)
        before = {name: getattr(profile, name) for name in after}
        changes = {name: [before[name], after[name]] for name in after
                   if before[name] != after[name]}
        if not changes:
            return profile
        for name, value in after.items():
            setattr(profile, name, value)
        profile.version += 1
        profile.updated_at = utcnow()
        db.session.flush()
        audit.record(actor=actor, role=MENTOR, entity_type=PROFILE, entity_id=actor.id,
                     action="update_profile", payload={"changes": changes})
    return profile


@dataclass
class Listed:
    """A mentor of the network, their profile (None until written) and their active matches."""

    mentor: User
    profile: MentorProfile | None
    matches: int


def _network_scope(actor: Actor):
    """The SQL condition on RoleGrant that a mentor's grant is in the actor's programmes."""
    programmes: set[int | None] = set()
    for role in STAFF_ROLES:
        programmes |= programmes_where(actor, role)
    if None in programmes:
        return RoleGrant.role == MENTOR
    return and_(RoleGrant.role == MENTOR, or_(RoleGrant.programme_id.is_(None),
                                              RoleGrant.programme_id.in_(sorted(programmes))))


def list_mentors(actor: Actor, *, field: str | None = None, language: str | None = None,
                 programme_id: int | None = None, after_id: int | None = None,
                 limit: int = 50) -> list[Listed]:
    """The active mentors of the actor's programmes (the programmes' staff), by id after
    `after_id`, with their profiles and active matches, filtered by a field of expertise, a
    language or a programme; one statement."""
    if not isinstance(actor, User) or not can_read_network(actor):
        raise Forbidden(_("Only the programmes' staff read the mentors' network."))
    # driven from the mentors' grants (index on role, user_id), not from every user
    granted = select(RoleGrant.user_id).where(_network_scope(actor))
    if programme_id is not None:
        granted = granted.where(or_(RoleGrant.programme_id.is_(None),
                                    RoleGrant.programme_id == programme_id))
    matches = (select(func.count(Mentorship.id))
               .where(Mentorship.mentor_id == User.id, Mentorship.ended_at.is_(None),
                      Mentorship.declaration != RECUSED)
               .correlate(User).scalar_subquery())
    statement = (select(User, MentorProfile, matches)
                 .outerjoin(MentorProfile, MentorProfile.user_id == User.id)
                 .where(User.active.is_(True), User.id.in_(granted)))
    # the codes are JSON lists: match the quoted code in their text
    if field in FIELDS:
        statement = statement.where(cast(MentorProfile.expertise, String).contains(f'"{field}"'))
    if language in LANGUAGES:
        statement = statement.where(
            cast(MentorProfile.languages, String).contains(f'"{language}"'))
    if after_id is not None:
        statement = statement.where(User.id > after_id)
    rows = db.session.execute(statement.order_by(User.id).limit(limit)).all()
    return [Listed(user, profile, int(n)) for user, profile, n in rows]


def active_matches(mentor: User) -> int:
    return db.session.scalar(select(func.count(Mentorship.id)).where(
        Mentorship.mentor_id == mentor.id, Mentorship.ended_at.is_(None),
        Mentorship.declaration != RECUSED))


# --- matching --------------------------------------------------------------------------------


def _funded_in(project_id: int) -> set[int]:
    """The programmes in which the project was funded."""
    return set(db.session.scalars(
        select(Call.programme_id).join(Application, Application.call_id == Call.id)
        .where(Application.project_id == project_id, funded()).distinct()))


def match(actor: Actor, project_id: Any, data: Any) -> Mentorship:
    """Match a mentor to a project (a manager of a programme the project was funded in); the
    mentor is mailed to declare any conflict of interest with the project's organization."""
    v = Validator(data)
    mentor_id = v.integer("mentor_id", minimum=1, maximum=MAX_ID)
    wanted = v.integer("programme_id", required=False, minimum=1, maximum=MAX_ID)
    with transaction():
        project = db.session.get(Project, _number(project_id))
        if project is None:
            raise NotFound(_("Not found."))
        managed = {p for p in _funded_in(project.id) if can_match(actor, p)}
        if not any(g.role in MANAGING for g in getattr(actor, "grants", ())):
            raise Forbidden(_("Only the programme's managers match mentors to projects."))
        if not managed:
            projects.path(actor, project.id)  # one they cannot see is not found (404)
            raise Conflict(_("The project was not funded in a programme you manage."))
        if wanted is not None and wanted not in managed:
            v.fail("programme_id", _("The project was not funded in this programme, or you "
                                     "do not manage it."))
        v.check()
        programme_id = wanted or min(managed)
        mentor = db.session.get(User, mentor_id)
        if mentor is None or not mentor.active or not mentor.has_role(MENTOR, programme_id):
            raise Invalid(_("Some fields are not valid."), {
                "mentor_id": _("Not a mentor of this programme.")})
        conflicted = db.session.scalar(
            select(Mentorship.id).join(Project, Project.id == Mentorship.project_id)
            .where(Mentorship.mentor_id == mentor.id, Mentorship.declaration == RECUSED,
                   Project.organization_id == project.organization_id).limit(1))
        if conflicted is not None:
            raise Conflict(_("This mentor declared a conflict of interest with the project's "
                             "organization."))
        mentorship = db.session.scalar(
            select(Mentorship).where(Mentorship.project_id == project.id,
                                     Mentorship.mentor_id == mentor.id).with_for_update())
        if mentorship is not None and mentorship.active:
            raise Conflict(_("This mentor is already matched to the project."))
        if mentorship is None:
            mentorship = Mentorship(project_id=project.id, mentor_id=mentor.id)
            db.session.add(mentorship)
        mentorship.programme_id, mentorship.matched_by_id = programme_id, actor.id
        mentorship.matched_at, mentorship.ended_at = utcnow(), None
        db.session.flush()
        role = next(r for r in MANAGING if actor.has_role(r, programme_id))
        audit.record(actor=actor, role=role, entity_type=MENTORSHIP, entity_id=mentorship.id,
                     action="match", payload={"project_id": project.id, "mentor_id": mentor.id,
                                              "programme_id": programme_id},
                     parent=("project", project.id))
        outbox.enqueue(mentor, "mentor_matched", {
            "project_title": project.title, "organization": project.organization.name,
            "url": f"/mentorships/{mentorship.id}"},
            entity_type=MENTORSHIP, entity_id=mentorship.id)
    return mentorship


def get(actor: Actor, mentorship_id: Any, *, lock: bool = False
        ) -> tuple[Mentorship, frozenset[str]]:
    """The match and the actor's roles on it; NotFound when they hold none."""
    roles = roles_on_mentorships(actor)
    statement = (select(Mentorship, *permissions.role_columns(roles))
                 .where(Mentorship.id == _number(mentorship_id))
                 .options(joinedload(Mentorship.project, innerjoin=True)
                          .joinedload(Project.organization, innerjoin=True),
                          joinedload(Mentorship.mentor, innerjoin=True)))
    if lock:
        statement = statement.with_for_update(of=Mentorship).execution_options(
            populate_existing=True)
    row = db.session.execute(statement, {"actor_id": actor.id}).one_or_none()
    held = permissions.held(roles, row[1:]) if row else frozenset()
    if not held:
        raise NotFound(_("Not found."))
    return row[0], held


def end(actor: Actor, mentorship_id: Any, data: Any) -> Mentorship:
    """A manager ends a match, with a reason; the sessions logged stay."""
    v = Validator(data)
    with transaction():
        mentorship, roles = get(actor, mentorship_id, lock=True)
        role = next((r for r in MANAGING if r in roles), None)
        if role is None:
            raise Forbidden(_("Only the programme's managers end a match."))
        reason = v.text("reason", max_length=2000)
        v.check()
        if not mentorship.active:
            raise Conflict(_("This match has already ended."))
        mentorship.ended_at = utcnow()
        audit.record(actor=actor, role=role, entity_type=MENTORSHIP, entity_id=mentorship.id,
                     action="end", reason=reason, payload={"project_id": mentorship.project_id},
                     parent=("project", mentorship.project_id))
    return mentorship


def declare(actor: Actor, mentorship_id: Any, data: Any) -> Mentorship:
    """The mentor declares whether they have a conflict of interest with the project's
    organization: no conflict opens the project to them; a conflict recuses them for good."""
    conflict, reason = declarations.parse(data)
    with transaction():
        mentorship, roles = get(actor, mentorship_id, lock=True)
        if MENTOR not in roles:
            raise Forbidden(_("Only the mentor matched declares."))
        action = declarations.declare(mentorship, conflict, reason)
        audit.record(actor=actor, role=MENTOR, entity_type=MENTORSHIP, entity_id=mentorship.id,
                     action=action, reason=reason, payload={"project_id": mentorship.project_id},
                     parent=("project", mentorship.project_id))
    return mentorship


# --- sessions --------------------------------------------------------------------------------


def log_session(actor: Actor, mentorship_id: Any, data: Any) -> MentoringSession:
    """The mentor logs a session held with the startup: its day (in Ho Chi Minh City, not in
    the future nor before the match), topic and notes; the startup's members are mailed."""
    v = Validator(data)
    with transaction():
        mentorship, roles = get(actor, mentorship_id, lock=True)
        if MENTOR not in roles:
            raise Forbidden(_("Only the mentor matched logs sessions."))
        if not mentorship.active:
            raise Conflict(_("This match has ended."))
        if not mentorship.unlocked:
            raise Conflict(_("Declare that you have no conflict of interest first."))
        held_on = v.day("held_on")
        topic = v.text("topic", max_length=300)
        notes = v.text("notes", max_length=MAX_NOTES)
        today = datetime.now(LOCAL).date()
        matched_on = mentorship.matched_at.astimezone(LOCAL).date()
        if held_on and held_on > today:
            v.fail("held_on", _("Log a session once it was held: not in the future."))
        elif held_on and held_on < matched_on:
            v.fail("held_on", _("The mentor was matched on %(day)s: a session cannot be "
                                "earlier.", day=matched_on.isoformat()))
        v.check()
        session = MentoringSession(mentorship_id=mentorship.id, held_on=held_on, topic=topic,
                                   notes=notes, logged_by_id=actor.id)
        db.session.add(session)
        db.session.flush()
        audit.record(actor=actor, role=MENTOR, entity_type=SESSION, entity_id=session.id,
                     action="log_session",
                     payload={"project_id": mentorship.project_id, "topic": topic,
                              "held_on": held_on.isoformat()},
                     parent=(MENTORSHIP, mentorship.id))
        project = mentorship.project
        outbox.enqueue_to(MEMBERS, "mentoring_session_logged", {
            "project_title": project.title, "mentor": mentorship.mentor.name, "topic": topic,
            "held_on": held_on.isoformat(), "url": f"/mentorships/{mentorship.id}"},
            params={"organization_id": project.organization_id}, entity_type=SESSION,
            entity_id=session.id)
    return session


def sessions(actor: Actor, mentorship_id: Any, *, after_id: int | None = None,
             limit: int = 50) -> list[MentoringSession]:
    """The match's sessions, for whoever reads the match (the mentor, the startup once
    cleared, the programme's staff), by id after `after_id`."""
    mentorship, _roles = get(actor, mentorship_id)
    statement = (select(MentoringSession).where(MentoringSession.mentorship_id == mentorship.id)
                 .order_by(MentoringSession.id).limit(limit))
    if after_id is not None:
        statement = statement.where(MentoringSession.id > after_id)
    return list(db.session.scalars(statement))


@dataclass
class Match:
    mentorship: Mentorship
    roles: frozenset[str]


def mentorships(actor: Actor, *, project_id: int | None = None, after_id: int | None = None,
                limit: int = 50) -> list[Match]:
    """The matches the actor may see (theirs as mentor, their startups' once cleared, their
    programmes' as staff), by id after `after_id`; one statement."""
    roles = roles_on_mentorships(actor)
    statement = (select(Mentorship, *permissions.role_columns(roles))
                 .where(permissions.visible(roles))
                 .options(joinedload(Mentorship.project, innerjoin=True)
                          .joinedload(Project.organization, innerjoin=True),
                          joinedload(Mentorship.mentor, innerjoin=True))
                 .order_by(Mentorship.id).limit(limit))
    if project_id is not None:
        statement = statement.where(Mentorship.project_id == project_id)
    if after_id is not None:
        statement = statement.where(Mentorship.id > after_id)
    rows = db.session.execute(statement, {"actor_id": actor.id}).all()
    return [Match(row[0], permissions.held(roles, row[1:])) for row in rows]


def mentors_to_match(actor: Actor, project_id: int, limit: int = 100) -> list[Listed]:
    """The mentors a manager may match to the project (for the project page's form): those of
    the network not matched to it now, their expertise in the project's field first."""
    project = db.session.get(Project, project_id)
    if project is None or not any(can_match(actor, p) for p in _funded_in(project.id)):
        return []
    current = set(db.session.scalars(select(Mentorship.mentor_id).where(
        Mentorship.project_id == project.id, Mentorship.ended_at.is_(None))))
    listed = [m for m in list_mentors(actor, limit=limit) if m.mentor.id not in current]
    return sorted(listed, key=lambda m: (project.field not in (m.profile.expertise
                                                               if m.profile else []),
                                         m.mentor.name))


# --- the project's support: its activities, mentors and sessions -----------------------------


@dataclass
class Support:
    registrations: list[ActivityRegistration]
    matches: list[Match]
    sessions: dict[int, list[MentoringSession]]  # by mentorship id, newest first


def project_support(actor: Actor, project_id: int, limit: int = 50) -> Support:
    """What the project's page shows beside its grants: the activities it registered for (to
    its startup and staff), its mentors and their sessions (to whoever reads each match);
    three statements."""
    roles = roles_on_registrations(actor)
    registrations = list(db.session.scalars(
        select(ActivityRegistration)
        .where(ActivityRegistration.project_id == project_id, permissions.visible(roles),
               ActivityRegistration.cancelled_at.is_(None))
        .options(joinedload(ActivityRegistration.activity, innerjoin=True))
        .order_by(ActivityRegistration.id.desc()).limit(limit),
        {"actor_id": actor.id}))
    matches = mentorships(actor, project_id=project_id, limit=limit)
    shown = [m.mentorship.id for m in matches if m.mentorship.declaration != RECUSED]
    by_match: dict[int, list[MentoringSession]] = {i: [] for i in shown}
    if shown:
        for session in db.session.scalars(
                select(MentoringSession).where(MentoringSession.mentorship_id.in_(shown))
                .order_by(MentoringSession.held_on.desc(), MentoringSession.id.desc())
                .limit(limit)):
            by_match[session.mentorship_id].append(session)
    return Support(registrations, matches, by_match)

