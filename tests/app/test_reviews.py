"""Reviewers score against the call's rubric; submitting locks; a manager reopens; who reads
which review; a blind call shows reviewers nobody's identity."""

import pytest
from sqlalchemy import select

from grants.extensions import db
from grants.models import AuditEvent, Membership, Role
from grants.operations import Conflict, Forbidden, Invalid, NotFound, reviews

FULL = {"scores": {"innovation": 8, "market": 6}, "comment": "Solid team",
        "recommendation": "yes", "submit": True}


@pytest.fixture
def setup(create_call, manager_of, submitted_application, reviewers_of):
    call = create_call()
    manager, application = manager_of(call), submitted_application(call)
    people = reviewers_of(call, 3)
    made = [reviews.assign(manager, application.id, {"reviewer_id": r.id}) for r in people]
    for reviewer, assignment in zip(people, made, strict=True):
        reviews.declare(reviewer, assignment.id, {"conflict": False})
    return call, manager, application, list(zip(people, made, strict=True))


def test_the_score_is_the_weighted_sum_normalised_to_100(create_call, manager_of,
                                                         submitted_application, reviewers_of):
    call = create_call(rubric={"pass_threshold": 50, "criteria": [
        {"key": "team", "name": "Team", "weight": 3, "max_score": 5},
        {"key": "market", "name": "Market", "weight": 1, "max_score": 10}]})
    application = submitted_application(call)
    [reviewer] = reviewers_of(call)
    a = reviews.assign(manager_of(call), application.id, {"reviewer_id": reviewer.id})
    reviews.declare(reviewer, a.id, {"conflict": False})
    review = reviews.save_review(reviewer, a.id, {"scores": {"team": 4, "market": 5},
                                                  "recommendation": "maybe", "submit": True})
    # (3 × 4/5 + 1 × 5/10) / (3 + 1) × 100 = (2.4 + 0.5) / 4 × 100 = 72.5
    assert review.score == 72.5


def test_a_draft_is_saved_then_submitting_locks_it(setup):
    call, manager, application, [(reviewer, assignment), *_] = setup
    draft = reviews.save_review(reviewer, assignment.id, {"scores": {"innovation": 7}})
    assert (draft.scores, draft.score, draft.submitted_at) == ({"innovation": 7}, None, None)
    submitted = reviews.save_review(reviewer, assignment.id, FULL)
    assert submitted.submitted_at is not None and submitted.score == 70.0
    with pytest.raises(Conflict):
        reviews.save_review(reviewer, assignment.id, FULL | {"scores": {"innovation": 1}})
    assert db.session.get(type(submitted), submitted.id).scores == FULL["scores"]
    assert [e.action for e in db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "review").order_by(AuditEvent.seq))] == [
        "save_review", "submit_review"]


@pytest.mark.parametrize("scores", [{"innovation": 11, "market": 5}, {"innovation": -1,
                                    "market": 5}, {"innovation": "8", "market": 5},
                                    {"innovation": 2.5, "market": 5}, {"impact": 3}])
def test_scores_outside_the_rubric_are_refused(setup, scores):
    call, manager, application, [(reviewer, assignment), *_] = setup
    with pytest.raises(Invalid) as refused:
        reviews.save_review(reviewer, assignment.id, {"scores": scores})
    assert set(refused.value.errors) <= {"scores.innovation", "scores.impact"}
    assert reviews.reviews_of(reviewer, application.id) == []


def test_submitting_needs_every_criterion_and_a_recommendation(setup):
    call, manager, application, [(reviewer, assignment), *_] = setup
    with pytest.raises(Invalid) as refused:
        reviews.save_review(reviewer, assignment.id, {"scores": {"innovation": 3},
                                                      "submit": True})
    assert set(refused.value.errors) == {"scores.market", "recommendation"}


