"""Mentoring clicked through in Chromium: a manager matches the demo mentor to a funded
project from its page and finds the mentor in the network; the mentor corrects their profile,
declares no conflict of interest and logs a session (a first
try without a topic is refused and keeps the notes); the startup reads the notes on its
project's page."""

import pytest
from playwright.sync_api import Page, expect
from sqlalchemy import select
from test_first_slice import submitted_application
from test_review_desk import log_in

from grants.extensions import db
from grants.models import Application, User, utcnow
from grants.operations import calls
from grants.operations.core import LOCAL

pytestmark = pytest.mark.browser
NOTES = "Thử gói thuê bao theo mùa vụ cho hợp tác xã"


def test_a_mentor_logs_a_session_that_the_startup_then_reads(new_page, live_app, shot):
    startup: Page = new_page()
    application_id = submitted_application(startup, "Nông trại có cố vấn")
    with live_app.app_context():  # as if approved: a state that commits the budget
        application = db.session.get(Application, application_id)
        application.state = sorted(calls.definition(application.call)
                                   .tagged("commits_budget"))[0]
        project_id = application.project_id
        mentor_id = db.session.scalar(select(User.id).where(User.email == "mentor@demo.local"))
        db.session.commit()

    manager: Page = new_page()
    log_in(manager, "manager@demo.local", "demo-manager")
    manager.goto(f"/applications/{application_id}")
    manager.locator("#project-link").click()
    expect(manager.locator("#match-form")).to_be_visible()
    manager.select_option("#mentor_id", str(mentor_id))
    manager.locator("#match-form button[type=submit]").click()
    expect(manager.locator(".flash.success")).to_be_visible()
    expect(manager.locator("#mentors article.mentorship")).to_have_count(1)
    shot(manager, "project-matched")
    manager.locator("header a[href='/mentors']").click()
    expect(manager.locator("#mentor-filters")).to_be_visible()
    manager.select_option("#mentor-filters select[name=field]", "hitech_agriculture")
    manager.locator("#mentor-filters button[type=submit]").click()
    expect(manager.locator("article.mentor", has_text="Demo Mentor")).to_be_visible()
    expect(manager.locator("header .lang button")).to_have_count(2)
    shot(manager, "mentors-network")

    mentor: Page = new_page()
    log_in(mentor, "mentor@demo.local", "demo-mentor")
    mentor.locator("header a[href='/mentorships']").click()
    mentor.locator("a[href='/mentors/me']").click()
    mentor.fill("#availability", "")  # cleared: refused, the choices kept
    mentor.locator("#profile-form button[type=submit]").click()
    expect(mentor.locator("#profile-form .errors")).to_be_visible()
    expect(mentor.locator("input[name=expertise][value=hitech_agriculture]")).to_be_checked()
    expect(mentor.locator("header .lang button")).to_have_count(2)  # the app's: vi and en
    shot(mentor, "mentor-profile-refused")
    mentor.fill("#availability", "Tối thứ Ba và thứ Năm")
    mentor.locator("#profile-form button[type=submit]").click()
    expect(mentor.locator(".flash.success")).to_be_visible()
    shot(mentor, "mentor-matches")
    mentor.locator("article.mentorship h2 a", has_text="Nông trại có cố vấn").click()
    expect(mentor.locator("#declaration")).to_be_visible()
    expect(mentor.locator("#project")).to_have_count(0)  # not before declaring
    shot(mentor, "mentor-declaration")
    mentor.locator("#declaration button[name=conflict][value=no]").click()
    expect(mentor.locator("#project")).to_be_visible()
    today = utcnow().astimezone(LOCAL).date().isoformat()
    mentor.fill("#held_on", today)
    mentor.fill("#notes", NOTES)
    mentor.locator("#session-form button[type=submit]").click()  # no topic: refused, kept
    expect(mentor.locator("#session-form .errors")).to_be_visible()
    expect(mentor.locator("#notes")).to_have_value(NOTES)
    mentor.fill("#topic", "Định giá sản phẩm")
    mentor.locator("#session-form button[type=submit]").click()
    expect(mentor.locator(".flash.success")).to_be_visible()
    expect(mentor.locator("#sessions article.session")).to_have_count(1)
    shot(mentor, "mentor-session-logged")

    startup.goto(f"/projects/{project_id}")
    expect(startup.locator("#mentors")).to_contain_text(NOTES)
    expect(startup.locator("#mentors")).to_contain_text("Demo Mentor")
    expect(startup.locator("#match-form")).to_have_count(0)
    shot(startup, "project-startup")
    manager.goto(f"/projects/{project_id}")
    manager.locator("#mentors article.mentorship h3 a").click()
    expect(manager.locator("#sessions article.session")).to_have_count(1)
    expect(manager.locator("#end-form")).to_be_visible()
    expect(manager.locator("#session-form")).to_have_count(0)  # the mentor's to write
    shot(manager, "manager-match")
