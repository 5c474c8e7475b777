"""The demo programme, its calls and one account per role; bulk applications and audit events for
benchmarks."""

from collections import Counter
from datetime import UTC, date, datetime, timedelta

from sqlalchemy import func, insert, select

from grants.extensions import db
from grants.models import (
    FIELDS,
    SYSTEM,
    Application,
    Call,
    Membership,
    Organization,
    Programme,
    ProgrammeTarget,
    Project,
    Role,
    Stage,
    User,
    utcnow,
)
from grants.operations import accounts, calls, counts, mentors
from grants.operations.core import transaction
from grants.operations.workflow import workflows

PROGRAMME = "HCMC startup support 2024–2028"
# Projects to support over the whole plan (HCMC plan 2024–2028), spread evenly over five years.
TARGETS = {Stage.PRE_INCUBATION: 1000, Stage.INCUBATION: 700, Stage.ACCELERATION: 200}
YEARS = range(2024, 2029)

# The demo is a Vietnamese city's programme: its own content (criteria, questions, titles) is
# Vietnamese data, whatever language a user picks for the interface.
CRITERIA = [
    {"key": "innovation", "name": "Tính đổi mới sáng tạo", "weight": 20, "max_score": 10},
    {"key": "capacity", "name": "Năng lực thực hiện", "weight": 20, "max_score": 10},
    {"key": "impact", "name": "Hiệu quả kinh tế – xã hội", "weight": 15, "max_score": 10},
    {"key": "market", "name": "Thị trường", "weight": 15, "max_score": 10},
    {"key": "technology", "name": "Ứng dụng công nghệ", "weight": 15, "max_score": 10},
    {"key": "business_model", "name": "Mô hình kinh doanh", "weight": 15, "max_score": 10},
]
QUESTIONS = [
    {"key": "problem", "label": "Dự án giải quyết vấn đề gì, cho ai?", "required": True},
    {"key": "solution", "label": "Giải pháp là gì và điểm mới ở đâu?", "required": True},
    {"key": "product_stage", "label": "Sản phẩm đang ở giai đoạn nào?", "type": "choice",
     "choices": ["Ý tưởng", "Mẫu thử", "Đã có khách hàng dùng thử", "Đã bán"],
     "required": True},
    {"key": "plan", "label": "Kết quả dự kiến đạt được với sự hỗ trợ, và khi nào?",
     "required": False},
]
STAGE_TITLES = {Stage.PRE_INCUBATION: "Tiền ươm tạo", Stage.INCUBATION: "Ươm tạo",
                Stage.ACCELERATION: "Tăng tốc"}
BUDGETS = {Stage.PRE_INCUBATION: 2_000_000_000, Stage.INCUBATION: 4_000_000_000,
           Stage.ACCELERATION: 8_000_000_000}

# (email, name, password, role): the password only works in demo mode.
ACCOUNTS = [
    ("startup@demo.local", "Demo Startup", "demo-startup", Role.APPLICANT),
    ("reviewer@demo.local", "Demo Reviewer", "demo-reviewer", Role.REVIEWER),
    ("manager@demo.local", "Demo Manager", "demo-manager", Role.MANAGER),
    ("manager2@demo.local", "Demo Manager 2", "demo-manager-2", Role.MANAGER),
    ("auditor@demo.local", "Demo Auditor", "demo-auditor", Role.AUDITOR),
    ("admin@demo.local", "Demo Admin", "demo-admin", Role.ADMIN),
    ("mentor@demo.local", "Demo Mentor", "demo-mentor", Role.MENTOR),
]


MENTOR_PROFILE = {"expertise": ["hitech_agriculture", "sustainability"],
                  "languages": ["vi", "en"], "availability": "Hai giờ mỗi tuần, tối thứ Ba",
                  "bio": "Mười năm xây dựng chuỗi cung ứng nông sản sạch."}