def test_a_manager_reopens_a_submitted_review_with_a_reason(setup):
    call, manager, application, [(reviewer, assignment), *_] = setup
    reviews.save_review(reviewer, assignment.id, FULL)
    with pytest.raises(Invalid):
        reviews.reopen(manager, assignment.id, {})
    with pytest.raises(Forbidden):
        reviews.reopen(reviewer, assignment.id, {"reason": "I want to change it"})
    reopened = reviews.reopen(manager, assignment.id, {"reason": "Scores swapped"})
    assert reopened.submitted_at is None and reopened.reopen_reason == "Scores swapped"
    event = db.session.scalars(select(AuditEvent).order_by(AuditEvent.seq.desc())).first()
    assert (event.action, event.reason, event.actor_id) == ("reopen", "Scores swapped",
                                                             manager.id)
    changed = reviews.save_review(reviewer, assignment.id, FULL | {"scores": {
        "innovation": 6, "market": 8}})
    assert changed.score == 70.0 and changed.scores == {"innovation": 6, "market": 8}


def test_a_reviewer_sees_the_others_only_after_submitting_their_own(setup):
    call, manager, application, [(first, a1), (second, a2), (third, a3)] = setup
    reviews.save_review(second, a2.id, FULL)
    reviews.save_review(third, a3.id, FULL | {"submit": False})
    assert reviews.reviews_of(first, application.id) == []
    reviews.save_review(first, a1.id, {"scores": {"innovation": 2}})
    assert [v.mine for v in reviews.reviews_of(first, application.id)] == [True]
    reviews.save_review(first, a1.id, FULL)
    seen = reviews.reviews_of(first, application.id)
    # their own and the other submitted one, whose author is not named; never a draft
    assert [(v.assignment.id, v.mine, v.reviewer) for v in seen] == [
        (a1.id, True, first), (a2.id, False, None)]
    staff = reviews.reviews_of(manager, application.id)
    assert [v.reviewer for v in staff] == [first, second, third]


def test_applicants_never_see_reviews(setup, api):
    call, manager, application, [(reviewer, assignment), *_] = setup
    reviews.save_review(reviewer, assignment.id, FULL)
    startup = db.session.get(type(reviewer), application.created_by_id)
    with pytest.raises(Forbidden):
        reviews.reviews_of(startup, application.id)
    response = api(startup).get(f"/applications/{application.id}/reviews")
    assert response.status_code == 403
    assert reviewer.name.encode() not in response.data and b"70.0" not in response.data


def test_the_review_api_refuses_bad_scores_unassigned_reviewers_and_other_programmes(
        setup, api, create_user, create_programme, reviewers_of):
    call, manager, application, [(reviewer, assignment), *_] = setup
    client = api(reviewer)
    response = client.put(f"/assignments/{assignment.id}/review",
                          json={"scores": {"innovation": 11}})
    assert response.status_code == 422
    assert "scores.innovation" in response.get_json()["errors"]
    [idle] = reviewers_of(call)  # a reviewer of the programme, not assigned here
    elsewhere = create_user(Role.REVIEWER.value, create_programme())
    for outsider in (idle, elsewhere):
        other = api(outsider)
        assert other.put(f"/assignments/{assignment.id}/review", json=FULL).status_code == 404
        assert other.get(f"/applications/{application.id}").status_code == 404
        assert other.get(f"/applications/{application.id}/reviews").status_code == 404
        assert other.post(f"/assignments/{assignment.id}/declaration",
                          json={"conflict": False}).status_code == 404
    startup = db.session.get(type(reviewer), application.created_by_id)
    assert api(startup).post(f"/applications/{application.id}/assignments",
                             json={"reviewer_id": idle.id}).status_code == 403
    answer = client.put(f"/assignments/{assignment.id}/review", json=FULL)
    assert answer.status_code == 200 and answer.get_json()["score"] == 70.0


