"""The JSON shapes of /api/v1 (BRIEF section 7), declared once.

Request models (`…Create`, `…Update`, `ActionRequest`, `…Query`) validate what a client sends;
response models build from ORM objects (`from_attributes`) and serialise what the API answers.
The OpenAPI document is generated from these (grants/api/openapi.py), so it cannot drift.
Amounts are JSON integers (VND); times are ISO 8601 in UTC ("Z") in answers.
"""

from datetime import date, datetime
from enum import StrEnum
from typing import Annotated, Any, Generic, Literal, TypeVar

from pydantic import (
    AliasPath,
    BaseModel,
    ConfigDict,
    Field,
    PlainValidator,
    StrictBool,
    WithJsonSchema,
    computed_field,
    field_validator,
)
from pydantic_core import PydanticCustomError
from werkzeug.datastructures import FileStorage

from grants.api.fields import (
    Cursor,
    Day,
    Id,
    Moment,
    Money,
    SeqCursor,
    Title,
    Version,
    maybe,
    text,
    whole,
)
from grants.inputs import KEY, MAX_ID, MAX_MONEY
from grants.models import FIELDS, Role, Stage
from grants.operations.applications import MAX_ANSWER, reference
from grants.operations.calls import QUESTION_TYPES
from workflow import Definition, to_mermaid
from workflow.definition import PAYLOAD_TYPES
from workflow.payload import MAX_TEXT_LENGTH
from workflow.registry import default_registry

T = TypeVar("T")
_APPLICATION_WORKFLOWS = [d for d in default_registry().all() if d.entity == "application"]

QuestionType = StrEnum("QuestionType", [(name, name) for name in QUESTION_TYPES])
Key = Annotated[str, Field(pattern=KEY.pattern, description="lower-case letters, digits, _")]
ProjectField = StrEnum("ProjectField", [(name, name) for name in FIELDS])
ProjectField.__doc__ = "A priority field of the city's programme."


# States, actions and workflow names come from the definitions the app was started with, which
# a deployment may extend (a v2 renaming a state): the schema checks their form and names the
# shipped ones, so an answer never fails validation because the registry grew.
def _workflow_name(what: str, names: set[str]) -> Any:
    return Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64, description=(
        f"{what}; the shipped workflows have: {', '.join(sorted(names))} (GET /workflows)"))]


ApplicationState = _workflow_name(
    "a state of the application's workflow",
    {s.name for d in _APPLICATION_WORKFLOWS for s in d.states})
ActionName = _workflow_name(
    "an action of the application's workflow",
    {a.name for d in _APPLICATION_WORKFLOWS for a in d.actions})
WorkflowName = _workflow_name("a workflow", {d.name for d in default_registry().all()})


class Schema(BaseModel):
    """Answers always carry every field (null where empty); unknown request keys are ignored."""

    model_config = ConfigDict(from_attributes=True,
                              json_schema_serialization_defaults_required=True)


class _With:
    """An object's attributes plus a few computed ones, for models built from attributes."""

    def __init__(self, obj: Any, **more: Any):
        self.__dict__.update(more)
        self._obj = obj

    def __getattr__(self, name: str) -> Any:
        return getattr(self._obj, name)


# --- errors and lists -------------------------------------------------------------------


class Problem(Schema):
    """RFC 9457 problem details: every error of the API (application/problem+json)."""

    type: str = Field("about:blank", description="always about:blank: `status` says it all")
    status: int = Field(ge=400, le=599)
    title: str = Field(description="the HTTP status in words")
    detail: str = Field(description="what went wrong, in the caller's language")
    errors: dict[str, str] = Field(None, description=(
        "validation: a message per field, by dotted path (`project.title`, "
        "`rubric.criteria.0.weight`)"))
    problems: list[str] = Field(None, description="the unmet conditions of a step")

    model_config = ConfigDict(json_schema_serialization_defaults_required=False)


class Page(Schema, Generic[T]):
    """One page of a list; ask again with `cursor` = `next` until `next` is null."""

    items: list[T]
    next: str | None = Field(description="opaque cursor of the next page; null on the last")


# --- the caller -------------------------------------------------------------------------


class RoleGrant(Schema):
    role: Role
    programme_id: int | None = Field(description="null: the role holds in every programme")


class Me(Schema):
    """The caller and their roles."""

    id: int
    email: str
    name: str
    roles: list[RoleGrant] = Field(validation_alias="grants")


# --- programmes and calls ---------------------------------------------------------------


class Target(Schema):
    stage: Stage
    year: int
    projects: int = Field(ge=0, description="projects to support at this stage that year")


class Programme(Schema):
    """A support programme with its KPI targets."""

    id: int
    title: str
    starts_on: date
    ends_on: date
    targets: list[Target]


class KpiCell(Schema):
    """One stage's figures, for one year or all of them. Money in VND."""

    target: int = Field(ge=0, description="projects the programme aims to support")
    signed: int = Field(ge=0, description="projects counted: their agreement was signed")
    progress: float | None = Field(description="signed / target; null without a target")
    received: int = Field(ge=0, description="applications submitted")
    awards: int = Field(ge=0, description="applications approved with an award")
    pilots: int = Field(ge=0, description="pilots started")
    evaluations_passed: int = Field(ge=0)
    promotions: int = Field(ge=0, description="projects promoted into this stage")
    awarded_amount: int = Field(ge=0, description="VND awarded by the year's approvals")
    released_amount: int = Field(ge=0, description="VND of tranches released in the year")
    paid_amount: int = Field(ge=0, description="VND of tranches paid in the year")


class KpiYear(KpiCell):
    year: int


