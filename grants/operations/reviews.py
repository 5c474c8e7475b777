"""Reviews: assigning reviewers (by hand and automatically), their declaration of conflict of
interest, scoring against the call's rubric, who may read which review, and the ranking.

The application's workflow names two guards and one effect built here (`review_quorum_assigned`,
`review_quorum_submitted`, `cancel_open_assignments`); they are registered on the
applications' `hooks`. Assignments and reviews are not workflow entities: their operations
follow the same order (load, permission, validation, write, audit, outbox, commit).
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask_babel import gettext as _
from sqlalchemy import Float, and_, case, cast, func, or_, select, update
from sqlalchemy.orm import joinedload

from grants import audit, outbox
from grants.extensions import db
from grants.inputs import MAX_ID
from grants.models import (
    Actor,
    Application,
    Call,
    Membership,
    Notification,
    Organization,
    Project,
    Role,
    RoleGrant,
    User,
    utcnow,
)
from grants.models.reviews import (
    NO_CONFLICT,
    RECOMMENDATIONS,
    RECUSED,
    UNDECLARED,
    Review,
    ReviewAssignment,
)
from grants.operations import calls, declarations
from grants.operations.applications import KIND, hooks, reference, reference_of
from grants.operations.core import Validator, by_id, transaction
from grants.operations.errors import Conflict, Forbidden, Invalid, NotFound
from grants.operations.workflow import Context, load
from grants.permissions.rules import MANAGING

ASSIGNMENT = "review_assignment"  # the audit's entity_type of an assignment
REVIEW = "review"
MAX_PER_APPLICATION = 20
MAX_COMMENT = 10_000
SUBMIT = "submit"  # the review body's flag that submits it (BRIEF section 7)
Z_MIN_REVIEWS = 3  # a reviewer's z-score is shown once they submitted this many in the call


# --- who may do what ----------------------------------------------------------------------


def can_manage(actor: Actor, call: Call) -> bool:
    """Managers (and admins) of the call's programme assign reviewers and reopen reviews."""
    return any(actor.has_role(role, call.programme_id) for role in MANAGING)


def _managed_call(actor: Actor, call_id: Any) -> Call:
    """A call the actor manages; others learn nothing about it beyond that calls are public."""
    call = by_id(Call, call_id)
    if not can_manage(actor, call):
        raise Forbidden(_("Only the programme's managers assign reviewers."))
    return call


def _reviewable_states(call: Call) -> frozenset[str]:
    """The states in which an application takes reviewers: those the actions guarded by the
    review quorums leave from (the definitions say which, not the code)."""
    definition = calls.definition(call)
    return frozenset(state for action in definition.actions
                     if {"review_quorum_assigned", "review_quorum_submitted"} & set(action.guards)
                     for state in action.sources)


def reviewers_of(call: Call):
    """The statement of the active users holding the reviewer role for the call's programme."""
    return (select(User).join(RoleGrant, RoleGrant.user_id == User.id)
            .where(RoleGrant.role == Role.REVIEWER.value, User.active.is_(True),
                   or_(RoleGrant.programme_id.is_(None),
                       RoleGrant.programme_id == call.programme_id))
            .distinct().order_by(User.id))


def _is_member(user_id: int, organization_id: int) -> bool:
    return db.session.get(Membership, {"organization_id": organization_id,
                                       "user_id": user_id}) is not None


# --- assignment ------------------------------------------------------------------------------


def _mail(assignment: ReviewAssignment, message: str) -> None:
    application = assignment.application
    _send(assignment.reviewer, message, assignment, application.call, application.project.title,
          reference(application))


def _send(reviewer: User, message: str, assignment: ReviewAssignment, call: Call, title: str,
          application_reference: str) -> None:
    """A mail to the reviewer about their assignment, through the outbox."""
    outbox.enqueue(reviewer, message, {
        "application_id": assignment.application_id, "title": title,
        "reference": application_reference, "call_title": call.title,
        "review_deadline": audit.to_json_value(call.review_deadline),
        "url": f"/review/assignments/{assignment.id}" if assignment.active else "/review",
    }, entity_type=ASSIGNMENT, entity_id=assignment.id)


def _record(actor: Actor, assignment: ReviewAssignment, action: str, role: str,
            payload: dict[str, Any] | None = None, reason: str | None = None) -> None:
    audit.record(actor=actor, role=role, entity_type=ASSIGNMENT, entity_id=assignment.id,
                 action=action, payload={"application_id": assignment.application_id,
                                         "reviewer_id": assignment.reviewer_id} | (payload or {}),
                 reason=reason, parent=(KIND.name, assignment.application_id))