def test_the_api_flow_assign_declare_score_read(create_call, manager_of, submitted_application,
                                                reviewers_of, api):
    call = create_call()
    application = submitted_application(call)
    manager = api(manager_of(call))
    first, second = reviewers_of(call, 2)
    made = manager.post(f"/applications/{application.id}/assignments",
                        json={"reviewer_id": first.id})
    assert made.status_code == 201
    assignment = made.get_json()
    assert assignment["declaration"] == "none" and assignment["review_status"] == "not_started"
    assert manager.post(f"/applications/{application.id}/assignments",
                        json={"reviewer_id": first.id}).status_code == 409
    auto = manager.post(f"/calls/{call.id}/assignments/auto", json={"per_application": 2})
    assert [a["reviewer_id"] for a in auto.get_json()["items"]] == [second.id]
    reviewer = api(first)
    queue = reviewer.get("/assignments").get_json()
    assert [a["id"] for a in queue["items"]] == [assignment["id"]]
    assert reviewer.get(f"/applications/{application.id}").status_code == 404
    declared = reviewer.post(f"/assignments/{assignment['id']}/declaration",
                             json={"conflict": False})
    assert declared.get_json()["declaration"] == "no_conflict"
    assert reviewer.get(f"/applications/{application.id}").status_code == 200
    saved = reviewer.put(f"/assignments/{assignment['id']}/review", json=FULL)
    assert saved.get_json()["mine"] is True
    listed = reviewer.get(f"/applications/{application.id}/reviews").get_json()["items"]
    assert [r["score"] for r in listed] == [70.0]
    everyone = manager.get(f"/applications/{application.id}/assignments").get_json()["items"]
    assert {a["reviewer_id"] for a in everyone} == {first.id, second.id}
    removed = manager.delete(f"/applications/{application.id}/assignments/"
                             f"{everyone[1]['id']}")
    assert removed.status_code == 200 and removed.get_json()["cancelled_at"] is not None


def test_a_blind_call_leaks_no_identity_to_reviewers(create_call, manager_of, create_user,
                                                     create_organization, create_application,
                                                     reviewers_of, api, login, client):
    call = create_call(blind_review=True)
    owner = create_user("applicant", name="Trần Văn Bí Mật", email="founder@secret-startup.vn")
    organization = create_organization(owner, name="Công ty Bí Mật")
    from grants.operations import applications
    application = create_application(owner, call, organization=organization)
    applications.act(owner, application.id, "submit", {"version": 1})
    [reviewer] = reviewers_of(call)
    assignment = reviews.assign(manager_of(call), application.id, {"reviewer_id": reviewer.id})
    secrets = [b"Bi Mat", "Bí Mật".encode(), b"secret-startup", organization.name.encode(),
               owner.email.encode(), owner.name.encode()]
    client_api = api(reviewer)
    answers = [client_api.get("/assignments"),
               client_api.post(f"/assignments/{assignment.id}/declaration",
                               json={"conflict": False}),
               client_api.get(f"/applications/{application.id}"),
               client_api.put(f"/assignments/{assignment.id}/review", json=FULL),
               client_api.get(f"/applications/{application.id}/reviews"),
               client_api.get(f"/organizations/{organization.id}")]
    login(reviewer)
    answers += [client.get("/review"), client.get(f"/review/assignments/{assignment.id}"),
                client.get(f"/applications/{application.id}", follow_redirects=True)]
    for response in answers:
        for secret in secrets:
            assert secret not in response.data, (response.request.path, secret)
    assert answers[-3].status_code == 200 and answers[-2].status_code == 200
    assert answers[5].status_code == 404


def test_a_call_that_is_not_blind_shows_the_team_after_declaring(
        create_call, manager_of, create_user, create_organization, create_application,
        reviewers_of, login, client):
    call = create_call()
    owner = create_user("applicant", name="Lê Thị Minh")
    organization = create_organization(owner, name="Minh Agritech")
    from grants.operations import applications
    application = create_application(owner, call, organization=organization)
    applications.act(owner, application.id, "submit", {"version": 1})
    [reviewer] = reviewers_of(call)
    assignment = reviews.assign(manager_of(call), application.id, {"reviewer_id": reviewer.id})
    login(reviewer)
    before = client.get(f"/review/assignments/{assignment.id}")
    assert b"Minh Agritech" in before.data  # whom to judge a conflict with
    assert "Lê Thị Minh".encode() not in before.data and b"Water waste" not in before.data
    reviews.declare(reviewer, assignment.id, {"conflict": False})
    after = client.get(f"/review/assignments/{assignment.id}")
    assert "Lê Thị Minh".encode() in after.data and b"Water waste" in after.data