class KpiStage(Schema):
    stage: Stage
    total: KpiCell
    days_to_decision: float | None = Field(description="mean days from submission to decision")
    years: list[KpiYear]


class Progress(Schema):
    """The programme's KPIs per stage and Ho Chi Minh City year."""

    years: list[int]
    stages: list[KpiStage]
    total: KpiCell


class ProgrammeDetail(Programme):
    progress: Progress | None = Field(description=(
        "the KPIs against the targets; null unless the caller is the programme's staff"))


class Question(Schema):
    """A question of the call's application form."""

    # One schema for requests and answers: `required` may be left out (true).
    model_config = ConfigDict(json_schema_serialization_defaults_required=False)
    key: Key = Field(description="the key of the answer in an application's `answers`")
    label: Title
    type: QuestionType = Field(QuestionType.long_text, description=(
        "what the answer is; a `file` question is answered by uploading a document of "
        "the question's key as its kind"))
    required: StrictBool = True
    choices: list[text(200)] | None = Field(None, description="the options of a `choice` "
                                            "question (2 to 50)", max_length=50)
    help: text(2000, required=False) = ""


class Eligibility(Schema):
    """The call's own eligibility rules, checked before and on submit."""

    max_age_years: maybe(whole(1, 100)) = Field(None, description=(
        "the organization was founded at most this many years before submitting"))
    fields: list[ProjectField] = Field([], description="the project's field must be one of "
                                       "these (empty: any field)")


class Criterion(Schema):
    key: text(40)
    name: text(200)
    weight: whole(1, 100, "relative weight of the criterion")
    max_score: whole(1, 100, "the highest score a reviewer may give")
    guidance: text(2000, required=False) = Field("", description="what reviewers look for")


class Rubric(Schema):
    """How reviewers score the applications of a call."""

    pass_threshold: whole(0, 100, "the weighted score (out of 100) to pass")
    criteria: list[Criterion] = Field(min_length=1)


class WorkflowRef(Schema):
    name: WorkflowName
    version: int = Field(ge=1)


class Call(Schema):
    """A call for applications at one stage; it pins the workflow version it opened with."""

    id: int
    programme_id: int
    stage: Stage
    title: str
    opens_at: datetime
    closes_at: datetime
    budget: int = Field(ge=0, description="VND for all awards of the call")
    cap_per_project: int = Field(ge=0, description="VND: the most one project may be awarded")
    review_quorum: int = Field(ge=1, description="reviews each application needs")
    disagreement_limit: int = Field(ge=0, le=100, description="spread of scores that flags "
                                    "an application for discussion (points out of 100)")
    blind_review: bool = Field(description="reviewers do not see who applies")
    review_deadline: datetime | None = Field(description=(
        "reviewers finish by then; they are reminded two days before"))
    share_review_comments: bool = Field(description=(
        "applicants read the reviews' comments, without names or scores, once decided"))
    duration_months: int = Field(ge=1, description="months of support")
    required_documents: list[str]
    eligibility: Eligibility
    questions: list[Question]
    rubric: Rubric
    workflow_name: str = Field(exclude=True)
    workflow_version: int = Field(exclude=True)

    @computed_field
    @property
    def workflow(self) -> WorkflowRef:
        return WorkflowRef(name=self.workflow_name, version=self.workflow_version)


class CallCreate(Schema):
    """Open a call (a manager of the programme, or an admin)."""

    programme_id: Id
    stage: Stage
    title: Title
    opens_at: Moment
    closes_at: Moment = Field(description="after `opens_at`; same format")
    budget: Money
    cap_per_project: maybe(Money) = Field(None, description=(
        "VND; defaults to the city's cap for the stage (40, 80 or 400 million)"))
    review_quorum: maybe(whole(1, 50)) = Field(None, description="defaults to 3")
    disagreement_limit: maybe(whole(0, 100)) = Field(None, description="defaults to 30")
    blind_review: StrictBool = False
    review_deadline: maybe(Moment) = Field(None, description="in the future; may be set later")
    share_review_comments: StrictBool = False
    duration_months: maybe(whole(1, 60)) = Field(None, description=(
        "defaults to the city's duration for the stage (6, 12 or 12 months)"))
    required_documents: list[Key] | None = Field(None, max_length=100, description=(
        "kinds of documents every application must upload"))
    eligibility: Eligibility | None = None
    questions: list[Question] | None = Field(None, max_length=100)
    rubric: Rubric


class CallQuery(Schema):
    stage: Stage | None = None
    open: bool = Field(False, description="only the calls open now")
    cursor: Cursor | None = None


class CallUpdate(Schema):
    """Change a call's settings (a manager of its programme, or an admin); only the fields
    sent change. Once the call has opened, `stage`, `rubric`, `questions`,
    `required_documents` and `eligibility` are frozen (409); the budget never goes below what
    is already awarded in the call (422)."""

    stage: Stage = None
    title: Title = None
    opens_at: Moment = Field(None, description="once the call has opened, not in the future")
    closes_at: Moment = Field(None, description="after `opens_at`")
    budget: Money = Field(None, description="VND; at least what is already awarded")
    cap_per_project: maybe(Money) = Field(None, description=(
        "VND; null: the city's cap for the stage"))
    review_quorum: maybe(whole(1, 50)) = Field(None, description="null: 3")
    disagreement_limit: maybe(whole(0, 100)) = Field(None, description="null: 30")
    blind_review: StrictBool = None
    review_deadline: maybe(Moment) = Field(None, description="in the future; null clears it")
    share_review_comments: StrictBool = None
    duration_months: maybe(whole(1, 60)) = Field(None, description=(
        "null: the city's duration for the stage"))
    required_documents: list[Key] = Field(None, max_length=100)
    eligibility: Eligibility = None
    questions: list[Question] = Field(None, max_length=100)
    rubric: Rubric = None