def _managed_application(actor: Actor, application_id: Any) -> tuple[Application, str]:
    """The application (locked), if the actor sees it; 403 unless they manage its call."""
    application, roles = load(KIND, actor, application_id, lock=True)
    role = next((r for r in MANAGING if r in roles), None)
    if role is None:
        raise Forbidden(_("Only the programme's managers assign reviewers."))
    return application, role


def assign(actor: Actor, application_id: Any, data: Any) -> ReviewAssignment:
    """Assign one reviewer of the programme to an application (a manager)."""
    v = Validator(data)
    reviewer_id = v.integer("reviewer_id", minimum=1, maximum=MAX_ID)
    v.check()
    with transaction():
        application, role = _managed_application(actor, application_id)
        call = application.call
        if application.state not in _reviewable_states(call):
            raise Conflict(_("Reviewers are assigned while the application awaits review."))
        reviewer = db.session.scalar(reviewers_of(call).where(User.id == reviewer_id))
        if reviewer is None:
            raise Invalid(_("Some fields are not valid."),
                          {"reviewer_id": _("Not a reviewer of this programme.")})
        if _is_member(reviewer.id, application.project.organization_id):
            raise Invalid(_("Some fields are not valid."), {"reviewer_id": _(
                "This reviewer is a member of the applicant organization.")})
        assignment = db.session.scalar(select(ReviewAssignment).where(
            ReviewAssignment.application_id == application.id,
            ReviewAssignment.reviewer_id == reviewer.id).with_for_update())
        if assignment is not None and assignment.recused:
            raise Conflict(_("This reviewer recused themselves from this application."))
        if assignment is not None and assignment.active:
            raise Conflict(_("This reviewer is already assigned to this application."))
        if assignment is None:
            assignment = ReviewAssignment(application=application, call_id=call.id,
                                          reviewer=reviewer)
            db.session.add(assignment)
        assignment.assigned_by_id, assignment.assigned_at = actor.id, utcnow()
        assignment.declaration, assignment.declared_at = UNDECLARED, None
        assignment.cancelled_at = None
        db.session.flush()
        _record(actor, assignment, "assign", role)
        _mail(assignment, "review_assigned")
    return assignment


def unassign(actor: Actor, application_id: Any, assignment_id: Any) -> ReviewAssignment:
    """Remove a reviewer from an application (a manager); a submitted review stays."""
    with transaction():
        application, role = _managed_application(actor, application_id)
        assignment = _assignment_of(application.id, assignment_id)
        if not assignment.active:
            raise Conflict(_("This reviewer is no longer assigned."))
        if assignment.review is not None and assignment.review.submitted_at is not None:
            raise Conflict(_("This reviewer has submitted their review; it cannot be removed."))
        assignment.cancelled_at = utcnow()
        _record(actor, assignment, "unassign", role)
        _mail(assignment, "review_unassigned")
    return assignment


def _assignment_of(application_id: int, assignment_id: Any) -> ReviewAssignment:
    if not isinstance(assignment_id, int) or not 1 <= assignment_id <= MAX_ID:
        raise NotFound(_("Not found."))
    assignment = db.session.scalar(select(ReviewAssignment).where(
        ReviewAssignment.id == assignment_id,
        ReviewAssignment.application_id == application_id).with_for_update())
    if assignment is None:
        raise NotFound(_("Not found."))
    return assignment


@dataclass
class Load:
    reviewer: User
    assigned: int  # active, not recused assignments in the call
    done: int  # of which the review is submitted


def loads(call: Call) -> list[Load]:
    """Every reviewer of the call's programme with their current load in the call."""
    counted = (select(
        ReviewAssignment.reviewer_id,
        func.count().label("assigned"),
        func.count(Review.submitted_at).label("done"))
        .outerjoin(Review, Review.assignment_id == ReviewAssignment.id)
        .where(ReviewAssignment.call_id == call.id, ReviewAssignment.cancelled_at.is_(None),
               ReviewAssignment.declaration != RECUSED)
        .group_by(ReviewAssignment.reviewer_id).subquery())
    rows = db.session.execute(
        select(User, func.coalesce(counted.c.assigned, 0), func.coalesce(counted.c.done, 0))
        .where(User.id.in_(reviewers_of(call).with_only_columns(User.id)))
        .outerjoin(counted, counted.c.reviewer_id == User.id).order_by(User.id))
    return [Load(user, assigned, done) for user, assigned, done in rows]


@dataclass
class Gap:
    application_id: int
    title: str
    reviewers: int  # active, not recused
    recused: int