def test_a_reviewer_in_the_applicant_organization_is_refused_even_if_assigned_before(setup):
    call, manager, application, [(reviewer, assignment), *_] = setup
    db.session.add(Membership(organization_id=application.project.organization_id,
                              user_id=reviewer.id))
    db.session.commit()
    reviews.unassign(manager, application.id, assignment.id)
    with pytest.raises(Invalid):
        reviews.assign(manager, application.id, {"reviewer_id": reviewer.id})
    with pytest.raises(NotFound):
        reviews.save_review(reviewer, assignment.id + 100, FULL)


# --- the pages -------------------------------------------------------------------------------


def test_a_reviewer_declares_scores_and_submits_through_the_pages(setup, login, client):
    call, manager, application, [(reviewer, assignment), (second, other), _] = setup
    reviews.save_review(second, other.id, FULL | {"comment": "Bold idea"})
    login(reviewer)
    desk = client.get("/review")
    assert desk.status_code == 200 and application.project.title.encode() in desk.data
    page = f"/review/assignments/{assignment.id}"
    bad = client.post(page + "/review", data={"score_innovation": "12", "score_market": "abc",
                                              "comment": "Keep me", "do": "final"})
    assert bad.status_code == 422
    assert b'value="12"' in bad.data and b'value="abc"' in bad.data and b"Keep me" in bad.data
    assert b"Bold idea" not in bad.data  # not before submitting their own
    assert client.post(page + "/review", data={"score_innovation": "7", "do": "save"}
                       ).status_code == 302
    done = client.post(page + "/review", data={
        "score_innovation": "7", "score_market": "9", "recommendation": "maybe",
        "comment": "Fine", "do": "final"}, follow_redirects=True)
    assert done.status_code == 200 and b"Bold idea" in done.data
    assert second.name.encode() not in done.data
    review = reviews.my_assignment(reviewer, assignment.id).review
    assert (review.score, review.submitted_at is not None) == (80.0, True)


def test_a_reviewer_recuses_through_the_page_with_a_reason(create_call, manager_of, login,
                                                           client, submitted_application,
                                                           reviewers_of):
    call = create_call()
    application = submitted_application(call)
    [reviewer] = reviewers_of(call)
    assignment = reviews.assign(manager_of(call), application.id, {"reviewer_id": reviewer.id})
    login(reviewer)
    url = f"/review/assignments/{assignment.id}/declaration"
    assert client.post(url, data={"conflict": "yes", "reason": ""}).status_code == 422
    assert client.post(url, data={"conflict": "yes", "reason": "Former colleague"}
                       ).status_code == 302
    assert reviews.my_assignment(reviewer, assignment.id).recused


def test_a_manager_assigns_removes_and_reopens_through_the_pages(setup, login, client,
                                                                  reviewers_of):
    call, manager, application, [(reviewer, assignment), (second, other), _] = setup
    reviews.save_review(reviewer, assignment.id, FULL)
    [fourth] = reviewers_of(call)
    login(manager)
    url = f"/review/applications/{application.id}"
    page = client.get(url)
    assert page.status_code == 200 and fourth.name.encode() in page.data
    assert client.post(url + "/assign", data={"reviewer_id": str(fourth.id)}).status_code == 302
    assert client.post(url + "/assign", data={"reviewer_id": str(fourth.id)}).status_code == 409
    assert client.post(f"{url}/assignments/{other.id}/remove").status_code == 302
    assert client.post(f"{url}/assignments/{assignment.id}/reopen", data={"reason": ""}
                       ).status_code == 422
    assert client.post(f"{url}/assignments/{assignment.id}/reopen",
                       data={"reason": "Check the market score"}).status_code == 302
    assert reviews.my_assignment(reviewer, assignment.id).review.submitted_at is None
    login(reviewer)
    assert client.get(url).status_code == 403  # a reviewer does not manage the reviewers