def seed() -> bool:
    """Create whatever of the demo programme, calls and accounts is missing; True if anything
    was. Each piece is checked on its own, so an interrupted seed is finished by the next run."""
    created = False
    programme = db.session.scalar(select(Programme).where(Programme.title == PROGRAMME))
    if programme is None:
        with transaction():
            programme = Programme(title=PROGRAMME, starts_on=date(2024, 1, 1),
                                  ends_on=date(2028, 12, 31))
            programme.targets = [
                ProgrammeTarget(stage=stage.value, year=year, projects=total // len(YEARS))
                for stage, total in TARGETS.items() for year in YEARS
            ]
            db.session.add(programme)
        created = True
    now = utcnow().replace(microsecond=0)
    staged = set(db.session.scalars(select(Call.stage).where(Call.programme_id == programme.id)))
    for stage in Stage:
        if stage.value in staged:
            continue
        calls.create_call(SYSTEM, {
            "programme_id": programme.id, "stage": stage.value,
            "title": f"{STAGE_TITLES[stage]}: đợt tiếp nhận hồ sơ năm {now.year}",
            "opens_at": (now - timedelta(days=7)).isoformat(),
            "closes_at": (now + timedelta(days=90)).isoformat(),
            "budget": BUDGETS[stage], "cap_per_project": calls.STAGE_CAPS[stage],
            "review_quorum": 2, "disagreement_limit": 30, "blind_review": False,
            "required_documents": [], "questions": QUESTIONS,
            "rubric": {"pass_threshold": 60, "criteria": CRITERIA},
        })
        created = True
    existing = set(db.session.scalars(select(User.email)))
    for email, name, password, role in ACCOUNTS:
        if email in existing:
            continue
        programme_id = programme.id if role in (Role.MANAGER, Role.REVIEWER, Role.MENTOR) \
            else None
        user = accounts.create_user(email, name, password, role.value, programme_id,
                                    demo=True)
        if role is Role.MENTOR:
            mentors.save_profile(user, MENTOR_PROFILE)
        created = True
    return created


def bulk_applications(count: int, progress=None) -> int:
    """Add `count` applications to the demo calls, written in batches without the workflow path:
    data for benchmarks, not history. Like a real programme's: each organization has its own
    project and owner (one startup account per ten organizations; the demo startup owns one in
    ten, so that its own lists fill a page from 1,000 applications on), and the applications are
    spread over their workflow's states (half of them waiting for screening), with the awards,
    deadlines and state counts those states imply."""
    calls_ = list(db.session.scalars(select(Call).order_by(Call.id)))
    spread = {call.id: _states_to_spread(call) for call in calls_}
    demo_owner = db.session.scalar(select(User.id).where(User.email == ACCOUNTS[0][0]))
    now = datetime.now(UTC)
    first = db.session.scalar(select(func.count()).select_from(Application))
    batch = 1000
    for offset in range(0, count, batch):
        numbers = range(first + offset, first + min(offset + batch, count))
        owners = list(db.session.scalars(
            insert(User).returning(User.id, sort_by_parameter_order=True),
            [{"email": f"bulk{n}@demo.local", "name": f"Startup owner {n}",
              "password_hash": "!", "created_at": now}  # "!": matches no password
             for n in numbers if n % 10 == 0]))
        org_ids = list(db.session.scalars(
            insert(Organization).returning(Organization.id, sort_by_parameter_order=True),
            [{"name": f"Startup {n}", "field": FIELDS[n % len(FIELDS)],
              "founded_on": date(2023, 1, 1), "created_at": now} for n in numbers]))
        db.session.execute(insert(Membership), [
            {"organization_id": org, "role": "owner",
             "user_id": demo_owner if n % 10 == 0 or not owners
             else owners[min(i // 10, len(owners) - 1)]}
            for i, (n, org) in enumerate(zip(numbers, org_ids, strict=True))])
        project_ids = list(db.session.scalars(
            insert(Project).returning(Project.id, sort_by_parameter_order=True),
            [{"organization_id": i, "title": f"Project {i}", "summary": "Bulk data",
              "field": "fintech", "created_at": now} for i in org_ids]))
        rows, tally, sums = [], Counter(), Counter()
        for n, project in zip(numbers, project_ids, strict=True):
            call = calls_[n % len(calls_)]
            state, tags = spread[call.id][n % len(spread[call.id])]
            rows.append({
                "project_id": project, "call_id": call.id, "state": state, "version": 2,
                "answers": {}, "requested_amount": 10_000_000, "created_by_id": demo_owner,
                "created_at": now, "submitted_at": now,
                "awarded_amount": 10_000_000 if "commits_budget" in tags else None,
                "decided_at": now if "decided" in tags else None,
                "signed_at": now if "agreement_in_force" in tags else None,
                "revision_deadline": now + timedelta(days=7)
                if "applicant_editable" in tags else None})
            tally[(call.id, state)] += 1
            sums[(call.id, state)] += rows[-1]["awarded_amount"] or 0
        db.session.execute(insert(Application), rows)
        counts.add([{"scope_type": calls.SCOPE, "scope_id": call_id, "state": state, "count": n,
                     "amount": sums[(call_id, state)]}
                    for (call_id, state), n in tally.items()])
        db.session.commit()
        if progress:
            progress(len(numbers))
    return count


def _states_to_spread(call: Call) -> list[tuple[str, frozenset[str]]]:
    """A cycle of (state, tags) to give bulk applications: every state after the initial one,
    and the screening state as often as all the others together."""
    definition = calls.definition(call)
    later = [(s.name, s.tags) for s in definition.states if s.name != definition.initial]
    received = [(name, tags) for name, tags in later if "received" in tags]
    return [item for pair in zip(received * len(later), later, strict=False) for item in pair]


def bulk_audit_events(count: int, progress=None) -> int:
    """Append `count` events to the audit chain through `audit.append`, in batches without the
    action path: a long valid chain for benchmarks (each event a manager's screening action with
    a reason, on one of the bulk applications)."""
    from grants import audit

    # a manager's action from the screening queue that takes a reason, as the workflow says
    definition = workflows().registry.latest(Stage.PRE_INCUBATION.value)
    received = definition.tagged("received")
    action = next(a for a in definition.actions if received & set(a.sources)
                  and any(f.name == "reason" for f in a.payload))
    source = sorted(received & set(action.sources))[0]
    batch = 5000
    for offset in range(0, count, batch):
        now = datetime.now(UTC).replace(microsecond=0)
        size = min(batch, count - offset)
        with transaction():
            audit.append([
                {"occurred_at": now, "actor_id": SYSTEM.id, "actor_role": "system",
                 "entity_type": "application", "entity_id": 1 + (offset + n) % 100_000,
                 "action": action.name, "from_state": source, "to_state": action.dest,
                 "payload": {"note": "bulk data for benchmarks"},
                 "reason": f"Bổ sung hồ sơ lần {offset + n}", "request_id": None,
                 "parent_type": None, "parent_id": None}
                for n in range(size)])
        if progress:
            progress(size)
    return count