def gaps(call: Call, *, limit: int = 50) -> list[Gap]:
    """Applications of the call awaiting review with fewer reviewers than its quorum (a
    recusal leaves such a gap), fewest first."""
    active = func.count(case((and_(ReviewAssignment.cancelled_at.is_(None),
                                   ReviewAssignment.declaration != RECUSED), 1)))
    recused = func.count(case((ReviewAssignment.declaration == RECUSED, 1)))
    rows = db.session.execute(
        select(Application.id, Project.title, active, recused)
        .join(Project, Project.id == Application.project_id)
        .outerjoin(ReviewAssignment, ReviewAssignment.application_id == Application.id)
        .where(Application.call_id == call.id,
               Application.state.in_(sorted(_reviewable_states(call))))
        .group_by(Application.id, Project.title)
        .having(active < call.review_quorum)
        .order_by(active, Application.id).limit(limit))
    return [Gap(*row) for row in rows]


def auto_assign(actor: Actor, call_id: Any, data: Any) -> list[ReviewAssignment]:
    """Give every application of the call awaiting review `per_application` reviewers, the
    least loaded first, so no reviewer has more than one above another when the exclusions
    allow it: never a member of the applicant organization, never a pair that recused, never
    twice the same pair. The most constrained applications are served first."""
    v = Validator(data)
    per_application = v.integer("per_application", minimum=1, maximum=MAX_PER_APPLICATION)
    v.check()
    with transaction():
        call = _managed_call(actor, call_id)
        role = next(r for r in MANAGING if actor.has_role(r, call.programme_id))
        db.session.scalar(select(Call.id).where(Call.id == call.id).with_for_update())
        current = loads(call)
        reviewers = [load.reviewer for load in current]
        load_of = {load.reviewer.id: load.assigned for load in current}
        if not reviewers:
            raise Conflict(_("The programme has no reviewers."))
        states = _reviewable_states(call)
        apps = db.session.execute(
            select(Application.id, Project.organization_id)
            .join(Project, Project.id == Application.project_id)
            .where(Application.call_id == call.id, Application.state.in_(sorted(states)))
            .order_by(Application.id)).all()
        taken: dict[int, set[int]] = defaultdict(set)  # application -> reviewers never again
        active: dict[int, int] = defaultdict(int)
        for application_id, reviewer_id, cancelled, declaration in db.session.execute(
                select(ReviewAssignment.application_id, ReviewAssignment.reviewer_id,
                       ReviewAssignment.cancelled_at, ReviewAssignment.declaration)
                .where(ReviewAssignment.call_id == call.id)):
            if cancelled is None or declaration == RECUSED:
                taken[application_id].add(reviewer_id)
            if cancelled is None and declaration != RECUSED:
                active[application_id] += 1
        members: dict[int, set[int]] = defaultdict(set)
        for organization_id, user_id in db.session.execute(
                select(Membership.organization_id, Membership.user_id)
                .where(Membership.user_id.in_([r.id for r in reviewers]))):
            members[organization_id].add(user_id)
        ids = {r.id for r in reviewers}

        def excluded(application_id: int, organization_id: int) -> set[int]:
            return (taken[application_id] | members[organization_id]) & ids

        needed = [(app_id, org_id) for app_id, org_id in apps
                  if active[app_id] < per_application]
        needed.sort(key=lambda row: (-len(excluded(*row)), row[0]))
        chosen: list[tuple[int, int]] = []
        for application_id, organization_id in needed:
            banned = excluded(application_id, organization_id)
            pool = sorted((r for r in ids if r not in banned), key=lambda r: (load_of[r], r))
            for reviewer_id in pool[:per_application - active[application_id]]:
                load_of[reviewer_id] += 1
                chosen.append((application_id, reviewer_id))
        return _create_assignments(actor, role, call, chosen)


def _create_assignments(actor: Actor, role: str, call: Call,
                        chosen: list[tuple[int, int]]) -> list[ReviewAssignment]:
    """Write the chosen pairs (reactivating a removed one), one audit event and one mail each."""
    if not chosen:
        return []
    now = utcnow()
    existing = {(a.application_id, a.reviewer_id): a for a in db.session.scalars(
        select(ReviewAssignment).where(ReviewAssignment.call_id == call.id,
                                       ReviewAssignment.cancelled_at.is_not(None)))}
    made = []
    for application_id, reviewer_id in chosen:
        assignment = existing.get((application_id, reviewer_id))
        if assignment is None:
            assignment = ReviewAssignment(application_id=application_id, call_id=call.id,
                                          reviewer_id=reviewer_id)
            db.session.add(assignment)
        assignment.assigned_by_id, assignment.assigned_at = actor.id, now
        assignment.declaration, assignment.declared_at, assignment.cancelled_at = \
            UNDECLARED, None, None
        made.append(assignment)
    db.session.flush()
    audit.append([{
        "occurred_at": now, "actor_id": actor.id, "actor_role": role,
        "entity_type": ASSIGNMENT, "entity_id": a.id, "action": "assign",
        "from_state": None, "to_state": None,
        "payload": {"application_id": a.application_id, "reviewer_id": a.reviewer_id,
                    "auto": True},
        "reason": None, "request_id": None, "parent_type": KIND.name,
        "parent_id": a.application_id} for a in made])
    projects = {row.id: row for row in db.session.execute(
        select(Application.id, Application.created_at, Project.title)
        .join(Project, Project.id == Application.project_id)
        .where(Application.id.in_({a.application_id for a in made})))}
    users = {u.id: u for u in db.session.scalars(
        select(User).where(User.id.in_({a.reviewer_id for a in made})))}
    for a in made:
        row = projects[a.application_id]
        _send(users[a.reviewer_id], "review_assigned", a, call, row.title,
              reference_of(row.id, row.created_at))
    return made


