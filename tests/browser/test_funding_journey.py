"""Funding clicked through in Chromium: a manager approves with an award, sets the tranches and
signs the agreement; the startup requests the first tranche with its report; one manager
verifies it, and a second manager releases it (after confirming) and records the payment; the
project's page shows the path."""

import itertools
import re

import pytest
from playwright.sync_api import Page, expect
from test_first_slice import submitted_application
from test_review_desk import log_in

from grants.extensions import db
from grants.models import Application

pytestmark = pytest.mark.browser
_numbers = itertools.count(1)


def act(page: Page, action_button: str) -> None:
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(action_button).click()
    expect(page.locator(".flash.success")).to_be_visible()


def test_an_award_is_paid_in_tranches_released_by_a_second_manager(new_page, live_app, shot):
    title = f"Giải ngân thử {next(_numbers)}"
    startup = new_page()
    application_id = submitted_application(startup, title)
    with live_app.app_context():  # as if reviewed by the council
        db.session.get(Application, application_id).state = "reviewed"
        db.session.commit()

    manager = new_page()
    log_in(manager, "manager@demo.local", "demo-manager")
    manager.goto(f"/applications/{application_id}")
    expect(manager.locator(".award-figures")).to_be_visible()
    manager.fill("#approve-amount", "30000000")
    manager.locator("button[name=do][value=approve]").click()
    expect(manager.locator("#agreement-form")).to_be_visible()
    manager.fill("#agreement-amount", "30.000.000")
    manager.fill("#tranche-0-milestone", "Nguyên mẫu tại ba trang trại")
    manager.fill("#tranche-0-amount", "10.000.000")
    manager.fill("#tranche-0-due_on", "2099-03-01")
    manager.fill("#tranche-1-milestone", "Bán cho mười hợp tác xã")
    manager.fill("#tranche-1-amount", "20.000.000")
    manager.fill("#tranche-1-due_on", "2099-09-01")
    shot(manager, "agreement")
    manager.locator("#agreement-form button[type=submit]").click()
    expect(manager.locator("#tranche-2")).to_be_visible()
    manager.locator("button[name=do][value=sign_agreement]").click()
    expect(manager.locator("h1 .badge")).to_have_class(re.compile("active"))

    startup.goto(f"/applications/{application_id}")
    startup.locator("#tranche-1 textarea[name=report]").fill("Đã lắp cảm biến ở ba trang trại.")
    startup.locator("#tranche-1 button[type=submit]").click()
    expect(startup.locator(".flash.success")).to_be_visible()

    manager.goto(f"/applications/{application_id}")
    manager.locator("#tranche-1 form[action$='/verify'] button").click()
    expect(manager.locator(".flash.success")).to_be_visible()
    # the verifier is not offered the release, and a forged post is refused
    expect(manager.locator("#tranche-1 form[action$='/release']")).to_have_count(0)

    second = new_page()
    log_in(second, "manager2@demo.local", "demo-manager-2")
    second.goto(f"/applications/{application_id}")
    act(second, "#tranche-1 form[action$='/release'] button")
    second.locator("#tranche-1 input[name=payment_reference]").fill("UNC-2026-0042")
    act(second, "#tranche-1 form[action$='/mark_paid'] button")
    expect(second.locator("#tranche-1")).to_contain_text("UNC-2026-0042")
    expect(second.locator("#tranche-1")).to_contain_text("Demo Manager")  # who verified
    shot(second, "tranche-paid")

    startup.goto(f"/applications/{application_id}")
    expect(startup.locator("#tranche-1 .badge")).to_contain_text(re.compile(r"\S"))
    shot(startup, "startup-sees-tranches")
    # the project's page shows its path: this stage, its award, what was released and paid
    startup.locator("#project-link").click()
    step = startup.locator("#path li").first
    expect(step).to_contain_text("30.000.000")
    expect(step).to_contain_text("10.000.000")
    shot(startup, "project-path")