class TargetInput(Schema):
    stage: Stage
    year: whole(1900, 2200, "a year of the programme's period")
    projects: whole(0, 100_000, "projects to support at this stage that year")


class ProgrammeCreate(Schema):
    """Create a programme (administrators)."""

    title: Title = Field(description="unique")
    starts_on: Day
    ends_on: Day = Field(description="not before `starts_on`")
    targets: list[TargetInput] | None = Field(None, max_length=60, description=(
        "KPI targets: one per stage and year"))


class ProgrammeUpdate(Schema):
    """Change a programme (administrators); only the fields sent change."""

    title: Title = None
    starts_on: Day = None
    ends_on: Day = None
    targets: list[TargetInput] = Field(None, max_length=60, description=(
        "replaces every target"))


class PageQuery(Schema):
    cursor: Cursor | None = None


class HistoryQuery(Schema):
    cursor: SeqCursor | None = None


# --- organizations ----------------------------------------------------------------------


class Organization(Schema):
    """A startup profile."""

    id: int
    name: str
    registration_number: str | None = Field(description="business registration number")
    founded_on: date | None
    field: ProjectField
    address: str | None
    website: str | None = Field(description="an http or https address")


_REGISTRATION = ("Vietnamese enterprise code: 10 digits, or 13 for a branch (0312345678-001, "
                 "with or without the hyphen); stored with the hyphen; unique")


class OrganizationCreate(Schema):
    """Register a startup; the caller becomes its owner."""

    name: text(200)
    registration_number: text(50, required=False) | None = Field(
        None, description=_REGISTRATION)
    founded_on: maybe(Day) = Field(None, description="not in the future")
    field: ProjectField
    address: text(300, required=False) | None = None
    website: text(300, required=False) | None = Field(
        None, description="an http or https address")


class OrganizationUpdate(Schema):
    """Edit the profile (the owner and the members): only the fields sent change."""

    name: text(200) = None
    registration_number: text(50, required=False) | None = Field(
        None, description=_REGISTRATION)
    founded_on: maybe(Day) = Field(None, description="not in the future")
    field: ProjectField = None
    address: text(300, required=False) | None = None
    website: text(300, required=False) | None = Field(
        None, description="an http or https address")


class InvitationCreate(Schema):
    """Invite someone to the startup's team by email (the owner only)."""

    email: text(254) = Field(description="a one-time link valid for 7 days is mailed there")


class Invitation(Schema):
    """An invitation to join a startup's team; the link itself is only in the mail."""

    id: int
    organization_id: int
    email: str
    created_at: datetime
    expires_at: datetime
    accepted_at: datetime | None


class Member(Schema):
    """A member of a startup's team."""

    user_id: int
    name: str
    email: str
    role: Literal["owner", "member"] = Field(description="the owner invites and removes")


# --- applications -----------------------------------------------------------------------

def _answer(value: Any) -> str | int | None:
    """Text (trimmed), or a whole number for a `number` question; the operation checks each
    answer against its question's type."""
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    if not isinstance(value, str):
        raise PydanticCustomError("string_type", "must be text")
    value = value.strip()
    if len(value) > MAX_ANSWER:
        raise PydanticCustomError("string_too_long", "too long", {"max_length": MAX_ANSWER})
    if "\x00" in value:
        raise PydanticCustomError("string_pattern_mismatch", "control characters")
    return value


Answer = Annotated[str | int | None, PlainValidator(_answer), WithJsonSchema({"anyOf": [
    {"type": "string", "maxLength": MAX_ANSWER}, {"type": "integer", "minimum": 0},
    {"type": "null"}]})]
Answers = dict[str, Answer]


class Project(Schema):
    id: int
    title: str
    summary: str
    field: ProjectField
    organization_id: int


class Application(Schema):
    """An application of a project to a call, with what the caller may do with it now."""

    id: int
    call_id: int
    stage: Stage = Field(validation_alias=AliasPath("call", "stage"),
                         description="the stage of its call")
    state: ApplicationState
    version: int = Field(ge=1, description="send it back with every change")
    project: Project
    answers: dict[str, str | int] = Field(description=(
        "answers by question key: text, or a whole number for a `number` question"))
    requested_amount: int = Field(ge=0, description="VND")
    team: str = Field(description="the team and who does what")
    budget: "BudgetSplit" = Field(description="the requested amount split in VND")
    milestones: "list[Milestone]" = Field(description="the milestone plan")
    reference: str = Field(description="what the startup quotes, e.g. HS-2026-000123")
    awarded_amount: int | None = Field(ge=0, description="VND, once approved")
    revision_deadline: datetime | None = Field(description="while changes are requested")
    allowed_actions: list[ActionName] = Field(description=(
        "actions the caller may take now: POST …/actions/{action}"))
    created_at: datetime
    submitted_at: datetime | None

    @classmethod
    def of(cls, application: Any, allowed_actions: list[str]) -> "Application":
        return cls.model_validate(_With(application, allowed_actions=allowed_actions,
                                        reference=reference(application)))


class ProjectCreate(Schema):
    title: Title
    summary: text(5000, required=False) | None = None
    field: ProjectField
    organization_id: Id = Field(description="one of the caller's organizations")


class ApplicationCreate(Schema):
    """Draft an application (startup accounts)."""

    call_id: Id = Field(description="an open call")
    project: ProjectCreate
    answers: Answers | None = Field(None, description="answers by question key of the call")
    requested_amount: maybe(Money) = Field(None, description="VND, within the call's cap")
    team: text(5000, required=False) | None = Field(None, description=(
        "the team and who does what"))
    budget: "BudgetInput | None" = None
    milestones: "list[MilestoneInput] | None" = Field(None, max_length=24)