def set_review_deadline(actor: Actor, call_id: Any, data: Any) -> Call:
    """A manager sets (or clears, with an empty value) the date reviewers should finish by:
    one of the call's settings (`calls.update_call`), set from the ranking page too."""
    value = data.get("review_deadline") if isinstance(data, dict) else None
    return calls.update_call(actor, call_id, {"review_deadline": value or None})


REMIND_BEFORE = timedelta(days=2)


def remind_reviewers(now: datetime | None = None) -> int:
    """Mail every reviewer whose review is still open when their call's review deadline is at
    most two days away (once per assignment); returns how many mails were queued. For
    `flask outbox remind`, run by the product itself."""
    now = now or utcnow()
    with transaction():
        reminded = select(Notification.entity_id).where(
            Notification.message == "review_reminder", Notification.entity_type == ASSIGNMENT)
        due = db.session.scalars(
            select(ReviewAssignment)
            .join(Call, Call.id == ReviewAssignment.call_id)
            .outerjoin(Review, Review.assignment_id == ReviewAssignment.id)
            .where(Call.review_deadline > now, Call.review_deadline <= now + REMIND_BEFORE,
                   ReviewAssignment.cancelled_at.is_(None),
                   ReviewAssignment.declaration != RECUSED, Review.submitted_at.is_(None),
                   ReviewAssignment.id.not_in(reminded))
            .options(joinedload(ReviewAssignment.reviewer),
                     joinedload(ReviewAssignment.application).joinedload(Application.call),
                     joinedload(ReviewAssignment.application).joinedload(Application.project))
            .order_by(ReviewAssignment.id)).unique().all()
        for assignment in due:
            _mail(assignment, "review_reminder")
    return len(due)


def assignments_of_application(actor: Actor, application_id: Any) -> list[ReviewAssignment]:
    """The application's assignments, removed ones too (a manager's view)."""
    application, roles = load(KIND, actor, application_id)
    if not set(MANAGING + (Role.AUDITOR.value,)) & roles:
        raise Forbidden(_("Only the programme's staff see who reviews an application."))
    return list(db.session.scalars(
        select(ReviewAssignment).where(ReviewAssignment.application_id == application.id)
        .options(joinedload(ReviewAssignment.reviewer), joinedload(ReviewAssignment.review))
        .order_by(ReviewAssignment.id)))


# --- the reviewer's side -------------------------------------------------------------------


def my_assignment(actor: Actor, assignment_id: Any, *, lock: bool = False) -> ReviewAssignment:
    """One of the actor's own assignments; anyone else's is not found."""
    if not isinstance(assignment_id, int) or isinstance(assignment_id, bool) \
            or not 1 <= assignment_id <= MAX_ID:
        raise NotFound(_("Not found."))
    statement = (select(ReviewAssignment)
                 .where(ReviewAssignment.id == assignment_id,
                        ReviewAssignment.reviewer_id == actor.id)
                 .options(joinedload(ReviewAssignment.application, innerjoin=True)
                          .joinedload(Application.call, innerjoin=True),
                          joinedload(ReviewAssignment.application, innerjoin=True)
                          .joinedload(Application.project, innerjoin=True),
                          joinedload(ReviewAssignment.review)))
    if lock:
        statement = statement.with_for_update(of=ReviewAssignment).execution_options(
            populate_existing=True)
    assignment = db.session.scalar(statement)
    if assignment is None:
        raise NotFound(_("Not found."))
    return assignment


def declare(actor: Actor, assignment_id: Any, data: Any) -> ReviewAssignment:
    """`{conflict: false}` unlocks the application's content; `{conflict: true, reason}`
    recuses (the application then needs another reviewer): the rule of
    grants/operations/declarations.py."""
    conflict, reason = declarations.parse(data)
    with transaction():
        assignment = my_assignment(actor, assignment_id, lock=True)
        action = declarations.declare(assignment, conflict, reason)
        _record(actor, assignment, action, Role.REVIEWER.value, reason=reason)
    return assignment