def test_the_applicants_page_and_history_name_no_reviewer_and_show_no_score(setup, api, login,
                                                                            client):
    call, manager, application, [(reviewer, assignment), *_] = setup
    reviews.save_review(reviewer, assignment.id, FULL | {"comment": "Confidential remark"})
    startup = db.session.get(type(reviewer), application.created_by_id)
    history = api(startup).get(f"/applications/{application.id}/history")
    login(startup)
    page = client.get(f"/applications/{application.id}")
    for response in (history, page):
        assert response.status_code == 200
        for secret in (reviewer.name, reviewer.email, "Confidential remark", "70.0"):
            assert secret.encode() not in response.data, (response.request.path, secret)
    assert [e["action"] for e in history.get_json()["items"]] == ["create", "submit"]


@pytest.mark.parametrize("blind", [True, False])
def test_a_blind_calls_reviewers_read_documents_under_neutral_names(
        blind, create_call, manager_of, create_user, create_organization, create_application,
        reviewers_of, api, login, client):
    import io

    from grants.operations import applications, documents

    call = create_call(blind_review=blind)
    owner = create_user("applicant", name="Lan Nguyễn", email="lan@abc-startup.vn")
    organization = create_organization(owner, name="Công ty ABC")
    application = create_application(owner, call, organization=organization)
    name = "Công ty ABC - lan@abc-startup.vn.pdf"
    upload = type("Upload", (), {"filename": name, "stream": io.BytesIO(b"%PDF-1.7\n%%EOF\n")})()
    document = documents.upload(owner, application.id, "other", upload)
    applications.act(owner, application.id, "submit", {"version": 1})
    [reviewer] = reviewers_of(call)
    assignment = reviews.assign(manager_of(call), application.id, {"reviewer_id": reviewer.id})
    reviews.declare(reviewer, assignment.id, {"conflict": False})
    as_reviewer, as_manager = api(reviewer), api(manager_of(call))

    listed = as_reviewer.get(f"/applications/{application.id}/documents")
    fetched = as_reviewer.get(f"/applications/{application.id}/documents/{document.id}")
    history = as_reviewer.get(f"/applications/{application.id}/history")
    login(reviewer)
    pages = [client.get(f"/review/assignments/{assignment.id}"),
             client.get(f"/applications/{application.id}/documents"),
             client.get(f"/documents/{document.id}")]
    assert history.status_code == 200
    assert (listed.status_code, fetched.status_code, fetched.data) == (
        200, 200, b"%PDF-1.7\n%%EOF\n")
    assert [p.status_code for p in pages] == [200, 200, 200]
    assert pages[2].data == b"%PDF-1.7\n%%EOF\n"
    [item] = listed.get_json()["items"]
    shown = f"/documents/{document.id}".encode()
    assert shown in pages[0].data  # the assignment page links the file
    fetched.close()
    pages[2].close()
    if blind:  # a neutral name, no uploader; the history does not show the upload
        neutral = f"other-{document.id}.pdf"
        assert (item["file_name"], item["uploaded_by_id"]) == (neutral, None)
        assert neutral in fetched.headers["Content-Disposition"]
        assert neutral.encode() in pages[0].data and neutral.encode() in pages[1].data
        assert "upload" not in [e["action"] for e in history.get_json()["items"]]
        for response in (listed, fetched, history, *pages):
            for secret in ("Công ty ABC", "abc-startup", name, owner.name):
                assert secret.encode() not in response.data, (response.request.path, secret)
                assert secret not in str(response.headers), (response.request.path, secret)
    else:
        assert (item["file_name"], item["uploaded_by_id"]) == (name, owner.id)
        assert "upload" in [e["action"] for e in history.get_json()["items"]]
    # the programme's staff always see the documents as uploaded
    assert name in as_manager.get(f"/applications/{application.id}/documents").get_data(
        as_text=True)
    # the programme's staff always see the documents as uploaded
    assert name in as_manager.get(f"/applications/{application.id}/documents").get_data(
        as_text=True)