class ProjectUpdate(Schema):
    title: Title = None
    summary: text(5000, required=False) | None = None
    field: ProjectField = None


class ApplicationUpdate(Schema):
    """Edit a draft or an application returned for changes; only the fields sent change."""

    version: Version
    project: ProjectUpdate = None
    answers: Answers | None = Field(None, description="merged into the saved answers")
    requested_amount: Money = None
    team: text(5000, required=False) | None = None
    budget: "BudgetInput | None" = Field(None, description="replaces the saved split")
    milestones: "list[MilestoneInput] | None" = Field(None, max_length=24, description=(
        "replaces the saved plan"))


class ApplicationQuery(Schema):
    call_id: Id | None = None
    state: ApplicationState | None = None
    cursor: Cursor | None = None
    # the manager's desk: narrow by programme, stage, field, a search, what waits for the caller
    programme_id: Id | None = None
    stage: Stage | None = None
    field: ProjectField | None = None
    q: str | None = Field(None, max_length=100, description=(
        "a reference (HS-2026-000042), or part of the project's title or the startup's name, "
        "or the start of its registration number"))
    needs_action: bool = Field(False, description=(
        "only applications in a state where one of the caller's roles may act"))


class BudgetInput(Schema):
    """The split of the requested amount; once both parts are given they must add up to it."""

    labour: maybe(Money) = Field(None, description="labour costs, VND")
    other: maybe(Money) = Field(None, description="other costs, VND")


class MilestoneInput(Schema):
    """One row of the milestone plan; a draft may leave parts blank, submitting may not."""

    milestone: text(300, required=False) | None = None
    month: maybe(whole(1, 60, "month of support in which it is due")) = None
    deliverable: text(2000, required=False) | None = None


class BudgetSplit(Schema):
    """The requested amount split in VND; both parts must add up to it before submitting."""

    labour: int | None = Field(None, ge=0, description="labour costs, VND")
    other: int | None = Field(None, ge=0, description="other costs, VND")


class Milestone(Schema):
    milestone: str
    month: int | None = Field(ge=1, description="month of support in which it is due")
    deliverable: str


for _model in (Application, ApplicationCreate, ApplicationUpdate):
    _model.model_rebuild()


Reason = text(MAX_TEXT_LENGTH, required=False)


def _taken_by(field: str, what: str) -> str:
    """The description of a payload field: what it is, and the shipped actions that take it
    (from the definitions, so the document follows them)."""
    actions = sorted({action.name for definition in _APPLICATION_WORKFLOWS
                      for action in definition.actions
                      if any(f.name == field for f in action.payload)})
    return f"{what}; taken by: {', '.join(actions)}"


class ActionRequest(Schema):
    """`version`, and the payload the action's workflow definition asks for (GET /workflows).
    Fields an action does not declare are ignored."""

    model_config = ConfigDict(extra="allow")
    version: Version
    reason: Reason | None = Field(None, description=_taken_by("reason", "why"))
    revision_deadline: maybe(Moment) = Field(None, description=_taken_by(
        "revision_deadline", "until when the startup may revise (in the future)"))
    amount: maybe(whole(0, MAX_MONEY)) = Field(None, description=_taken_by(
        "amount", "VND to award"))
    report: Reason | None = Field(None, description=_taken_by("report", "the report"))
    target_call_id: maybe(whole(1, MAX_ID)) = Field(None, description=_taken_by(
        "target_call_id", "a call of the next stage"))


class ActionResult(Schema):
    state: ApplicationState
    version: int = Field(ge=1)


# --- reviews ----------------------------------------------------------------------------

Declaration = StrEnum("Declaration", [(n, n) for n in ("none", "no_conflict", "recused")])
Declaration.__doc__ = "none: not yet declared; no_conflict: the content is unlocked; recused."
Recommendation = StrEnum("Recommendation", [(n, n) for n in ("yes", "maybe", "no")])
ReviewStatus = StrEnum("ReviewStatus", [(n, n) for n in ("not_started", "in_progress", "done")])
ReviewStatus.__doc__ = "not_started; in_progress: a saved draft; done: submitted (locked)."


class AssignmentCreate(Schema):
    """Assign a reviewer of the programme (a manager)."""

    reviewer_id: Id


class AutoAssign(Schema):
    """Give every application awaiting review this many reviewers, spreading the load."""

    per_application: whole(1, 20, "reviewers each application should have")


class Assignment(Schema):
    """A reviewer's assignment to an application. In a blind call it names no applicant."""

    id: int
    application_id: int
    call_id: int
    call_title: str = Field(validation_alias=AliasPath("application", "call", "title"))
    review_deadline: datetime | None = Field(
        validation_alias=AliasPath("application", "call", "review_deadline"),
        description="the call's deadline for reviews")
    title: str = Field(validation_alias=AliasPath("application", "project", "title"),
                       description="the project's title")
    reviewer_id: int
    declaration: Declaration
    recusal_reason: str | None
    assigned_at: datetime
    cancelled_at: datetime | None = Field(description="when it was removed or closed")
    review_status: ReviewStatus

    @classmethod
    def of(cls, assignment: Any) -> "Assignment":
        review = assignment.review
        status = "not_started" if review is None else (
            "done" if review.submitted_at is not None else "in_progress")
        return cls.model_validate(_With(assignment, review_status=status))


class AssignmentList(Schema):
    items: list[Assignment]