def list_my_assignments(actor: Actor, *, before_id: int | None = None,
                        limit: int = 50) -> list[ReviewAssignment]:
    """The reviewer's queue: their active assignments, newest first, keyset-paginated."""
    statement = (select(ReviewAssignment)
                 .where(ReviewAssignment.reviewer_id == actor.id,
                        ReviewAssignment.cancelled_at.is_(None))
                 .options(joinedload(ReviewAssignment.application, innerjoin=True)
                          .joinedload(Application.call, innerjoin=True)
                          .load_only(Call.id, Call.title, Call.review_deadline,
                                     Call.blind_review, Call.programme_id),
                          joinedload(ReviewAssignment.application, innerjoin=True)
                          .joinedload(Application.project, innerjoin=True),
                          joinedload(ReviewAssignment.review))
                 .order_by(ReviewAssignment.id.desc()).limit(limit))
    if before_id is not None:
        statement = statement.where(ReviewAssignment.id < before_id)
    return list(db.session.scalars(statement))


def progress(actor: Actor) -> dict[str, int]:
    """How many of the reviewer's active assignments are done (submitted or recused)."""
    row = db.session.execute(
        select(func.count(), func.count(Review.submitted_at),
               func.count(case((ReviewAssignment.declaration == RECUSED, 1))))
        .select_from(ReviewAssignment)
        .outerjoin(Review, Review.assignment_id == ReviewAssignment.id)
        .where(ReviewAssignment.reviewer_id == actor.id,
               ReviewAssignment.cancelled_at.is_(None))).one()
    return {"assigned": row[0], "done": row[1], "recused": row[2]}


# --- scoring ---------------------------------------------------------------------------------


def weighted_score(criteria: list[dict[str, Any]], scores: dict[str, int]) -> float:
    """The weighted sum normalised to 0–100: Σ weight·score/max ÷ Σ weight × 100."""
    total = sum(c["weight"] for c in criteria)
    return round(100 * sum(c["weight"] * scores[c["key"]] / c["max_score"]
                           for c in criteria) / total, 2)


def _scores(v: Validator, criteria: list[dict[str, Any]], scores: Any,
            complete: bool) -> dict[str, int]:
    if scores is None:
        scores = {}
    if not isinstance(scores, dict):
        v.fail("scores", _("Must be an object of scores by criterion."))
        return {}
    by_key = {c["key"]: c for c in criteria}
    clean: dict[str, int] = {}
    for key, value in scores.items():
        criterion = by_key.get(key)
        if criterion is None:
            v.fail(f"scores.{key}", _("Not a criterion of this call."))
            continue
        if value is None or value == "":
            continue
        if isinstance(value, bool) or not isinstance(value, int) \
                or not 0 <= value <= criterion["max_score"]:
            v.fail(f"scores.{key}", _("Must be a whole number from %(lo)s to %(hi)s.",
                                      lo=0, hi=criterion["max_score"]))
            continue
        clean[key] = value
    if complete:
        for key in by_key:
            if key not in clean and f"scores.{key}" not in v.errors:
                v.fail(f"scores.{key}", _("Score every criterion before submitting."))
    return clean


def save_review(actor: Actor, assignment_id: Any, data: Any) -> Review:
    """Save the reviewer's draft, or submit it (`submit: true`), which locks it."""
    v = Validator(data)
    submit = v.boolean(SUBMIT)
    comment = v.text("comment", required=False, max_length=MAX_COMMENT, default="") or ""
    recommendation = v.choice("recommendation", RECOMMENDATIONS, required=submit,
                              labels=recommendation_labels())
    with transaction():
        assignment = my_assignment(actor, assignment_id, lock=True)
        if not assignment.active:
            raise Conflict(_("This assignment was removed."))
        if assignment.declaration != NO_CONFLICT:
            raise Conflict(_("Declare that you have no conflict of interest before scoring."))
        review = assignment.review
        if review is not None and review.submitted_at is not None:
            raise Conflict(_("This review was submitted and is locked."))
        criteria = assignment.application.call.rubric["criteria"]
        scores = _scores(v, criteria, data.get("scores"), submit)
        v.check()
        if review is None:
            review = Review(assignment=assignment, scores={}, comment="", version=1)
            db.session.add(review)
        else:
            review.version += 1
        review.scores = {c["key"]: scores[c["key"]] for c in criteria if c["key"] in scores}
        review.comment = comment
        review.recommendation = recommendation
        complete = len(review.scores) == len(criteria)
        review.score = weighted_score(criteria, review.scores) if complete else None
        review.updated_at = utcnow()
        if submit:
            review.submitted_at = review.updated_at
        db.session.flush()
        audit.record(actor=actor, role=Role.REVIEWER.value, entity_type=REVIEW,
                     entity_id=review.id, action="submit_review" if submit else "save_review",
                     payload={"assignment_id": assignment.id, "scores": review.scores,
                              "score": review.score, "comment": comment,
                              "recommendation": recommendation},
                     parent=(KIND.name, assignment.application_id))
    return review


