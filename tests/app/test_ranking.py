"""The ranking of a call, computed in SQL: each review's score, mean, spread, disagreement,
per-reviewer z-scores and pass or fail; sorted, paginated, downloaded; refused to outsiders."""

import csv
import io
import random
from contextlib import contextmanager
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, insert, select

from grants.extensions import db
from grants.models import (
    Application,
    Organization,
    Project,
    Role,
    RoleGrant,
    User,
    utcnow,
)
from grants.models.reviews import Review, ReviewAssignment
from grants.operations import Forbidden, applications, reviews

# weights 3 and 1: a review's score = (3·team/5 + 1·market/10) / 4 × 100 = 15·team + 2.5·market
RUBRIC = {"pass_threshold": 60, "criteria": [
    {"key": "team", "name": "Team", "weight": 3, "max_score": 5},
    {"key": "market", "name": "Market", "weight": 1, "max_score": 10}]}
SCORES = {80: (5, 2), 60: (4, 0), 40: (2, 4), 90: (5, 6), 50: (3, 2), 70: (4, 4)}


@pytest.fixture
def example(create_call, manager_of, submitted_application, reviewers_of):
    """Four applications A, B, C, D and three reviewers:

        R1: A 80, B 60, C 40  -> mean 60, sample sd √((20² + 0 + 20²)/2) = 20: z +1, 0, −1
        R2: A 90, B 50, D 70  -> mean 70, sample sd √((20² + 20² + 0)/2) = 20: z +1, −1, 0
        R3: A 40, C 70        -> only 2 reviews: no z-score (and a draft on D, not counted)
    """
    call = create_call(rubric=RUBRIC, disagreement_limit=30)
    manager = manager_of(call)
    a, b, c, d = (submitted_application(call, title=t) for t in "ABCD")
    r1, r2, r3 = reviewers_of(call, 3)

    def review(reviewer, application, score, submit=True):
        assignment = reviews.assign(manager, application.id, {"reviewer_id": reviewer.id})
        reviews.declare(reviewer, assignment.id, {"conflict": False})
        team, market = SCORES[score]
        saved = reviews.save_review(reviewer, assignment.id, {
            "scores": {"team": team, "market": market}, "recommendation": "yes",
            "submit": submit})
        assert saved.score == score

    for reviewer, application, score in [(r1, a, 80), (r1, b, 60), (r1, c, 40), (r2, a, 90),
                                         (r2, b, 50), (r2, d, 70), (r3, a, 40), (r3, c, 70)]:
        review(reviewer, application, score)
    review(r3, d, 90, submit=False)
    # R1's review in another call must not move R1's z-scores in this one
    other = create_call(programme=call.programme, rubric=RUBRIC)
    review(r1, submitted_application(other), 90)
    return call, manager, (a, b, c, d)


def test_the_ranking_equals_the_hand_computed_example(example):
    call, manager, (a, b, c, d) = example
    rows = {r.title: r for r in reviews.ranking(manager, call.id)}
    # A: (80 + 90 + 40)/3 = 70; spread 90 − 40 = 50 > 30: disagreement; z (1 + 1)/2 = 1 (R3 has
    #    too few reviews); 70 ≥ 60 passes
    # B: (60 + 50)/2 = 55; spread 10; z (0 + −1)/2 = −0.5; fails
    # C: (40 + 70)/2 = 55; spread 30, not over 30; z −1 (R1 only); fails
    # D: 70 (R3's draft does not count); spread 0; z 0; passes
    expected = {"A": ([90, 80, 40], 70, 50, True, 1.0, True),
                "B": ([60, 50], 55, 10, False, -0.5, False),
                "C": ([70, 40], 55, 30, False, -1.0, False),
                "D": ([70], 70, 0, False, 0.0, True)}
    assert {t: (r.scores, r.mean, r.spread, r.disagreement, r.z, r.passed)
            for t, r in rows.items()} == expected


def test_the_ranking_sorts_by_any_column_and_pages_by_keyset(example, api):
    call, manager, (a, b, c, d) = example
    order = [r.title for r in reviews.ranking(manager, call.id)]
    assert order == ["D", "A", "C", "B"]  # mean descending, then the newer first
    by_z = [r.title for r in reviews.ranking(manager, call.id, sort="z")]
    assert by_z == ["A", "D", "B", "C"]
    by_spread = [r.title for r in reviews.ranking(manager, call.id, sort="spread",
                                                  descending=False)]
    assert by_spread == ["D", "B", "C", "A"]
    client = api(manager)
    client.client.application.config["API_PAGE_SIZE"] = 3
    try:
        first = client.get(f"/calls/{call.id}/ranking?sort=-z").get_json()
        second = client.get(f"/calls/{call.id}/ranking?sort=-z&cursor={first['next']}")
    finally:
        client.client.application.config["API_PAGE_SIZE"] = 50
    assert [r["title"] for r in first["items"]] == ["A", "D", "B"]
    assert [r["title"] for r in second.get_json()["items"]] == ["C"]
    assert second.get_json()["next"] is None
    assert client.get(f"/calls/{call.id}/ranking?sort=colour").status_code == 422
    assert client.get(f"/calls/{call.id}/ranking?cursor=nonsense").status_code == 422


def test_the_ranking_is_refused_to_reviewers_startups_and_other_programmes(
        example, api, create_user, create_programme, reviewers_of, login, client):
    call, manager, (a, *_) = example
    [reviewer] = reviewers_of(call)
    startup = db.session.get(User, a.created_by_id)
    stranger = create_user(Role.MANAGER.value, create_programme())
    for user in (reviewer, startup, stranger):
        with pytest.raises(Forbidden):
            reviews.ranking(user, call.id)
        assert api(user).get(f"/calls/{call.id}/ranking").status_code == 403
    assert api(manager).get("/calls/999999/ranking").status_code == 404
    login(stranger)
    assert client.get(f"/review/calls/{call.id}/ranking").status_code == 403
    assert client.get(f"/review/calls/{call.id}/ranking.csv").status_code == 403