class DeclarationRequest(Schema):
    """`{conflict: false}` unlocks the content; `{conflict: true, reason}` recuses."""

    conflict: StrictBool
    reason: text(2000, required=False) | None = Field(None, description="required to recuse")


Score = maybe(whole(0, 100))


class ReviewSave(Schema):
    """Save a draft, or submit (`submit: true`), which locks the review."""

    scores: dict[str, Score] | None = Field(None, description=(
        "an integer from 0 to the criterion's max_score, by criterion key"))
    comment: text(10_000, required=False) | None = None
    recommendation: Recommendation | None = Field(None, description="required to submit")
    submit: StrictBool = False


class ReopenRequest(Schema):
    reason: text(2000)


class Review(Schema):
    """A review as the caller may see it; `reviewer_*` are null when its author is hidden."""

    id: int
    assignment_id: int
    reviewer_id: int | None
    reviewer_name: str | None
    mine: bool = Field(description="the caller wrote it")
    scores: dict[str, int]
    score: float | None = Field(ge=0, le=100, description=(
        "the weighted sum normalised to 0–100; null until every criterion is scored"))
    comment: str
    recommendation: Recommendation | None
    version: int
    submitted_at: datetime | None
    reopened_at: datetime | None
    reopen_reason: str | None

    @classmethod
    def of(cls, visible: Any) -> "Review":
        reviewer = visible.reviewer
        return cls.model_validate(_With(
            visible.review, reviewer_id=reviewer.id if reviewer else None,
            reviewer_name=reviewer.name if reviewer else None, mine=visible.mine))


class ReviewList(Schema):
    items: list[Review]


class ReviewComment(Schema):
    """A review's comment as the applicant reads it: no name, score or recommendation."""

    number: int = Field(ge=1, description="Reviewer 1, 2, … in the order they were assigned")
    comment: str


class ReviewCommentList(Schema):
    items: list[ReviewComment]


class RankingQuery(Schema):
    sort: Literal["mean", "-mean", "spread", "-spread", "z", "-z", "reviews", "-reviews",
                  "id", "-id"] = Field("-mean", description="a column; `-` sorts descending")
    cursor: text(100) | None = None


class RankingRow(Schema):
    """One application of a call's ranking."""

    application_id: int
    title: str
    state: ApplicationState
    reviews: int = Field(description="submitted reviews")
    scores: list[float] = Field(description="each submitted review's score, highest first")
    mean: float
    spread: float = Field(description="highest minus lowest score")
    disagreement: bool = Field(description="the spread is over the call's limit")
    z: float | None = Field(description=(
        "mean of the reviewers' z-scores (each over that reviewer's submitted reviews in the "
        "call; only reviewers with at least 3)"))
    passed: bool = Field(description="the mean reaches the rubric's pass threshold")


class Event(Schema):
    """One event of the audit hash chain."""

    seq: int = Field(ge=1)
    occurred_at: datetime
    actor_id: int | None
    actor_role: str | None = Field(description="a role, or `system`")
    entity_type: str
    entity_id: int
    action: str
    from_state: str | None
    to_state: str | None
    payload: dict[str, Any] = Field(description="what changed, by field")
    reason: str | None
    request_id: str | None = Field(description="the X-Request-ID of the request that did it")
    parent_type: str | None = Field(description="what the entity belongs to (an application)")
    parent_id: int | None
    hash: str = Field(pattern="^[0-9a-f]{64}$", description="SHA-256 of the event, hex")
    prev_hash: str = Field(pattern="^[0-9a-f]{64}$", description="the hash of the event before")


Name = Annotated[str, Field(pattern=r"^[A-Za-z0-9_]{1,64}$")]


class AuditEventQuery(Schema):
    """The global log's filters (auditors and administrators of every programme); the days are
    Ho Chi Minh City days; newest first."""

    entity_type: Name | None = None
    entity_id: Id | None = None
    actor_id: Id | None = None
    action: Name | None = None
    state: Name | None = Field(None, description="the state an event left or entered")
    since: Day | None = Field(None, description="from this day")
    until: Day | None = Field(None, description="to this day, included")
    cursor: SeqCursor | None = None


AuditFinding = StrEnum("AuditFinding", [(n, n) for n in (
    "changed", "missing", "inserted", "reordered", "relinked")])
AuditFinding.__doc__ = ("changed: its content does not match its hash; missing: removed or cut; "
                        "inserted: the next event links past it; reordered: it links to the "
                        "event after it; relinked: intact, but the event before it was "
                        "rewritten with a recomputed hash")


class Checkpoint(Schema):
    """A signed statement: the chain had `seq` events and the last one hashed `hash`. The
    Ed25519 signature covers the bytes
    `grants-audit-checkpoints/1 seq=<seq> hash=<hash> signed_at=<signed_at>`."""

    seq: int = Field(ge=0)
    hash: str = Field(pattern="^[0-9a-f]{64}$")
    signed_at: str = Field(description="UTC, as signed: YYYY-MM-DDTHH:MM:SS.ffffffZ")
    key_id: str = Field(description="the first 16 hex digits of the public key's SHA-256")
    signature: str = Field(description="base64")


class CheckpointExport(Schema):
    format: Literal["grants-audit-checkpoints/1"]
    public_key: str | None = Field(description="the Ed25519 public key, base64 of its 32 "
                                               "bytes; null when this server holds no key")
    checkpoints: list[Checkpoint] = Field(description="oldest first")