@pytest.mark.parametrize("shared", [True, False])
def test_applicants_read_the_comments_once_decided_where_the_call_shares_them(
        shared, create_call, manager_of, submitted_application, reviewers_of, create_user, api,
        login, client):
    from grants.operations import applications

    call = create_call(share_review_comments=shared)
    manager, application = manager_of(call), submitted_application(call)
    startup = db.session.get(type(manager), application.created_by_id)
    people = reviewers_of(call, 3)
    made = [reviews.assign(manager, application.id, {"reviewer_id": r.id}) for r in people]
    for reviewer, assignment in zip(people, made, strict=True):
        reviews.declare(reviewer, assignment.id, {"conflict": False})
    applications.act(manager, application.id, "start_review", {"version": 2})
    reviews.save_review(people[0], made[0].id, FULL | {"comment": "Strong market, weak team."})
    reviews.save_review(people[1], made[1].id, FULL | {"comment": ""})
    reviews.save_review(people[2], made[2].id, FULL | {"comment": "Draft thought",
                                                        "submit": False})
    applications.act(manager, application.id, "close_review", {"version": 3})
    url = f"/applications/{application.id}/review-comments"
    # not yet decided: nothing is shared, whatever the call says
    assert api(startup).get(url).status_code == 403
    applications.act(manager, application.id, "reject",
                     {"version": 4, "reason": "Below the threshold"})

    answer = api(startup).get(url)
    login(startup)
    page = client.get(f"/applications/{application.id}")
    if shared:  # the submitted comments, numbered; an empty one and a draft are left out
        assert answer.status_code == 200
        assert answer.get_json()["items"] == [{"number": 1,
                                               "comment": "Strong market, weak team."}]
        assert b"Strong market, weak team." in page.data and b"review-comments" in page.data
    else:
        assert answer.status_code == 403
        assert b"review-comments" not in page.data
    for response in (answer, page):
        for secret in ("Draft thought", "70.0", *(p.name for p in people),
                       *(p.email for p in people)):
            assert secret.encode() not in response.data, (response.request.path, secret)
    # the reviewer is told when writing; reviewers and staff read the reviews themselves;
    # another startup does not learn of it
    login(people[0])
    told = client.get(f"/review/assignments/{made[0].id}")
    assert (b"comment-shared" in told.data) is shared
    assert api(people[0]).get(url).status_code == 403
    assert api(manager).get(url).status_code == 403
    assert api(create_user("applicant")).get(url).status_code == 404


def test_the_call_editor_and_api_set_the_review_deadline_and_the_comment_sharing(
        create_call, manager_of, api):
    call = create_call()
    manager = api(manager_of(call))
    past = manager.patch(f"/calls/{call.id}", json={"review_deadline": "2001-01-01T10:00"})
    assert past.status_code == 422 and "review_deadline" in past.get_json()["errors"]
    changed = manager.patch(f"/calls/{call.id}", json={"review_deadline": "2099-03-02T17:30",
                                                       "share_review_comments": True})
    assert changed.status_code == 200, changed.get_json()
    body = changed.get_json()
    assert (body["review_deadline"], body["share_review_comments"]) == (
        "2099-03-02T10:30:00Z", True)  # 17:30 in Ho Chi Minh City
    event = db.session.scalars(select(AuditEvent).where(AuditEvent.entity_type == "call")
                               .order_by(AuditEvent.seq.desc())).first()
    assert set(event.payload["changes"]) == {"review_deadline", "share_review_comments"}
    cleared = manager.patch(f"/calls/{call.id}", json={"review_deadline": None})
    assert cleared.get_json()["review_deadline"] is None
    bad = manager.patch(f"/calls/{call.id}", json={"share_review_comments": "yes"})
    assert bad.status_code == 422
