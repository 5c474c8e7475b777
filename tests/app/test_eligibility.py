"""The call's eligibility rules refuse a submission with their reason, before it (on the check
page) and on it (422), and let it through once met; only the startup's owner withdraws."""

from datetime import date, timedelta

import pytest

from grants.extensions import db
from grants.models import Application, Membership, Organization, utcnow
from grants.operations import Invalid, applications
from grants.operations.workflow import Context, workflows


def refused(startup, application) -> list[str]:
    with pytest.raises(Invalid) as error:
        applications.act(startup, application.id, "submit", {"version": application.version})
    db.session.rollback()
    return error.value.problems or [error.value.detail]


def years_ago(n: int, days: int = 0) -> str:
    today = utcnow().date()
    return (today.replace(year=today.year - n) + timedelta(days=days)).isoformat()


def test_an_organization_founded_too_long_ago_is_refused_with_the_dates(
        create_user, create_call, create_organization, create_application, english):
    startup = create_user("applicant")
    call = create_call(eligibility={"max_age_years": 5})
    old = create_organization(startup, name="Công ty Lâu Năm", founded_on=years_ago(5, -1))
    application = create_application(startup, call, organization=old)
    problems = refused(startup, application)
    assert len(problems) == 1
    assert problems[0].startswith("This call accepts organizations founded at most 5 years ago")
    assert "Công ty Lâu Năm was founded on" in problems[0]


def test_an_organization_founded_exactly_the_limit_ago_is_eligible(
        create_user, create_call, create_organization, create_application):
    startup = create_user("applicant")
    call = create_call(eligibility={"max_age_years": 5})
    young = create_organization(startup, founded_on=years_ago(5, 1))
    application = create_application(startup, call, organization=young)
    assert applications.act(startup, application.id, "submit", {"version": 1}).submitted_at


def test_an_organization_without_a_founding_date_is_asked_for_it(
        create_user, create_call, create_organization, create_application, english):
    startup = create_user("applicant")
    call = create_call(eligibility={"max_age_years": 3})
    organization = create_organization(startup, name="Chưa Rõ", founded_on=None)
    application = create_application(startup, call, organization=organization)
    assert refused(startup, application) == [
        "This call accepts organizations founded at most 3 years ago: add the date Chưa Rõ "
        "was founded to its profile."]
    # once the profile says, it passes
    db.session.get(Organization, organization.id).founded_on = date.fromisoformat(years_ago(1))
    db.session.commit()
    assert applications.act(startup, application.id, "submit", {"version": 1}).submitted_at


def test_a_project_outside_the_calls_fields_is_refused_and_one_inside_passes(
        create_user, create_call, create_application, english):
    startup = create_user("applicant")
    call = create_call(eligibility={"fields": ["fintech", "health"]})
    application = create_application(startup, call)  # hi-tech agriculture
    assert refused(startup, application) == [
        "This call accepts projects in these fields: Fintech, Health; this project is in "
        "Hi-tech agriculture."]
    applications.update_application(startup, application.id, {
        "version": 1, "project": {"field": "health"}})
    assert applications.act(startup, application.id, "submit", {"version": 2}).submitted_at


@pytest.fixture
def same_project(create_user, create_call, create_application):
    """A startup, an application A of its project in call 1, and a draft B of the same
    project in call 2 of the same programme and stage."""
    startup = create_user("applicant")
    first_call = create_call()
    second_call = create_call(programme=first_call.programme)
    first = create_application(startup, first_call)
    second = create_application(startup, second_call)
    db.session.get(Application, second.id).project_id = first.project_id
    db.session.commit()
    return startup, first, db.session.get(Application, second.id)


def test_a_project_already_funded_at_this_stage_by_the_programme_is_refused(
        same_project, english):
    startup, first, second = same_project
    db.session.get(Application, first.id).state = "approved"  # committed budget
    db.session.commit()
    problems = refused(startup, second)
    assert len(problems) == 1
    assert problems[0].startswith(
        "This project is already funded by this programme at the Pre-incubation stage")