def test_the_ranking_downloads_as_csv_and_xlsx(example, login, client):
    call, manager, _ = example
    login(manager)
    page = client.get(f"/review/calls/{call.id}/ranking")
    assert page.status_code == 200 and page.data.count(b'class="badge rejected"') == 1
    text = client.get(f"/review/calls/{call.id}/ranking.csv?sort=-z").data.decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    assert [r[1] for r in rows[1:]] == ["A", "D", "B", "C"]
    assert rows[1][4:9] == ["90 80 40", "70.0", "50.0", rows[1][7], "1.0"]
    book = load_workbook(io.BytesIO(client.get(f"/review/calls/{call.id}/ranking.xlsx").data))
    sheet = book.active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert [v[1] for v in values[1:]] == ["D", "A", "C", "B"]
    assert values[1][5] == 70


# --- at scale -------------------------------------------------------------------------------


@contextmanager
def statements():
    seen: list[str] = []

    def count(_conn, _cursor, statement, *_args):
        if statement.split(None, 1)[0].upper() not in ("BEGIN", "COMMIT", "ROLLBACK"):
            seen.append(statement)

    event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(db.engine, "before_cursor_execute", count)


def seed(call, size: int, reviewers: int) -> None:
    """`size` submitted applications of the call with three submitted reviews each, spread
    over `reviewers` reviewers, written in bulk."""
    rng = random.Random(size)
    now = utcnow() - timedelta(days=1)
    state = applications.calls.definition(call).action("submit").dest
    owner = db.session.scalar(select(User.id).limit(1))
    org = db.session.execute(insert(Organization).returning(Organization.id), [
        {"name": f"Bulk {size}", "field": "fintech"}]).scalar_one()
    first_user = (db.session.scalar(select(db.func.max(User.id))) or 0) + 1
    db.session.execute(insert(User), [
        {"email": f"bulk-reviewer-{size}-{i}@example.org", "name": f"R{i}",
         "password_hash": "x"} for i in range(reviewers)])
    user_ids = list(range(first_user, first_user + reviewers))
    db.session.execute(insert(RoleGrant), [
        {"user_id": u, "role": "reviewer", "programme_id": call.programme_id} for u in user_ids])
    first_project = (db.session.scalar(select(db.func.max(Project.id))) or 0) + 1
    db.session.execute(insert(Project), [
        {"organization_id": org, "title": f"P{i}", "summary": "", "field": "fintech"}
        for i in range(size)])
    first_app = (db.session.scalar(select(db.func.max(Application.id))) or 0) + 1
    db.session.execute(insert(Application), [
        {"project_id": first_project + i, "call_id": call.id, "state": state, "version": 2,
         "answers": {}, "requested_amount": 1, "created_by_id": owner, "submitted_at": now}
        for i in range(size)])
    first_assignment = (db.session.scalar(select(db.func.max(ReviewAssignment.id))) or 0) + 1
    pairs = [(first_app + i, user_ids[(3 * i + k) % reviewers])
             for i in range(size) for k in range(3)]
    db.session.execute(insert(ReviewAssignment), [
        {"application_id": a, "call_id": call.id, "reviewer_id": r, "assigned_at": now,
         "declaration": "no_conflict"} for a, r in pairs])
    db.session.execute(insert(Review), [
        {"assignment_id": first_assignment + n, "scores": {}, "score": rng.randrange(101),
         "comment": "", "recommendation": "yes", "version": 1, "updated_at": now,
         "submitted_at": now} for n in range(len(pairs))])
    db.session.commit()


@pytest.mark.parametrize("surface", ["api", "page"])
def test_the_ranking_issues_the_same_statements_at_200_and_2000_applications(
        surface, create_call, manager_of, api, login, client):
    call = create_call(rubric=RUBRIC)
    manager = manager_of(call)
    api_client = api(manager)
    login(manager)
    counts = []
    for size in (200, 1800):  # 200, then 2,000 applications with 6,000 reviews
        seed(call, size, 20 if size == 200 else 200)
        with statements() as seen:
            if surface == "api":
                response = api_client.get(f"/calls/{call.id}/ranking")
            else:
                response = client.get(f"/review/calls/{call.id}/ranking")
        assert response.status_code == 200
        counts.append(len(seen))
    assert counts[0] == counts[1], counts
    assert db.session.scalar(select(db.func.count()).select_from(Review)) == 6000


def test_a_manager_sets_the_review_deadline_shown_on_the_reviewers_desk(
        example, login, client, reviewers_of):
    call, manager, _ = example
    login(manager)
    url = f"/review/calls/{call.id}/deadline"
    bad = client.post(url, data={"review_deadline": "2001-01-01T10:00"})
    assert bad.status_code == 422 and b'value="2001-01-01T10:00"' in bad.data
    assert client.post(url, data={"review_deadline": "2099-03-02T17:30"}).status_code == 302
    db.session.expire_all()
    stored = db.session.get(type(call), call.id).review_deadline
    assert stored.isoformat() == "2099-03-02T10:30:00+00:00"  # 17:30 in Ho Chi Minh City
    page = client.get(f"/review/calls/{call.id}/ranking")
    assert b'value="2099-03-02T17:30"' in page.data
    reviewer = db.session.scalar(select(User).join(ReviewAssignment,
                                                   ReviewAssignment.reviewer_id == User.id))
    login(reviewer)
    assert b"02/03/2099 17:30" in client.get("/review").data
    assert client.post(url, data={"review_deadline": ""}).status_code == 403