class AuditVerification(Schema):
    ok: bool
    checked: int = Field(description="events found intact, in order, before the first bad one")
    first_bad_seq: int | None
    finding: AuditFinding | None
    problem: str | None = Field(description="the finding in words (English)")
    changed_seq: int | None = Field(
        description="the first event whose stored content no longer matches its stored hash")
    broken_link_seq: int | None = Field(
        description="the first event whose link is not the stored hash of the event before it")
    checkpoints: int = Field(description="signed checkpoints checked (those kept here, when "
                                         "this server holds the key)")
    checkpoint: Checkpoint | None = Field(description="the first checkpoint the log no longer "
                                                      "extends")
    checkpoint_problem: str | None = Field(description="what is wrong with it (English)")


# --- workflows --------------------------------------------------------------------------


class WorkflowSummary(Schema):
    """A workflow definition: one version of a named workflow."""

    name: WorkflowName
    version: int = Field(ge=1)
    entity: str = Field(description="what it moves: application or tranche")
    title: str


class WorkflowState(Schema):
    name: str
    final: bool


class PayloadField(Schema):
    name: str
    type: Literal[tuple(sorted(PAYLOAD_TYPES))]
    required: bool


class WorkflowAction(Schema):
    name: str
    sources: list[str] = Field(serialization_alias="from", description="states it leaves")
    to: str = Field(validation_alias="dest")
    roles: list[Role]
    guards: list[str] = Field(description="conditions checked before it happens")
    payload: list[PayloadField] = Field(description="fields to send with the action")

    @field_validator("roles")
    @classmethod
    def _sorted(cls, roles: list[Role]) -> list[Role]:
        return sorted(roles)


class Workflow(WorkflowSummary):
    """A workflow definition with its states, actions and a mermaid drawing."""

    initial: str
    states: list[WorkflowState]
    actions: list[WorkflowAction]
    mermaid: str = Field(description="a mermaid stateDiagram-v2")

    @classmethod
    def of(cls, definition: Definition) -> "Workflow":
        return cls.model_validate(_With(definition, mermaid=to_mermaid(definition)))


class WorkflowQuery(Schema):
    version: whole(1, MAX_ID) | None = Field(None, description="default: the latest")


class ApiDocument(Schema):
    """This OpenAPI 3.1 document."""

    model_config = ConfigDict(extra="allow")
    openapi: str
    info: dict[str, str]
    paths: dict[str, dict[str, Any]]
    components: dict[str, dict[str, Any]]


# --- documents --------------------------------------------------------------------------


def _uploaded(value: Any) -> Any:
    """A file part of a multipart body (it has a file name); anything else is missing."""
    if isinstance(value, FileStorage) and value.filename:
        return value
    raise PydanticCustomError("missing", "a file is required")


UploadedFile = Annotated[Any, PlainValidator(_uploaded), WithJsonSchema({
    "type": "string", "format": "binary", "contentMediaType": "application/octet-stream",
    "description": "the file, as a part with a file name"})]


class DocumentUpload(Schema):
    """A document for an application (multipart/form-data). Its type is decided from its
    content: PDF, DOCX, XLSX, PNG or JPEG; at most DOCUMENT_MAX_BYTES (20 MB by default)."""

    file: UploadedFile
    kind: text(40) = Field(description=(
        "what the document is: one of the call's `required_documents`, the key of one of its "
        "`file` questions, or `other`"))


class Document(Schema):
    """An uploaded document. Uploading a kind again replaces it; the earlier one stays listed
    with `current` false."""

    id: int = Field(ge=1)
    application_id: int = Field(ge=1)
    kind: str
    file_name: str = Field(description=(
        "as uploaded, without any folder; to a blind call's reviewers a neutral name "
        "(kind-id.extension)"))
    content_type: str = Field(description="decided from the content, not the name")
    size: int = Field(ge=0, description="bytes")
    sha256: str = Field(pattern="^[0-9a-f]{64}$")
    uploaded_by_id: int | None = Field(ge=1, description="null to a blind call's reviewers")
    uploaded_at: datetime
    replaces_id: int | None = Field(description="the earlier document of this kind, if any")
    current: bool = Field(description="the newest of its kind")


class DocumentQuery(Schema):
    cursor: Cursor | None = None


# --- funding: the agreement, tranches, the ledger -------------------------------------------

_TRANCHE_WORKFLOWS = [d for d in default_registry().all() if d.entity == "tranche"]
TrancheState = _workflow_name("a state of the tranche workflow",
                              {s.name for d in _TRANCHE_WORKFLOWS for s in d.states})
TrancheAction = _workflow_name("an action of the tranche workflow",
                               {a.name for d in _TRANCHE_WORKFLOWS for a in d.actions})


class TrancheInput(Schema):
    milestone: Title = Field(description="what the startup delivers for this tranche")
    amount: whole(1, MAX_MONEY, "VND")
    due_on: Day = Field(description="the milestone report is due; not in the past")


class AgreementInput(Schema):
    """The award and its tranches, while the application is approved (before it is signed);
    the tranches must add up exactly to the award. Sending it again replaces them."""

    amount: whole(1, MAX_MONEY, "VND: the award, within the cap and the remaining budget")
    tranches: list[TrancheInput] = Field(min_length=1, max_length=24)


class Tranche(Schema):
    """One tranche of an award; `allowed_actions` are those the caller may take now."""

    id: int
    application_id: int
    number: int = Field(ge=1)
    milestone: str
    amount: int = Field(ge=1, description="VND")
    due_on: date
    state: TrancheState
    version: int = Field(ge=1)
    report: str | None = Field(description="the startup's milestone report")
    requested_at: datetime | None
    verified_by_id: int | None
    verified_at: datetime | None
    released_by_id: int | None = Field(description="never the manager who verified it")
    released_at: datetime | None
    payment_reference: str | None
    paid_at: datetime | None
    allowed_actions: list[TrancheAction]

    @classmethod
    def of(cls, tranche: Any, allowed_actions: list[str]) -> "Tranche":
        return cls.model_validate(_With(tranche, allowed_actions=allowed_actions))


