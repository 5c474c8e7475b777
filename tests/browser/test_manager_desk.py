"""The manager's desk clicked through in Chromium: the manager filters the programme's desk,
rejects two applications at once with one reason after confirming, reads each one's outcome,
then finds a reviewed application on the desk and approves it with an award."""

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


def test_a_manager_filters_the_desk_rejects_two_at_once_and_approves_one(
        new_page, live_app, shot):
    batch = f"Bàn làm việc {next(_numbers)}"
    ids = [submitted_application(new_page(), f"{batch} {n}") for n in ("A", "B", "C")]
    with live_app.app_context():  # the third as if reviewed by the council
        db.session.get(Application, ids[2]).state = "reviewed"
        programme_id = db.session.get(Application, ids[2]).call.programme_id
        db.session.commit()

    manager: Page = new_page()
    log_in(manager, "manager@demo.local", "demo-manager")
    manager.goto(f"/manage/programmes/{programme_id}")
    expect(manager.locator("#desk-calls")).to_be_visible()
    manager.fill("#q", batch)
    manager.select_option("#filter-state", "submitted")
    manager.locator("#desk-filters button[type=submit]").click()
    expect(manager.locator("#queue tbody tr")).to_have_count(2)
    expect(manager.locator(f"#pick-{ids[2]}")).to_have_count(0)  # reviewed: filtered out
    shot(manager, "desk-filtered")

    manager.check(f"#pick-{ids[0]}")
    manager.check(f"#pick-{ids[1]}")
    manager.select_option("#batch-action-name", "declare_ineligible")
    manager.fill("#batch-reason", "Ngoài lĩnh vực ưu tiên của đợt này")
    manager.locator("#batch-submit").click()
    confirm = manager.locator("#batch-confirm")
    expect(confirm).to_be_visible()  # nothing done yet: it cannot be undone, so it asks
    expect(manager.locator("#batch-chosen li")).to_have_count(2)
    shot(manager, "desk-confirm")
    manager.locator("#batch-confirm-button").click()
    results = manager.locator("#batch-results li")
    expect(results).to_have_count(2)
    for application_id in ids[:2]:
        expect(manager.locator(
            f"#batch-results li[data-application='{application_id}']")).to_have_attribute(
            "data-status", "200")
    shot(manager, "desk-batch-results")

    manager.locator("main a.btn.secondary").click()  # back to the desk
    expect(manager).to_have_url(re.compile(rf"/manage/programmes/{programme_id}$"))
    manager.fill("#q", batch)
    manager.select_option("#filter-state", "reviewed")
    manager.locator("#desk-filters button[type=submit]").click()
    expect(manager.locator("#queue tbody tr")).to_have_count(1)
    manager.locator("#queue a", has_text=f"{batch} C").click()
    expect(manager.locator(".award-figures")).to_be_visible()
    manager.fill("#approve-amount", "25000000")
    manager.locator("button[name=do][value=approve]").click()
    expect(manager.locator(".flash.success")).to_be_visible()
    expect(manager.locator("h1 .badge.approved")).to_be_visible()
    shot(manager, "desk-approved")
    with live_app.app_context():
        states = [db.session.get(Application, i).state for i in ids]
        assert states == ["ineligible", "ineligible", "approved"]
        assert db.session.get(Application, ids[2]).awarded_amount == 25_000_000
