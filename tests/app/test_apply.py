"""The application form: a task list of sections saved one at a time, typed questions, a
budget split that adds up, check your answers, submit and a confirmation with the reference."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from grants.extensions import db
from grants.models import Application, AuditEvent
from grants.operations import Invalid, applications

TYPED_QUESTIONS = [
    {"key": "problem", "label": "Vấn đề", "type": "long_text", "required": True},
    {"key": "pitch", "label": "Câu giới thiệu", "type": "text", "required": True},
    {"key": "customers", "label": "Số khách hàng", "type": "number", "required": True},
    {"key": "stage_now", "label": "Giai đoạn", "type": "choice", "required": True,
     "choices": ["Ý tưởng", "Mẫu thử", "Có doanh thu"]},
    {"key": "founded", "label": "Ngày bắt đầu", "type": "date", "required": False},
    {"key": "deck", "label": "Bài thuyết trình", "type": "file", "required": False},
]


@pytest.fixture
def draft(create_user, create_call, create_organization, login, client):
    """A startup logged in with a fresh draft (project only) in a call with typed questions."""
    startup = create_user("applicant")
    organization = create_organization(startup)
    call = create_call(questions=TYPED_QUESTIONS)
    login(startup)
    client.post("/language/en")
    application = applications.create_application(startup, {
        "call_id": call.id, "project": {"title": "Nông trại thông minh", "field": "fintech",
                                        "organization_id": organization.id}})
    return startup, call, application


def saved(application_id: int) -> Application:
    db.session.expire_all()
    return db.session.get(Application, application_id)


def post_section(client, application, section, data):
    version = saved(application.id).version
    return client.post(f"/applications/{application.id}/sections/{section}",
                       data={"version": str(version)} | data)


def complete(client, application):
    """Fill every section through the pages."""
    for section, data in [
        ("project", {"title": "Nông trại thông minh", "summary": "Cảm biến độ ẩm đất",
                     "field": "fintech"}),
        ("team", {"team": "Chị Lan (kỹ sư), anh Minh (kinh doanh)"}),
        ("budget", {"requested_amount": "30.000.000", "labour": "20.000.000",
                    "other": "10.000.000"}),
        ("milestones", {"m0-milestone": "Mẫu thử", "m0-month": "3",
                        "m0-deliverable": "Cảm biến ở 3 trang trại"}),
        ("questions", {"answer_problem": "Lãng phí nước", "answer_pitch": "Tưới đúng lúc",
                       "answer_customers": "12", "answer_stage_now": "Mẫu thử",
                       "answer_founded": "2024-02-29"}),
    ]:
        response = post_section(client, application, section, data)
        assert response.status_code == 302, (section, response.text)


def test_the_task_list_shows_each_section_not_started_then_completed(client, draft):
    _, _, application = draft
    page = client.get(f"/applications/{application.id}/tasks").text
    assert page.count("Not started") == 4  # team, budget, milestones, questions
    assert "In progress" in page  # the project: a title, no summary yet
    complete(client, application)
    page = client.get(f"/applications/{application.id}/tasks").text
    assert page.count('class="tag complete"') == 6  # and documents: the call asks for none
    assert "You have completed 6 of 6 sections." in page


def test_the_task_list_shows_the_documents_done_once_each_required_kind_is_uploaded(
        client, login, create_user, create_call, create_application):
    import io

    from grants.operations import documents

    startup = create_user("applicant")
    call = create_call(required_documents=["business_plan", "pitch_deck"])
    application = create_application(startup, call)
    login(startup)

    def documents_tag() -> str:
        page = client.get(f"/applications/{application.id}/tasks").text
        return page.split('id="status-documents"', 1)[1].split("</span>", 2)[0]

    assert "tag not_started" in documents_tag()
    for kind, expected in (("business_plan", "tag in_progress"), ("pitch_deck", "tag complete")):
        upload = type("Upload", (), {"filename": f"{kind}.pdf",
                                     "stream": io.BytesIO(b"%PDF-1.7\n%%EOF\n")})()
        documents.upload(startup, application.id, kind, upload)
        assert expected in documents_tag(), kind


def test_every_section_saves_and_the_answers_keep_their_types(client, draft):
    _, _, application = draft
    complete(client, application)
    row = saved(application.id)
    assert row.team == "Chị Lan (kỹ sư), anh Minh (kinh doanh)"
    assert row.requested_amount == 30_000_000
    assert row.budget == {"labour": 20_000_000, "other": 10_000_000}
    assert row.milestones == [{"milestone": "Mẫu thử", "month": 3,
                               "deliverable": "Cảm biến ở 3 trang trại"}]
    assert row.answers == {"problem": "Lãng phí nước", "pitch": "Tưới đúng lúc",
                           "customers": 12, "stage_now": "Mẫu thử", "founded": "2024-02-29"}
    # the questions' page is built from the call: a number, a list, a date, a file link
    page = client.get(f"/applications/{application.id}/sections/questions").text
    assert 'id="answer_customers"' in page and 'value="12"' in page
    assert '<select id="answer_stage_now"' in page
    assert 'type="date"' in page and 'value="2024-02-29"' in page
    assert "Bài thuyết trình" in page and 'id="answer_deck"' not in page


def test_a_budget_that_does_not_add_up_is_refused_with_the_sum_and_keeps_what_was_typed(
        client, draft):
    _, _, application = draft
    response = post_section(client, application, "budget", {
        "requested_amount": "30.000.000", "labour": "20.000.000", "other": "5.000.000"})
    assert response.status_code == 422
    assert ("Labour costs (20,000,000 VND) and other costs (5,000,000 VND) add up to "
            "25,000,000 VND, not the requested amount of 30,000,000 VND.") in response.text
    for typed in ("30.000.000", "20.000.000", "5.000.000"):
        assert f'value="{typed}"' in response.text
    assert saved(application.id).budget == {} and saved(application.id).version == 1


def test_a_draft_saves_incomplete(client, draft):
    _, _, application = draft
    response = post_section(client, application, "budget", {
        "requested_amount": "30000000", "labour": "", "other": ""})
    assert response.status_code == 302
    response = post_section(client, application, "milestones", {
        "m0-milestone": "Mẫu thử", "m0-month": "", "m0-deliverable": ""})
    assert response.status_code == 302
    row = saved(application.id)
    assert row.requested_amount == 30_000_000 and row.budget == {}
    assert row.milestones == [{"milestone": "Mẫu thử", "month": None, "deliverable": ""}]
    page = client.get(f"/applications/{application.id}/tasks").text
    assert page.count("In progress") == 3  # project, budget, milestones


def test_a_failed_validation_shows_every_typed_value_again(client, draft):
    _, _, application = draft
    typed = {"answer_problem": "Nước <b>lãng phí</b> & đất khô",
             "answer_pitch": "Tưới đúng lúc", "answer_customers": "mười hai",
             "answer_stage_now": "Không có", "answer_founded": "2024-13-45"}
    response = post_section(client, application, "questions", typed)
    assert response.status_code == 422
    page = response.text
    assert "Nước &lt;b&gt;lãng phí&lt;/b&gt; &amp; đất khô" in page
    assert 'value="Tưới đúng lúc"' in page
    assert 'value="mười hai"' in page
    assert 'value="2024-13-45"' in page
    assert "Must be a whole number, 0 or more." in page
    assert "Must be one of: Ý tưởng, Mẫu thử, Có doanh thu." in page
    assert "Not a valid date (YYYY-MM-DD)." in page
    summary = page[page.index('id="error-summary"'):page.index("</div>", page.index(
        'id="error-summary"'))]
    assert "There is a problem" in summary
    for field in ("answer_customers", "answer_stage_now", "answer_founded"):
        assert f'href="#{field}"' in summary
    assert saved(application.id).answers == {}

    rows = {"m0-milestone": "Mẫu thử", "m0-month": "99", "m0-deliverable": "Bản demo",
            "m1-milestone": "Bán thử", "m1-month": "5", "m1-deliverable": "10 khách"}
    response = post_section(client, application, "milestones", rows)
    assert response.status_code == 422
    for value in rows.values():
        assert f'value="{value}"' in response.text
    assert "Must be a whole number from 1 to 6." in response.text  # a 6-month call
    assert saved(application.id).milestones == []


def test_check_your_answers_lists_what_is_missing_and_links_each_answer_to_its_section(
        client, draft):
    _, _, application = draft
    page = client.get(f"/applications/{application.id}/check").text
    assert "Before you can submit" in page
    for missing in ("The project summary is missing.", "The team is not described.",
                    "The budget split is missing", "The milestone plan is missing",
                    "An answer is missing: Số khách hàng"):
        assert missing in page
    assert 'id="send"' not in page
    complete(client, application)
    page = client.get(f"/applications/{application.id}/check").text
    assert "Before you can submit" not in page and 'id="send"' in page
    for section in applications.SECTIONS:
        assert f"/applications/{application.id}/sections/{section}#" in page
    assert "Cảm biến ở 3 trang trại" in page and "20.000.000" not in page  # shown in English


def test_submitting_leads_to_a_confirmation_with_the_reference_and_what_happens_next(
        client, draft):
    _, _, application = draft
    complete(client, application)
    response = client.post(f"/applications/{application.id}/submit",
                           data={"version": str(saved(application.id).version)})
    assert response.status_code == 302
    assert response.headers["Location"] == f"/applications/{application.id}/confirmation"
    page = client.get(response.headers["Location"]).text
    reference = applications.reference(saved(application.id))
    assert reference == f"HS-{saved(application.id).created_at.year}-{application.id:06d}"
    assert reference in page and "What happens next" in page
    assert "checks that the application is complete and eligible" in page
    detail = client.get(f"/applications/{application.id}").text
    assert reference in detail
    timeline = detail[detail.index('id="timeline"'):detail.index("</ol>", detail.index(
        'id="timeline"'))]
    assert "Started" in timeline and "Submitted" in timeline
    # sent: the sections send back to the application page
    edit = client.get(f"/applications/{application.id}/sections/team")
    assert edit.status_code == 302 and edit.headers["Location"] == f"/applications/{application.id}"


def test_submitting_an_incomplete_draft_is_refused_on_the_check_page(client, draft):
    _, _, application = draft
    response = client.post(f"/applications/{application.id}/submit", data={"version": "1"})
    assert response.status_code == 422
    assert "The team is not described." in response.text
    assert saved(application.id).submitted_at is None


def test_another_startup_cannot_see_or_edit_the_application(
        app, client, draft, create_user, login):
    _, _, application = draft
    other = app.test_client()
    intruder = create_user("applicant")
    other.post("/login", data={"email": intruder.email, "password": "correct horse battery"})
    for path in ("", "/tasks", "/sections/team", "/check", "/confirmation", "/edit"):
        assert other.get(f"/applications/{application.id}{path}").status_code == 404, path
    assert other.post(f"/applications/{application.id}/sections/team",
                      data={"version": "1", "team": "Kẻ lạ"}).status_code == 404
    assert other.post(f"/applications/{application.id}/submit",
                      data={"version": "1"}).status_code == 404
    assert saved(application.id).team == ""


@pytest.mark.parametrize("role", ["manager", "auditor"])
def test_staff_who_see_a_submitted_application_cannot_edit_it(
        app, client, draft, create_user, role):
    startup, call, application = draft
    complete(client, application)
    applications.act(startup, application.id, applications.sending_action(
        applications.get_application(startup, application.id)),
        {"version": saved(application.id).version})
    staff = create_user(role, call.programme)
    other = app.test_client()
    other.post("/login", data={"email": staff.email, "password": "correct horse battery"})
    assert other.get(f"/applications/{application.id}").status_code == 200
    for path in ("/tasks", "/sections/team"):
        assert other.get(f"/applications/{application.id}{path}").status_code == 403, path
    assert other.post(f"/applications/{application.id}/sections/team",
                      data={"version": "2", "team": "x"}).status_code == 403
    with pytest.raises(applications.Forbidden):
        applications.update_application(staff, application.id, {
            "version": saved(application.id).version, "team": "x"})


def test_a_submission_one_second_after_the_deadline_is_refused(
        create_user, create_call, create_application, monkeypatch, english):
    import grants.operations.workflow as engine

    startup = create_user("applicant")
    call = create_call(closes_in=timedelta(days=1))
    application = create_application(startup, call)
    monkeypatch.setattr(engine, "utcnow", lambda: call.closes_at + timedelta(seconds=1))
    with pytest.raises(Invalid) as refused:
        applications.act(startup, application.id, "submit", {"version": 1})
    assert refused.value.detail.startswith("The call closed on ")
    assert saved(application.id).submitted_at is None
    # a second earlier it is on time
    monkeypatch.setattr(engine, "utcnow", lambda: call.closes_at - timedelta(seconds=1))
    applications.act(startup, application.id, "submit", {"version": 1})
    assert saved(application.id).submitted_at is not None


def test_the_deadline_is_shown_in_ho_chi_minh_city_time(client, draft):
    _, call, application = draft
    local = call.closes_at + timedelta(hours=7)  # UTC+7, no daylight saving
    page = client.get(f"/applications/{application.id}/tasks").text
    assert local.strftime("%d/%m/%Y %H:%M") in page


def test_vietnamese_text_round_trips_through_every_section(client, draft):
    _, _, application = draft
    text = "Đội ngũ: Nguyễn Thị Ánh Tuyết — kỹ sư phần mềm; Lê Văn Đức — nông học 🌾"
    post_section(client, application, "team", {"team": text})
    assert saved(application.id).team == text
    assert text in client.get(f"/applications/{application.id}/check").text


def test_every_change_through_the_sections_is_audited(client, draft):
    _, _, application = draft
    complete(client, application)
    edits = db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity_id == application.id, AuditEvent.action == "edit")).all()
    assert len(edits) == 5
    assert edits[2].payload == {"requested_amount": 30_000_000,
                                "budget": {"labour": 20_000_000, "other": 10_000_000},
                                "before": {"requested_amount": 0, "budget": {}}}


def test_the_api_takes_and_answers_the_common_part(api, create_user, create_call,
                                                   create_organization):
    startup = create_user("applicant")
    organization = create_organization(startup)
    client = api(startup)
    call = create_call(questions=TYPED_QUESTIONS)
    created = client.post("/applications", json={
        "call_id": call.id, "project": {"title": "T", "field": "fintech",
                                        "organization_id": organization.id},
        "requested_amount": 30_000_000, "team": "Hai người",
        "budget": {"labour": 25_000_000, "other": 5_000_000},
        "milestones": [{"milestone": "A", "month": 2, "deliverable": "B"}],
        "answers": {"customers": 7, "stage_now": "Mẫu thử"}})
    assert created.status_code == 201, created.text
    body = created.get_json()
    assert body["budget"] == {"labour": 25_000_000, "other": 5_000_000}
    assert body["milestones"] == [{"milestone": "A", "month": 2, "deliverable": "B"}]
    assert body["answers"] == {"customers": 7, "stage_now": "Mẫu thử"}
    assert body["team"] == "Hai người" and body["reference"].endswith(f"{body['id']:06d}")
    refused = client.patch(f"/applications/{body['id']}", headers={"Accept-Language": "en"},
                           json={"version": 1, "budget": {"labour": 1, "other": 1},
                                 "answers": {"customers": "nhiều", "stage_now": "Khác"}})
    assert refused.status_code == 422
    errors = refused.get_json()["errors"]
    assert errors["budget"].startswith("Labour costs (1 VND) and other costs (1 VND)")
    assert set(errors) == {"budget", "answers.customers", "answers.stage_now"}