class TrancheList(Schema):
    items: list[Tranche]


class TrancheActionRequest(Schema):
    """`version`, and the payload the action asks: request `report`; return `reason`;
    mark_paid `payment_reference`."""

    model_config = ConfigDict(extra="allow")
    version: Version
    report: Reason | None = None
    reason: Reason | None = None
    payment_reference: text(100, required=False) | None = None


class TrancheActionResult(Schema):
    state: TrancheState
    version: int = Field(ge=1)


class Ledger(Schema):
    """VND: committed is the awards in force plus what was released to projects that ended;
    remaining = budget − committed."""

    budget: int
    committed: int
    released: int
    paid: int
    remaining: int


class CallLedger(Ledger):
    call_id: int
    title: str


class ProgrammeLedger(Schema):
    programme_id: int
    calls: list[CallLedger]
    total: Ledger


# --- pilots, evaluations, projects -----------------------------------------------------------

Verdict = StrEnum("Verdict", [(n, n) for n in ("passed", "failed")])


class PilotInput(Schema):
    """The pilot's plan, then its results and verdict (managers, once the agreement is signed,
    at a stage with a pilot)."""

    host_partner: Title = Field(description="who hosts the pilot")
    environment: text(10_000) = Field(description="where and in what real conditions")
    success_metrics: text(10_000)
    starts_on: Day
    ends_on: Day = Field(description="not before `starts_on`")
    results: text(10_000, required=False) | None = None
    verdict: Verdict | None = Field(None, description="with the results")


class Pilot(Schema):
    application_id: int
    host_partner: str
    environment: str
    success_metrics: str
    starts_on: date
    ends_on: date
    results: str | None
    verdict: Verdict | None
    updated_at: datetime


class EvaluationInput(Schema):
    """The council's final evaluation of the final report (managers)."""

    score: whole(0, 100, "out of 100")
    verdict: Verdict
    comment: text(10_000, required=False) | None = None


class Evaluation(Schema):
    application_id: int
    final_report: str
    reported_at: datetime
    score: int | None = Field(ge=0, le=100)
    verdict: Verdict | None
    comment: str | None
    evaluated_at: datetime | None


class ProjectStep(Schema):
    application_id: int
    call_id: int
    stage: Stage
    state: ApplicationState
    awarded_amount: int | None
    released: int = Field(description="VND released to the project at this stage")
    paid: int
    pilot_verdict: Verdict | None
    evaluation_verdict: Verdict | None
    evaluation_score: int | None
    promoted_from_id: int | None


class ProjectPath(Schema):
    """A project and its path through the stages (what the caller may see of it)."""

    id: int
    title: str
    summary: str
    field: str
    organization_id: int
    steps: list[ProjectStep]
    activities: list["ProjectActivity"] = Field(description=(
        "the activities it registered for, with attendance and outcome (its startup and staff)"))
    mentors: list["ProjectMentor"] = Field(description=(
        "its mentors and their sessions, newest first (whoever reads each match)"))


# --- batch actions -----------------------------------------------------------------------------


class BatchItem(Schema):
    id: Id
    version: Version


class BatchRequest(Schema):
    """The same action on several applications, each through the one path: `items` with the
    version read of each, and the payload they share (a reason…)."""

    model_config = ConfigDict(extra="allow")
    items: list[BatchItem] = Field(min_length=1, max_length=100)
    reason: Reason | None = None


class BatchOutcome(Schema):
    application_id: int
    status: int = Field(description="200 when done, else the refusal's HTTP status")
    detail: str
    state: ApplicationState | None
    version: int | None


class BatchResult(Schema):
    results: list[BatchOutcome]


# --- activities and the showcase ---------------------------------------------------------------

ActivityKind = StrEnum("ActivityKind", [(n, n) for n in ("training", "connection", "exhibition")])
OutcomeKind = StrEnum("OutcomeKind",
                      [(n, n) for n in ("lead", "pilot_partner", "investor_meeting", "other")])
Place = Annotated[text(500), Field(description="an address, or a link for an online activity")]


class ActivityCreate(Schema):
    """A training class, connection event or exhibition of the programme (its managers)."""

    kind: ActivityKind
    title: Title
    description: text(10_000, required=False) | None = None
    starts_at: Moment
    ends_at: Moment = Field(description="after `starts_at`")
    place: Place
    capacity: whole(1, 100_000, "projects that may register")
    registration_closes_at: Moment = Field(description="at the latest `starts_at`")
    stages: list[Stage] = Field(min_length=1, max_length=3, description=(
        "the stages it is for: a project funded at one of them may register"))
    organiser: text(300, required=False) | None = None


class ActivityUpdate(Schema):
    """Only the fields sent change; a change of time or place mails the registered startups."""

    version: Version
    kind: ActivityKind | None = None
    title: Title | None = None
    description: text(10_000, required=False) | None = None
    starts_at: Moment | None = None
    ends_at: Moment | None = None
    place: Place | None = None
    capacity: whole(1, 100_000) | None = None
    registration_closes_at: Moment | None = None
    stages: list[Stage] | None = Field(None, min_length=1, max_length=3)
    organiser: text(300, required=False) | None = None


class ActivityCancel(Schema):
    version: Version
    reason: text(10_000)


