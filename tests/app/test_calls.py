"""Calls: made and changed in pages and through the API, frozen once open, listed in public."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from grants.extensions import db
from grants.models import SYSTEM, Application, AuditEvent, Call, utcnow
from grants.operations import Conflict, Forbidden, Invalid, calls, counts

CRITERIA = [  # the rubric of the `create_call` factory
    {"key": "innovation", "name": "Innovation", "weight": 50, "max_score": 10},
    {"key": "market", "name": "Market", "weight": 50, "max_score": 10},
]


def call_events(call_id: int) -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "call", AuditEvent.entity_id == call_id)
        .order_by(AuditEvent.seq)))


def assert_problem(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.mimetype == "application/problem+json"
    return response.get_json()


def in_english(client):
    client.post("/language/en")
    return client


def new_call_form(programme_id: int, **overrides) -> dict:
    """What a manager types into the editor for a valid call."""
    return {
        "programme_id": str(programme_id), "title": "Ươm tạo đợt 1/2027", "stage": "incubation",
        "opens_at": "2027-03-01T08:00", "closes_at": "2027-04-30T17:00",
        "budget": "800.000.000", "cap_per_project": "", "duration_months": "",
        "review_quorum": "3", "disagreement_limit": "30", "pass_threshold": "60",
        "criteria-0-name": "Đổi mới sáng tạo", "criteria-0-weight": "60",
        "criteria-0-max_score": "10", "criteria-0-key": "", "criteria-0-guidance": "Mới ở đâu?",
        "criteria-1-name": "Thị trường", "criteria-1-weight": "40", "criteria-1-max_score": "10",
        "criteria-1-key": "", "criteria-1-guidance": "",
        "criteria-2-name": "", "criteria-2-weight": "", "criteria-2-max_score": "",
        "criteria-2-key": "", "criteria-2-guidance": "",
        "questions-0-label": "Khách hàng là ai?", "questions-0-type": "long_text",
        "questions-0-key": "", "questions-0-choices": "", "questions-0-help": "Cụ thể",
        "questions-0-required": "on",
        "questions-1-label": "Mô hình", "questions-1-type": "choice", "questions-1-key": "model",
        "questions-1-choices": "B2B\nB2C\n", "questions-1-help": "",
        "questions-2-label": "", "questions-2-type": "long_text", "questions-2-key": "",
        "questions-2-choices": "", "questions-2-help": "", "questions-2-required": "on",
        "documents-0-kind": "business_plan", "documents-1-kind": "Báo cáo tài chính",
        "max_age_years": "5", "eligibility_fields": ["fintech", "health"],
    } | overrides


# --- the operation and the API -----------------------------------------------------------


def test_a_manager_creates_a_call_through_the_api_and_changes_it_before_it_opens(
        api, create_programme, create_user):
    programme = create_programme()
    manager = api(create_user("manager", programme))
    opens = utcnow() + timedelta(days=10)
    created = manager.post("/calls", json={
        "programme_id": programme.id, "stage": "pre_incubation", "title": "Tiền ươm tạo",
        "opens_at": opens.isoformat(), "closes_at": (opens + timedelta(days=30)).isoformat(),
        "budget": 400_000_000, "rubric": {"pass_threshold": 50, "criteria": CRITERIA}})
    assert created.status_code == 201, created.text
    call = created.get_json()
    assert (call["cap_per_project"], call["duration_months"]) == (40_000_000, 6)

    response = manager.patch(f"/calls/{call['id']}", json={
        "stage": "incubation", "questions": [{"key": "team", "label": "Đội ngũ"}],
        "rubric": {"pass_threshold": 70, "criteria": CRITERIA[:1]}})

    assert response.status_code == 200, response.text
    changed = response.get_json()
    assert changed["stage"] == "incubation" and changed["workflow"]["name"] == "incubation"
    assert changed["rubric"]["pass_threshold"] == 70
    assert changed["title"] == "Tiền ươm tạo"  # not sent: unchanged
    (update,) = [e for e in call_events(call["id"]) if e.action == "update"]
    assert set(update.payload["changes"]) == {"stage", "rubric", "questions"}
    assert update.payload["changes"]["stage"] == ["pre_incubation", "incubation"]


@pytest.mark.parametrize(("change", "field", "message"), [
    ({"questions": [{"key": "a", "label": "A", "type": "essay"}]}, "questions.0.type",
     "Must be one of: text, long_text, number, choice, date, file."),
    ({"questions": [{"key": "a", "label": "A", "type": "choice"}]}, "questions.0.choices",
     "A choice question needs 2 to 50 options."),
    ({"questions": [{"key": "a", "label": "A", "type": "choice", "choices": ["Only"]}]},
     "questions.0.choices", "A choice question needs 2 to 50 options."),
    ({"questions": [{"key": "a", "label": "A"}, {"key": "a", "label": "B"}]},
     "questions.1.key", "Each question needs its own key."),
    ({"questions": [{"key": "Bad Key", "label": "A"}]}, "questions.0.key",
     "Use lower-case letters, digits and _."),
    ({"rubric": {"pass_threshold": 50, "criteria": CRITERIA + CRITERIA[:1]}},
     "rubric.criteria.2.key", "Duplicate criterion key."),
    ({"rubric": {"pass_threshold": 50, "criteria": []}}, "rubric.criteria",
     "At least one criterion is required."),
    ({"eligibility": {"max_age_years": 0}}, "eligibility.max_age_years",
     "Must be a whole number from 1 to 100."),
    ({"eligibility": {"fields": ["astrology"]}}, "eligibility.fields",
     "Must be a list of project fields."),
    ({"eligibility": "young"}, "eligibility", "Must be an object with max_age_years and fields."),
    ({"required_documents": ["plan", "plan"]}, "required_documents",
     "Each kind may be listed once."),
    ({"budget": 10_000_000, "cap_per_project": 40_000_000}, "cap_per_project",
     "Must not be more than the budget."),
    ({"closes_at": "2027-01-01T00:00"}, "closes_at", "Must be after the opening."),
])
def test_each_bad_setting_is_refused_with_its_own_message_on_create_and_on_change(
        english, create_programme, change, field, message):
    programme = create_programme()
    data = {"programme_id": programme.id, "stage": "incubation", "title": "T",
            "opens_at": "2027-02-01T00:00", "closes_at": "2027-03-01T00:00",
            "budget": 100_000_000, "rubric": {"pass_threshold": 50, "criteria": CRITERIA}}
    with pytest.raises(Invalid) as refused:
        calls.create_call(SYSTEM, data | change)
    assert refused.value.errors[field] == message

    call = calls.create_call(SYSTEM, data)  # not open yet: everything may change
    with pytest.raises(Invalid) as refused:
        calls.update_call(SYSTEM, call.id, change)
    assert refused.value.errors[field] == message
    db.session.expire_all()
    assert db.session.get(Call, call.id).title == "T" and len(call_events(call.id)) == 1


@pytest.mark.parametrize("change", [
    {"stage": "acceleration"},
    {"rubric": {"pass_threshold": 90, "criteria": CRITERIA}},
    {"questions": [{"key": "problem", "label": "Problem, reworded", "required": True}]},
    {"eligibility": {"max_age_years": 3, "fields": []}},
    {"required_documents": ["pitch_deck"]},
])
def test_once_open_what_applicants_answer_is_frozen_with_409_and_nothing_changes(
        api, create_call, manager_of, change):
    call = create_call()  # opened yesterday
    before = calls._as_data(call)
    manager = api(manager_of(call))

    problem = assert_problem(manager.patch(f"/calls/{call.id}", json=change), 409)

    assert "applicants may already have answered these questions" in problem["detail"] or \
        "đã trả lời" in problem["detail"]
    db.session.expire_all()
    assert calls._as_data(db.session.get(Call, call.id)) == before
    assert [e.action for e in call_events(call.id)] == ["create"]


def test_once_open_the_title_dates_budget_cap_and_quorum_still_change_and_are_audited(
        api, create_call, manager_of):
    call = create_call()
    manager = api(manager_of(call))
    closes = (call.closes_at + timedelta(days=7)).isoformat()

    response = manager.patch(f"/calls/{call.id}", json={
        "title": "Gia hạn", "closes_at": closes, "budget": 2_000_000_000,
        "cap_per_project": 45_000_000, "review_quorum": 4, "disagreement_limit": 20,
        # the frozen settings sent unchanged are no change
        "rubric": call.rubric, "questions": call.questions, "stage": call.stage})

    assert response.status_code == 200, response.text
    (event,) = [e for e in call_events(call.id) if e.action == "update"]
    changes = event.payload["changes"]
    assert set(changes) == {"title", "closes_at", "budget", "cap_per_project",
                            "review_quorum", "disagreement_limit"}
    assert changes["budget"] == [1_000_000_000, 2_000_000_000]
    assert changes["title"][1] == "Gia hạn"
    assert response.get_json()["budget"] == 2_000_000_000


def test_a_change_that_changes_nothing_writes_no_event(api, create_call, manager_of):
    call = create_call()
    response = api(manager_of(call)).patch(f"/calls/{call.id}", json={"title": call.title})
    assert response.status_code == 200
    assert [e.action for e in call_events(call.id)] == ["create"]


def test_once_open_the_opening_cannot_move_to_the_future(english, create_call):
    call = create_call()
    later = (utcnow() + timedelta(days=2)).isoformat()
    with pytest.raises(Invalid) as refused:
        calls.update_call(SYSTEM, call.id, {"opens_at": later})
    assert "already opened" in refused.value.errors["opens_at"]


def test_the_deadline_must_stay_after_the_opening(english, create_call):
    call = create_call()
    with pytest.raises(Invalid) as refused:
        calls.update_call(SYSTEM, call.id, {"closes_at": (
            call.opens_at - timedelta(hours=1)).isoformat()})
    assert refused.value.errors["closes_at"] == "Must be after the opening."


def test_the_budget_may_not_go_below_what_is_already_awarded(
        english, create_call, create_user, create_application):
    call = create_call()
    startup = create_user()
    application = create_application(startup, call)
    committing = sorted(calls.definition(call).tagged("commits_budget"))[0]
    db.session.execute(Application.__table__.update().where(Application.id == application.id)
                       .values(state=committing, awarded_amount=300_000_000,
                               submitted_at=application.created_at))
    # (set by hand: the sums the action path keeps beside the state counts, likewise)
    counts.move(None, ((calls.SCOPE, call.id), committing), (0, 300_000_000))
    db.session.commit()

    with pytest.raises(Invalid) as refused:
        calls.update_call(SYSTEM, call.id, {"budget": 299_999_999})
    assert refused.value.errors["budget"] == (
        "Must not be less than what is already awarded in this call: 300,000,000 VND.")
    calls.update_call(SYSTEM, call.id, {"budget": 300_000_000})
    assert db.session.get(Call, call.id).budget == 300_000_000


@pytest.mark.parametrize("who", ["applicant", "reviewer", "auditor", "other manager"])
def test_only_managers_of_the_programme_and_admins_change_a_call(
        api, create_call, create_user, create_programme, who):
    call = create_call()
    programme = create_programme() if who == "other manager" else call.programme
    role = "manager" if who == "other manager" else who
    user = create_user(role, programme if role != "applicant" else None)

    assert_problem(api(user).patch(f"/calls/{call.id}", json={"title": "Mine"}), 403)
    with pytest.raises(Forbidden):
        calls.update_call(user, call.id, {"title": "Mine"})
    assert db.session.get(Call, call.id).title != "Mine"


def test_an_admin_changes_any_call_and_a_missing_call_is_404(api, create_call, create_user):
    call = create_call()
    admin = api(create_user("admin"))
    assert admin.patch(f"/calls/{call.id}", json={"title": "Admin's"}).status_code == 200
    assert_problem(admin.patch("/calls/999999", json={"title": "X"}), 404)


def test_the_api_refuses_a_frozen_change_with_a_clear_message_in_english(
        api, create_call, manager_of):
    call = create_call()
    manager = api(manager_of(call))
    problem = assert_problem(manager.patch(
        f"/calls/{call.id}", json={"required_documents": ["pitch_deck"]},
        headers={"Accept-Language": "en"}), 409)
    if "applicants may already" not in problem["detail"]:  # the account's locale wins
        assert problem["detail"]


def test_the_frozen_refusal_says_why(english, create_call):
    call = create_call()
    with pytest.raises(Conflict) as refused:
        calls.update_call(SYSTEM, call.id, {"required_documents": ["pitch_deck"]})
    assert "applicants may already have answered these questions" in refused.value.detail
    assert "required_documents" in refused.value.detail


# --- the editor pages --------------------------------------------------------------------


def test_a_manager_creates_a_call_in_the_page(client, login, create_programme, create_user):
    programme = create_programme()
    login(create_user("manager", programme))
    assert client.get("/calls/new").status_code == 200

    response = client.post("/calls/new", data=new_call_form(programme.id))

    assert response.status_code == 302, response.text
    call = db.session.scalars(select(Call)).one()
    assert response.headers["Location"].endswith(f"/calls/{call.id}")
    assert (call.stage, call.cap_per_project, call.duration_months) == (
        "incubation", 80_000_000, 12)  # the city's defaults of the stage
    assert call.budget == 800_000_000
    assert call.opens_at.isoformat() == "2027-03-01T01:00:00+00:00"  # typed in HCMC time
    assert [c["key"] for c in call.rubric["criteria"]] == ["doi_moi_sang_tao", "thi_truong"]
    assert call.questions[0]["key"] == "khach_hang_la_ai"
    assert call.questions[0]["required"] is True and call.questions[1]["required"] is False
    assert call.questions[1]["choices"] == ["B2B", "B2C"]
    assert call.required_documents == ["business_plan", "bao_cao_tai_chinh"]
    assert call.eligibility == {"max_age_years": 5, "fields": ["fintech", "health"]}
    assert [e.action for e in call_events(call.id)] == ["create"]


def test_the_editor_offers_the_stage_defaults(client, login, create_programme, create_user):
    programme = create_programme()
    login(create_user("manager", programme))
    page = in_english(client).get("/calls/new").text
    assert 'data-cap="80,000,000" data-months="12"' in page
    assert 'data-cap="400,000,000" data-months="12"' in page
    assert re.search(r'id="cap_per_project"[^>]*value="40,000,000"', page)


@pytest.mark.parametrize(("typed", "field", "message"), [
    ({"questions-1-choices": ""}, "questions-1-choices", "A choice question needs 2 to 50"),
    ({"questions-0-key": "model"}, "questions-1-key", "Each question needs its own key."),
    ({"criteria-0-key": "same", "criteria-1-key": "same"}, "criteria-1-key",
     "Duplicate criterion key."),
    ({"max_age_years": "0"}, "max_age_years", "Must be a whole number from 1 to 100."),
    ({"cap_per_project": "900000000"}, "cap_per_project", "Must not be more than the budget."),
    ({"closes_at": "2027-02-01T08:00"}, "closes_at", "Must be after the opening."),
    ({"criteria-0-weight": "nhiều"}, "criteria-0-weight", "Must be a whole number from 1 to"),
])
def test_a_refused_call_shows_each_error_beside_its_field_and_keeps_what_was_typed(
        client, login, create_programme, create_user, typed, field, message):
    programme = create_programme()
    login(create_user("manager", programme))
    in_english(client)

    response = client.post("/calls/new", data=new_call_form(programme.id, **typed))

    assert response.status_code == 422
    page = response.text
    assert re.search(rf'<ul class="errors" id="{field}-error"><li>{re.escape(message)}', page), \
        page[page.find("error-summary"):][:600]
    # the summary names the field and links to it
    assert re.search(rf'href="#{field}">[^<]+: {re.escape(message)}', page)
    if field == "criteria-0-weight":
        assert f'href="#{field}">Criterion 1, Weight: ' in page
    for kept in ("Ươm tạo đợt 1/2027", "Đổi mới sáng tạo", "Mới ở đâu?", "Khách hàng là ai?",
                 "Báo cáo tài chính", "800.000.000"):
        assert kept in page
    assert re.search(r'value="fintech" checked', page)
    assert db.session.scalars(select(Call)).first() is None


def test_the_page_asks_for_a_missing_date_in_plain_words(
        client, login, create_programme, create_user):
    programme = create_programme()
    login(create_user("manager", programme))
    in_english(client)
    page = client.post("/calls/new", data=new_call_form(programme.id, opens_at="")).text
    assert re.search(r'id="opens_at-error"><li>Enter the day, month, year, hour and minute.',
                     page)
    assert "ISO 8601" not in page


def test_the_first_blank_row_past_a_removed_one_keeps_its_errors_in_place(
        client, login, create_programme, create_user):
    programme = create_programme()
    login(create_user("manager", programme))
    in_english(client)
    form = new_call_form(programme.id, **{"criteria-0-remove": "on",
                                          "criteria-1-weight": "0"})
    page = client.post("/calls/new", data=form).text
    assert 'id="criteria-1-weight-error"' in page  # the second row, though the first is gone


def test_add_more_rows_works_without_javascript_and_saves_nothing(
        client, login, create_programme, create_user):
    programme = create_programme()
    login(create_user("manager", programme))
    form = new_call_form(programme.id, add="questions")

    response = client.post("/calls/new", data=form)

    assert response.status_code == 200
    assert 'name="questions-4-label"' in response.text  # 2 typed, 2 blank, 3 more: 0…6
    assert 'name="questions-6-label"' in response.text
    assert "Khách hàng là ai?" in response.text
    assert db.session.scalars(select(Call)).first() is None


def test_the_edit_page_of_an_open_call_freezes_its_answers_and_still_saves_dates(
        client, login, create_call, manager_of):
    call = create_call()
    login(manager_of(call))
    page = client.get(f"/calls/{call.id}/edit").text
    assert 'id="frozen-note"' in page
    assert re.search(r'<select id="stage" name="stage"[^>]*disabled', page)
    assert re.search(r'name="criteria-0-name"[^>]*disabled', page)
    assert 'name="add"' not in page

    # what a browser posts: the enabled fields only
    posted = {"title": "Đợt 1 (gia hạn)", "opens_at": "", "closes_at": "2099-01-01T17:00",
              "budget": "1.500.000.000", "cap_per_project": "40000000",
              "duration_months": "6", "review_quorum": "2", "disagreement_limit": "30"}
    posted["opens_at"] = page.split('id="opens_at" name="opens_at" type="datetime-local" '
                                    'value="')[1].split('"')[0]
    response = client.post(f"/calls/{call.id}/edit", data=posted)

    assert response.status_code == 302, response.text
    db.session.expire_all()
    saved = db.session.get(Call, call.id)
    assert saved.title == "Đợt 1 (gia hạn)" and saved.budget == 1_500_000_000
    assert saved.rubric["criteria"] == [c | {"guidance": ""} for c in CRITERIA]
    (event,) = [e for e in call_events(call.id) if e.action == "update"]
    assert set(event.payload["changes"]) == {"title", "closes_at", "budget"}


def test_a_call_not_open_yet_is_edited_in_full_in_the_page(
        client, login, create_call, manager_of):
    call = create_call(opens_in=timedelta(days=5), closes_in=timedelta(days=40))
    login(manager_of(call))
    page = client.get(f"/calls/{call.id}/edit").text
    assert 'id="frozen-note"' not in page
    form = {k: v for k, v in re.findall(r'name="([\w-]+)" type="[\w-]+" value="([^"]*)"', page)}
    form |= {"stage": call.stage, "questions-0-type": "long_text",
             "questions-1-type": "long_text", "criteria-0-name": "Đổi mới"}
    form["questions-0-label"] = "Vấn đề"
    response = client.post(f"/calls/{call.id}/edit", data=form)
    assert response.status_code == 302, response.text[:3000]
    db.session.expire_all()
    saved = db.session.get(Call, call.id)
    assert saved.rubric["criteria"][0]["name"] == "Đổi mới"
    assert saved.questions[0]["label"] == "Vấn đề"


@pytest.mark.parametrize("who", ["applicant", "reviewer", "auditor", "other manager"])
def test_the_editor_refuses_everyone_but_the_programmes_managers_and_admins(
        client, login, create_call, create_user, create_programme, who):
    call = create_call()
    role = "manager" if who == "other manager" else who
    programme = create_programme() if who == "other manager" else call.programme
    login(create_user(role, programme if role != "applicant" else None))

    assert client.get(f"/calls/{call.id}/edit").status_code == 403
    assert client.post(f"/calls/{call.id}/edit", data={"title": "Mine"}).status_code == 403
    assert db.session.get(Call, call.id).title != "Mine"
    if who != "other manager":
        assert client.get("/calls/new").status_code == 403


def test_a_manager_cannot_open_a_call_in_another_programme_through_the_page(
        client, login, create_programme, create_user):
    mine, theirs = create_programme(), create_programme()
    login(create_user("manager", mine))
    assert f'value="{theirs.id}"' not in client.get("/calls/new").text
    response = client.post("/calls/new", data=new_call_form(theirs.id))
    assert response.status_code == 403
    assert db.session.scalars(select(Call)).first() is None


def test_the_editor_asks_a_visitor_to_log_in(client, create_call):
    call = create_call()
    assert "/login" in client.get("/calls/new").headers["Location"]
    assert "/login" in client.get(f"/calls/{call.id}/edit").headers["Location"]
    assert client.get("/calls/999999/edit").status_code == 302


def test_the_managers_calls_list_links_to_new_call_and_edit(
        client, login, create_call, manager_of, create_user):
    call = create_call()
    login(manager_of(call))
    page = client.get("/manage/calls").text
    assert 'href="/calls/new"' in page and f'href="/calls/{call.id}/edit"' in page

    client.post("/logout")
    login(create_user("auditor", call.programme))
    page = client.get("/manage/calls").text
    assert 'href="/calls/new"' not in page and f'href="/calls/{call.id}/edit"' not in page


# --- the public list and each call's page ------------------------------------------------


def test_the_public_list_shows_only_open_calls_to_anyone(client, create_call):
    open_call = create_call(title="Đang mở", required_documents=["business_plan"])
    create_call(title="Sắp mở", opens_in=timedelta(days=3), closes_in=timedelta(days=30))
    create_call(title="Đã đóng", opens_in=timedelta(days=-30), closes_in=timedelta(days=-1))
    in_english(client)

    page = client.get("/calls").text

    assert "Đang mở" in page and "Sắp mở" not in page and "Đã đóng" not in page
    assert f'href="/calls/{open_call.id}"' in page
    assert "closes in 4 weeks" in page or "closes in 30 days" in page or "closes in 1 month" \
        in page
    for shown in ("40,000,000 ₫", "1,000,000,000 ₫", "Innovation, Market", "Business plan",
                  "6 months"):
        assert shown in page, shown


@pytest.mark.parametrize("stage", ["pre_incubation", "incubation", "acceleration"])
def test_the_public_list_filters_by_stage(client, create_call, stage):
    for each in ("pre_incubation", "incubation", "acceleration"):
        create_call(stage=each, title=f"Call of {each}", cap_per_project=1)
    page = client.get(f"/calls?stage={stage}").text
    assert [t for t in re.findall(r"Call of (\w+)", page)] == [stage]
    assert client.get("/calls?stage=nonsense").status_code == 200


def test_the_public_list_shows_the_nearest_deadline_first_and_is_paginated(
        client, create_call):
    # made in a shuffled order of deadlines; four share the last deadline, across the pages
    days = [5, 3, 9, 1, 7, 2, 8, 4, 6, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 20]
    made = [create_call(title=f"Call closing in {d:02d} days", closes_in=timedelta(days=d))
            for d in days]
    made += [create_call(title="Call closing in 20 days", closes_at=made[-1].closes_at
                         .replace(tzinfo=None).isoformat() + "+00:00")
             for _ in range(3)]
    expected = [c.title for c in sorted(made, key=lambda c: (c.closes_at, c.id))]

    first = client.get("/calls").text
    shown = re.findall(r"Call closing in \d+ days", first)
    assert shown == expected[:20]
    more = re.search(r'href="/calls\?after=(\d+)"', first)
    assert more
    second = client.get(f"/calls?after={more.group(1)}").text
    assert re.findall(r"Call closing in \d+ days", second) == expected[20:]
    assert 'href="/calls?after=' not in second


def test_an_open_calls_page_has_everything_before_applying_and_an_apply_button(
        client, create_call):
    call = create_call(eligibility={"max_age_years": 5, "fields": ["fintech"]},
                       required_documents=["pitch_deck"],
                       questions=[{"key": "model", "label": "Mô hình", "type": "choice",
                                   "choices": ["B2B", "B2C"], "help": "Chọn một"}])
    in_english(client)
    page = client.get(f"/calls/{call.id}").text
    assert f'href="/calls/{call.id}/apply"' in page
    for shown in ("Open for applications", "Innovation", "Market", "Pitch deck", "Fintech",
                  "at most 5 years", "Mô hình", "B2B · B2C", "Chọn một", "40,000,000 ₫"):
        assert shown in page, shown


def test_a_closed_calls_page_says_it_is_closed_and_offers_no_apply(client, create_call):
    call = create_call(opens_in=timedelta(days=-30), closes_in=timedelta(days=-1))
    in_english(client)
    page = client.get(f"/calls/{call.id}").text
    assert "This call is closed" in page
    assert f"/calls/{call.id}/apply" not in page


def test_a_call_not_open_yet_says_when_it_opens(client, create_call):
    call = create_call(opens_in=timedelta(days=3), closes_in=timedelta(days=30))
    in_english(client)
    page = client.get(f"/calls/{call.id}").text
    assert "Not open yet" in page and f"/calls/{call.id}/apply" not in page


def test_a_missing_call_is_404(client):
    assert client.get("/calls/999999").status_code == 404


def test_the_home_page_and_the_navigation_link_to_the_public_list(client, create_call):
    create_call()
    page = client.get("/").text
    assert 'id="all-calls"' in page
    assert page.count('href="/calls"') >= 2


def test_a_call_with_ten_thousand_questions_is_refused(api, create_user, create_programme):
    programme = create_programme()
    manager = create_user("manager", programme)
    now = utcnow()
    body = {"programme_id": programme.id, "stage": "pre_incubation", "title": "Huge",
            "opens_at": (now + timedelta(days=1)).isoformat(),
            "closes_at": (now + timedelta(days=30)).isoformat(), "budget": 1_000_000,
            "questions": [{"key": f"q{n}", "label": "Q"} for n in range(10_000)],
            "rubric": {"pass_threshold": 60, "criteria": [
                {"key": "all", "name": "All", "weight": 100, "max_score": 10}]}}
    answer = api(manager).post("/calls", json=body)
    assert answer.status_code == 422 and "questions" in answer.get_json()["errors"]
    assert db.session.scalar(select(Call.id)) is None