def reopen(actor: Actor, assignment_id: Any, data: Any) -> Review:
    """A manager reopens a submitted review, with a reason: the reviewer may change it again."""
    v = Validator(data)
    reason = v.text("reason", max_length=2000)
    v.check()
    with transaction():
        if not isinstance(assignment_id, int) or not 1 <= assignment_id <= MAX_ID:
            raise NotFound(_("Not found."))
        assignment = db.session.get(ReviewAssignment, assignment_id)
        if assignment is None:
            raise NotFound(_("Not found."))
        application, role = _managed_application(actor, assignment.application_id)
        review = assignment.review
        if review is None or review.submitted_at is None:
            raise Conflict(_("Only a submitted review can be reopened."))
        review.submitted_at = None
        review.reopened_at, review.reopen_reason = utcnow(), reason
        review.version += 1
        audit.record(actor=actor, role=role, entity_type=REVIEW, entity_id=review.id,
                     action="reopen", payload={"assignment_id": assignment.id},
                     reason=reason, parent=(KIND.name, application.id))
    return review


def recommendation_labels() -> dict[str, str]:
    return {"yes": _("Fund it"), "maybe": _("Perhaps"), "no": _("Do not fund")}


# --- visibility ------------------------------------------------------------------------------


@dataclass
class Visible:
    """A review as the reader may see it: `reviewer` is None when its author is hidden."""

    review: Review
    assignment: ReviewAssignment
    reviewer: User | None
    mine: bool


def reviews_of(actor: Actor, application_id: Any) -> list[Visible]:
    """The reviews of an application as the visibility rules allow: staff of the programme
    read every review with its author; a reviewer reads their own, and the others' submitted
    ones (without names) only once they have submitted theirs; applicants read none (403)."""
    application, roles = load(KIND, actor, application_id)
    staff = bool(set(MANAGING + (Role.AUDITOR.value,)) & roles)
    reviewing = Role.REVIEWER.value in roles
    if not staff and not reviewing:
        raise Forbidden(_("Reviews are not shown to applicants."))
    rows = db.session.execute(
        select(Review, ReviewAssignment)
        .join(ReviewAssignment, ReviewAssignment.id == Review.assignment_id)
        .where(ReviewAssignment.application_id == application.id)
        .options(joinedload(ReviewAssignment.reviewer))
        .order_by(ReviewAssignment.id)).all()
    if staff:
        return [Visible(r, a, a.reviewer, a.reviewer_id == actor.id) for r, a in rows]
    own = next((r for r, a in rows if a.reviewer_id == actor.id), None)
    done = own is not None and own.submitted_at is not None
    return [Visible(r, a, a.reviewer if a.reviewer_id == actor.id else None,
                    a.reviewer_id == actor.id)
            for r, a in rows
            if a.reviewer_id == actor.id or (done and r.submitted_at is not None)]


def comments_shared(application: Application) -> bool:
    """Whether the applicant reads the reviews' comments now: once decided, where the call
    shares them."""
    return application.call.share_review_comments and application.state in \
        calls.definition(application.call).tagged("decided")


def shared_comments(actor: Actor, application_id: Any) -> list[str]:
    """The reviews' comments as the startup reads them once decided, where the call shares
    them: the submitted reviews' comments in the order the reviewers were assigned, without
    names, scores or recommendations. 403 before then, or to anyone but the applicant (staff
    and reviewers read the reviews themselves, as `reviews_of` allows)."""
    application, roles = load(KIND, actor, application_id)
    if Role.APPLICANT.value not in roles:
        raise Forbidden(_("The comments are shared with the applicant."))
    if not comments_shared(application):
        raise Forbidden(_("The reviewers' comments are shared once the decision is made, "
                          "where the call shares them."))
    return list(db.session.scalars(
        select(Review.comment)
        .join(ReviewAssignment, ReviewAssignment.id == Review.assignment_id)
        .where(ReviewAssignment.application_id == application.id,
               Review.submitted_at.is_not(None), Review.comment != "")
        .order_by(ReviewAssignment.id)))


@dataclass
class ScoreSummary:
    reviews: int
    mean: float | None
    passes: bool | None  # against the call's pass threshold; None without reviews