class Activity(Schema):
    id: int
    programme_id: int
    kind: ActivityKind
    title: str
    description: str
    starts_at: datetime
    ends_at: datetime
    place: str
    capacity: int
    registered: int = Field(description="projects registered now")
    places_left: int
    registration_closes_at: datetime
    stages: list[Stage]
    organiser: str
    cancelled_at: datetime | None
    cancel_reason: str | None
    version: int
    created_at: datetime

    @classmethod
    def of(cls, listed: Any) -> "Activity":
        a = listed.activity
        return cls.model_validate(_With(a, registered=listed.registered,
                                        places_left=listed.places_left))


class ActivityQuery(Schema):
    kind: ActivityKind | None = None
    stage: Stage | None = None
    upcoming: bool = Field(False, description="only those not over yet and not cancelled")
    cursor: Cursor | None = None


class RegistrationCreate(Schema):
    project_id: Id


class AttendanceInput(Schema):
    attended: StrictBool
    outcome: OutcomeKind | None = Field(None, description="what came of it, if anything")
    outcome_note: text(10_000, required=False) | None = None


class Registration(Schema):
    id: int
    activity_id: int
    project_id: int
    project_title: str = Field(validation_alias=AliasPath("project", "title"))
    organization_id: int = Field(validation_alias=AliasPath("project", "organization_id"))
    registered_at: datetime
    cancelled_at: datetime | None
    attended: bool | None = Field(description="null until recorded")
    outcome: OutcomeKind | None
    outcome_note: str | None
    recorded_at: datetime | None


class ShowcaseQuery(Schema):
    programme_id: Id | None = None
    cursor: Cursor | None = None


class ShowcaseProject(Schema):
    """A supported project whose startup put it on the public showcase."""

    id: int
    title: str
    field: ProjectField
    organization: str
    stages: list[Stage] = Field(description="the stages at which it was funded")
    description: str = Field(description="in Vietnamese (the English one falls back to it)")
    description_en: str


class ShowcaseInput(Schema):
    showcase: StrictBool
    description: text(500, required=False) | None = None
    description_en: text(500, required=False) | None = None


# --- mentors ----------------------------------------------------------------------------

from grants.models.mentors import LANGUAGES as _MENTOR_LANGUAGES  # noqa: E402

Language = StrEnum("Language", [(code, code) for code in _MENTOR_LANGUAGES])
Language.__doc__ = "A language a mentor advises in (ISO 639-1)."


class MentorQuery(Schema):
    field: ProjectField | None = Field(None, description="mentors with this expertise")
    language: Language | None = None
    programme_id: Id | None = Field(None, description="mentors of this programme")
    cursor: Cursor | None = None


class MentorProfileInput(Schema):
    expertise: list[ProjectField] = Field(min_length=1, max_length=len(FIELDS))
    languages: list[Language] = Field(min_length=1, max_length=len(_MENTOR_LANGUAGES))
    availability: text(500)
    bio: text(5000, required=False) | None = None


class Mentor(Schema):
    """A mentor of the network, with their profile (empty lists until they write it)."""

    id: int
    name: str
    email: str
    expertise: list[ProjectField]
    languages: list[Language]
    availability: str
    bio: str
    active_matches: int = Field(description="projects they are matched to now")

    @classmethod
    def of(cls, listed: Any) -> "Mentor":
        p = listed.profile
        return cls(id=listed.mentor.id, name=listed.mentor.name, email=listed.mentor.email,
                   expertise=p.expertise if p else [], languages=p.languages if p else [],
                   availability=p.availability if p else "", bio=p.bio if p else "",
                   active_matches=listed.matches)


class MentorshipCreate(Schema):
    mentor_id: Id
    programme_id: Id | None = Field(None, description=(
        "the programme of the match; by default the first the project was funded in that "
        "the caller manages"))


class MentorshipEnd(Schema):
    reason: text(2000)


class Mentorship(Schema):
    """A mentor matched to a project. The project's summary is not here: the mentor reads it
    at GET /projects/{id} once they declared no conflict."""

    id: int
    project_id: int
    project_title: str = Field(validation_alias=AliasPath("project", "title"))
    organization: str = Field(validation_alias=AliasPath("project", "organization", "name"),
                              description="the startup, named so that the mentor can declare")
    programme_id: int
    mentor_id: int
    mentor_name: str = Field(validation_alias=AliasPath("mentor", "name"))
    declaration: Declaration
    recusal_reason: str | None = Field(description=(
        "the mentor's and the staff's to read: the startup never sees a recused match"))
    matched_at: datetime
    ended_at: datetime | None


class SessionCreate(Schema):
    held_on: Day = Field(description="the day it was held, in Ho Chi Minh City; not later "
                                     "than today nor before the match")
    topic: text(300)
    notes: text(10_000)


class MentoringSession(Schema):
    id: int
    mentorship_id: int
    held_on: date
    topic: str
    notes: str
    logged_at: datetime


class ProjectActivity(Schema):
    activity_id: int
    title: str = Field(validation_alias=AliasPath("activity", "title"))
    kind: ActivityKind = Field(validation_alias=AliasPath("activity", "kind"))
    starts_at: datetime = Field(validation_alias=AliasPath("activity", "starts_at"))
    attended: bool | None = Field(description="null until recorded")
    outcome: OutcomeKind | None
    outcome_note: str | None


class ProjectMentor(Mentorship):
    sessions: list[MentoringSession]


ProjectPath.model_rebuild()


class ExportQuery(Schema):
    programme_id: Id


class GivingPackage(Schema):
    """A 360Giving 1.4 data package; each grant follows the 360Giving grant schema
    (https://standard.threesixtygiving.org/en/1.4.3/, docs/exports.md)."""

    version: str = Field(pattern=r"^1\.4$")
    title: str
    description: str
    modified: datetime
    grants: list[dict[str, Any]] = Field(min_length=1)
