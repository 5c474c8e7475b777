"""Activities clicked through in Chromium: a manager creates a training class, a startup
registers its funded project, and the manager records its attendance; the pages fit a phone."""

import pytest
from playwright.sync_api import Page, expect
from test_first_slice import submitted_application
from test_review_desk import log_in

from grants.extensions import db
from grants.models import Application
from grants.operations import calls

pytestmark = pytest.mark.browser
PHONE, DESKTOP = 375, 1280


def fits_a_phone(page: Page) -> None:
    for width in (PHONE, DESKTOP):
        page.set_viewport_size({"width": width, "height": 800})
        assert page.evaluate("document.documentElement.scrollWidth") <= width, page.url


def test_a_manager_creates_a_class_a_startup_registers_and_attendance_is_recorded(
        new_page, live_app, shot):
    startup = new_page()
    application_id = submitted_application(startup, "Lớp học gọi vốn")
    with live_app.app_context():  # as if approved: a state that commits the budget
        application = db.session.get(Application, application_id)
        application.state = sorted(calls.definition(application.call)
                                   .tagged("commits_budget"))[0]
        db.session.commit()

    manager = new_page()
    log_in(manager, "manager@demo.local", "demo-manager")
    manager.goto("/activities")
    manager.locator("a[href='/activities/new']").click()
    manager.select_option("#kind", "training")
    manager.fill("#title", "Lớp kỹ năng gọi vốn")
    manager.fill("#starts_at", "2099-05-01T09:00")
    manager.fill("#ends_at", "2099-05-01T08:00")  # before the start: refused, kept
    manager.fill("#registration_closes_at", "2099-04-30T17:00")
    manager.fill("#place", "Saigon Innovation Hub")
    manager.fill("#capacity", "12")
    for box in manager.locator("#stages input[type=checkbox]").all():
        box.check()
    manager.locator("#activity-form button[type=submit]").click()
    expect(manager.locator("#ends_at-error")).to_be_visible()
    expect(manager.locator("#title")).to_have_value("Lớp kỹ năng gọi vốn")
    fits_a_phone(manager)
    manager.fill("#ends_at", "2099-05-01T11:30")
    manager.locator("#activity-form button[type=submit]").click()
    expect(manager.locator(".flash.success")).to_be_visible()
    expect(manager.locator("#places-left")).to_have_text("12 / 12")
    activity_url = manager.url

    startup.goto("/activities")
    fits_a_phone(startup)
    startup.locator("article.activity h2 a", has_text="Lớp kỹ năng gọi vốn").click()
    expect(startup.locator("#project_id option")).to_have_count(1)
    startup.locator("#register button[type=submit]").click()
    expect(startup.locator(".flash.success")).to_be_visible()
    expect(startup.locator("#places-left")).to_have_text("11 / 12")
    expect(startup.locator("#registrations article")).to_have_count(1)
    fits_a_phone(startup)
    shot(startup, "activity-registered")

    manager.goto(activity_url)
    row = manager.locator("#registrations article").first
    row.locator("input[name=attended][value=yes]").check()
    row.locator("select[name=outcome]").select_option("investor_meeting")
    row.locator("input[name=outcome_note]").fill("Gặp quỹ đầu tư")
    row.locator("form.attendance button[type=submit]").click()
    expect(manager.locator(".flash.success")).to_be_visible()
    expect(manager.locator("#registrations article").first).to_contain_text("Gặp quỹ đầu tư")
    fits_a_phone(manager)
    shot(manager, "attendance-recorded")
    manager.goto("/showcase")
    fits_a_phone(manager)