def score_summary(application: Application) -> ScoreSummary:
    """The submitted reviews' count and mean score, beside the decision (one statement)."""
    count, mean = db.session.execute(
        select(func.count(Review.id), func.avg(Review.score))
        .join(ReviewAssignment, ReviewAssignment.id == Review.assignment_id)
        .where(ReviewAssignment.application_id == application.id,
               ReviewAssignment.cancelled_at.is_(None), Review.submitted_at.is_not(None))).one()
    threshold = application.call.rubric.get("pass_threshold")
    mean = None if mean is None else round(float(mean), 1)
    return ScoreSummary(count, mean, None if mean is None or threshold is None
                        else mean >= threshold)


# --- the workflow's guards and effect --------------------------------------------------------


def _active_count(application_id: int, *, submitted: bool) -> int:
    statement = (select(func.count()).select_from(ReviewAssignment)
                 .where(ReviewAssignment.application_id == application_id,
                        ReviewAssignment.cancelled_at.is_(None),
                        ReviewAssignment.declaration != RECUSED))
    if submitted:
        statement = statement.join(Review, Review.assignment_id == ReviewAssignment.id).where(
            Review.submitted_at.is_not(None))
    return db.session.scalar(statement)


@hooks.guard
def review_quorum_assigned(ctx: Context) -> list[str]:
    quorum = ctx.entity.call.review_quorum
    have = _active_count(ctx.entity.id, submitted=False)
    if have < quorum:
        return [_("%(quorum)d reviewers are needed (not recused); %(have)d are assigned.",
                  quorum=quorum, have=have)]
    return []


@hooks.guard
def review_quorum_submitted(ctx: Context) -> list[str]:
    quorum = ctx.entity.call.review_quorum
    have = _active_count(ctx.entity.id, submitted=True)
    if have < quorum:
        return [_("%(quorum)d submitted reviews are needed; %(have)d are in.",
                  quorum=quorum, have=have)]
    return []


@hooks.effect
def cancel_open_assignments(ctx: Context) -> None:
    """Closing the review ends the assignments whose review was not submitted, audited."""
    open_ids = list(db.session.scalars(
        select(ReviewAssignment.id)
        .outerjoin(Review, Review.assignment_id == ReviewAssignment.id)
        .where(ReviewAssignment.application_id == ctx.entity.id,
               ReviewAssignment.cancelled_at.is_(None), Review.submitted_at.is_(None))))
    if not open_ids:
        return
    db.session.execute(update(ReviewAssignment).where(ReviewAssignment.id.in_(open_ids))
                       .values(cancelled_at=ctx.now))
    role = sorted(ctx.roles & set(MANAGING))[0] if ctx.roles & set(MANAGING) else None
    for assignment_id in open_ids:
        audit.record(actor=ctx.actor, role=role, entity_type=ASSIGNMENT,
                     entity_id=assignment_id, action="cancel",
                     payload={"application_id": ctx.entity.id},
                     parent=(KIND.name, ctx.entity.id))


# --- ranking ---------------------------------------------------------------------------------

SORTS = ("mean", "spread", "z", "reviews", "id")
_FLOOR = -1.0e9  # sorts a missing z-score below every real one


@dataclass
class RankRow:
    application_id: int
    title: str
    state: str
    reviews: int
    mean: float
    spread: float
    disagreement: bool
    z: float | None  # mean of the z-scores of its reviewers with enough reviews
    passed: bool
    scores: list[float]
    key: float  # the exact value sorted by: the next page's cursor




def _ranking_query(call: Call):
    """Per application of the call with a submitted review: the count, mean and spread of the
    reviews' scores and the mean of the per-reviewer z-scores, in one SQL statement (window
    functions over the call's submitted reviews)."""
    by_reviewer = {"partition_by": ReviewAssignment.reviewer_id}
    scored = (select(
        ReviewAssignment.application_id.label("application_id"),
        Review.score.label("score"),
        func.count().over(**by_reviewer).label("n"),
        func.avg(Review.score).over(**by_reviewer).label("m"),
        func.avg(Review.score * Review.score).over(**by_reviewer).label("m2"))
        .join(Review, Review.assignment_id == ReviewAssignment.id)
        .where(ReviewAssignment.call_id == call.id, Review.submitted_at.is_not(None))
        .cte("scored"))
    # the reviewer's sample variance: n/(n−1) · (mean of squares − square of mean)
    variance = scored.c.n * (scored.c.m2 - scored.c.m * scored.c.m) / (scored.c.n - 1)
    z = case(
        (scored.c.n < Z_MIN_REVIEWS, None),
        (variance <= 1e-9, 0.0),
        else_=(scored.c.score - scored.c.m) / func.sqrt(variance))
    zs = select(scored.c.application_id, scored.c.score, cast(z, Float).label("z")).subquery("zs")
    per = (select(
        zs.c.application_id,
        func.count().label("reviews"),
        func.avg(zs.c.score).label("mean"),
        (func.max(zs.c.score) - func.min(zs.c.score)).label("spread"),
        func.avg(zs.c.z).label("z"))
        .group_by(zs.c.application_id).subquery("per"))
    return per