def test_an_earlier_application_that_was_not_funded_does_not_count(same_project):
    startup, first, second = same_project
    db.session.get(Application, first.id).state = "rejected"
    db.session.commit()
    assert applications.act(startup, second.id, "submit", {"version": 1}).submitted_at


def test_funding_at_another_stage_does_not_count(create_user, create_call, create_application):
    startup = create_user("applicant")
    earlier = create_call(stage="pre_incubation", cap_per_project=40_000_000)
    later = create_call(programme=earlier.programme, stage="incubation")
    funded = create_application(startup, earlier)
    funded.state = "completed"
    application = create_application(startup, later)
    application.project_id = funded.project_id
    db.session.commit()
    assert applications.act(startup, application.id, "submit", {"version": 1}).submitted_at


def test_a_second_application_of_a_project_in_one_call_is_named_clearly(
        create_user, create_call, create_application, english):
    """The table's unique constraint keeps a second one from being saved; the guard says why
    in words, whatever path would try (shown here with an unsaved one)."""
    startup = create_user("applicant")
    call = create_call()
    first = create_application(startup, call)
    item = applications.get_application(startup, first.id)
    definition = workflows().definition(applications.KIND, item.entity)
    another = Application(project_id=first.project_id, call_id=call.id,
                          created_at=first.created_at)
    context = Context(another, startup, item.roles, {}, utcnow(), definition)
    assert applications.one_application_per_call(context) == [
        "This project already has an application in this call "
        f"({applications.reference(first)})."]
    assert applications.one_application_per_call(
        Context(item.entity, startup, item.roles, {}, utcnow(), definition)) == []


def test_the_check_page_lists_each_unmet_rule_with_its_reason_before_submitting(
        client, login, create_user, create_call, create_organization, create_application):
    startup = create_user("applicant")
    call = create_call(eligibility={"max_age_years": 2, "fields": ["fintech"]})
    organization = create_organization(startup, founded_on="2015-01-01")
    application = create_application(startup, call, organization=organization)
    login(startup)
    client.post("/language/en")
    page = client.get(f"/applications/{application.id}/check").text
    problems = page[page.index('id="problems"'):page.index("</div>", page.index(
        'id="problems"'))]
    assert problems.count("<li>") == 2
    assert "founded at most 2 years ago" in problems
    assert "in these fields: Fintech" in problems
    assert 'id="send"' not in page
    response = client.post(f"/applications/{application.id}/submit", data={"version": "1"})
    assert response.status_code == 422
    assert "founded at most 2 years ago" in response.text


def test_the_api_refuses_an_ineligible_submission_with_each_reason(
        api, create_user, create_call, create_application):
    startup = create_user("applicant")
    call = create_call(eligibility={"fields": ["fintech"]})
    application = create_application(startup, call)
    response = api(startup).post(f"/applications/{application.id}/actions/submit",
                                 headers={"Accept-Language": "en"}, json={"version": 1})
    assert response.status_code == 422
    assert response.get_json()["detail"].startswith("This call accepts projects in these fields")


def test_only_the_owner_withdraws_a_member_is_refused(
        api, create_user, create_call, create_application, english):
    owner = create_user("applicant")
    application = create_application(owner, create_call())
    member = create_user("applicant")
    db.session.add(Membership(organization_id=application.project.organization_id,
                              user_id=member.id, role="member"))
    db.session.commit()
    response = api(member).post(f"/applications/{application.id}/actions/withdraw",
                                headers={"Accept-Language": "en"}, json={"version": 1})
    assert response.status_code == 422
    assert response.get_json()["detail"] == "Only the owner of the startup may do this."
    assert db.session.get(Application, application.id).state == "draft"
    # a member still edits the draft
    applications.update_application(member, application.id, {"version": 1, "team": "Ba người"})
    withdrawn = api(owner).post(f"/applications/{application.id}/actions/withdraw",
                                json={"version": 2})
    assert withdrawn.status_code == 200, withdrawn.text