def ranking(actor: Actor, call_id: Any, *, sort: str = "mean", descending: bool = True,
            after: tuple[float, int] | None = None, limit: int | None = 50) -> list[RankRow]:
    """One page of the call's ranking (staff of the programme), sorted by `sort`, then by id;
    keyset-paginated: `after` is the (sort value, application id) of the last row seen
    (`limit` None: every row, for the downloads)."""
    call = by_id(Call, call_id)
    if not _sees_ranking(actor, call):
        raise Forbidden(_("Only the programme's staff see the ranking."))
    if sort not in SORTS:
        raise Invalid(_("Some fields are not valid."),
                      {"sort": _("Must be one of: %(choices)s.", choices=", ".join(SORTS))})
    per = _ranking_query(call)
    key = {"mean": per.c.mean, "spread": per.c.spread, "reviews": per.c.reviews,
           "z": func.coalesce(per.c.z, _FLOOR), "id": per.c.application_id}[sort]
    statement = (select(per, Application.state, Project.title, key.label("key"))
                 .join(Application, Application.id == per.c.application_id)
                 .join(Project, Project.id == Application.project_id))
    if descending:
        statement = statement.order_by(key.desc(), per.c.application_id.desc())
    else:
        statement = statement.order_by(key.asc(), per.c.application_id.asc())
    if after is not None:
        value, last_id = after
        if descending:
            statement = statement.where(or_(key < value,
                                            and_(key == value, per.c.application_id < last_id)))
        else:
            statement = statement.where(or_(key > value,
                                            and_(key == value, per.c.application_id > last_id)))
    rows = db.session.execute(statement.limit(limit)).all()
    scores: dict[int, list[float]] = defaultdict(list)
    if rows:
        for application_id, value in db.session.execute(
                select(ReviewAssignment.application_id, Review.score)
                .join(Review, Review.assignment_id == ReviewAssignment.id)
                .where(ReviewAssignment.call_id == call.id if limit is None else
                       ReviewAssignment.application_id.in_([r.application_id for r in rows]),
                       Review.submitted_at.is_not(None))
                .order_by(ReviewAssignment.application_id, Review.score.desc())):
            scores[application_id].append(value)
    threshold = call.rubric["pass_threshold"]
    return [RankRow(
        application_id=r.application_id, title=r.title, state=r.state, reviews=r.reviews,
        mean=round(r.mean, 2), spread=round(r.spread, 2),
        disagreement=r.spread > call.disagreement_limit,
        z=None if r.z is None else round(r.z, 3), passed=r.mean >= threshold,
        scores=scores[r.application_id], key=r.key) for r in rows]


def _sees_ranking(actor: Actor, call: Call) -> bool:
    return any(actor.has_role(role, call.programme_id)
               for role in MANAGING + (Role.AUDITOR.value,))



# --- what a reviewer's page shows ------------------------------------------------------------

MAX_TEAM = 50


@dataclass
class ReviewerView:
    """What a reviewer may see of an assigned application: the project always; the applicant's
    name only when the call is not blind; the content and the team only after declaring no
    conflict (the team never in a blind call)."""

    assignment: ReviewAssignment
    application: Application
    organization_name: str | None
    team: list[User]
    unlocked: bool


def reviewer_view(actor: Actor, assignment_id: Any) -> ReviewerView:
    assignment = my_assignment(actor, assignment_id)
    application = assignment.application
    blind = application.call.blind_review
    organization_name, team = None, []
    if not blind:
        organization_name = db.session.scalar(select(Organization.name).where(
            Organization.id == application.project.organization_id))
        if assignment.unlocked:
            team = list(db.session.scalars(
                select(User).join(Membership, Membership.user_id == User.id)
                .where(Membership.organization_id == application.project.organization_id)
                .order_by(User.id).limit(MAX_TEAM)))
    return ReviewerView(assignment, application, organization_name, team, assignment.unlocked)


def ranking_rows(actor: Actor, call_id: Any, *, sort: str = "mean",
                 descending: bool = True) -> list[RankRow]:
    """Every row of the ranking (for the downloads): computed once, in two statements."""
    return ranking(actor, call_id, sort=sort, descending=descending, limit=None)
