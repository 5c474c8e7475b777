"""The auditor's desk clicked through in Chromium: the auditor filters the log to one
application, opens its timeline (each change before and after), and verifies the chain."""

import pytest
from playwright.sync_api import Page, expect
from test_first_slice import submitted_application
from test_review_desk import log_in

pytestmark = pytest.mark.browser


def test_an_auditor_filters_the_log_opens_a_timeline_and_verifies_the_chain(new_page, shot):
    application_id = submitted_application(new_page(), "Nhật ký minh bạch")

    auditor: Page = new_page()
    log_in(auditor, "auditor@demo.local", "demo-auditor")
    auditor.locator("header a[href='/audit']").click()
    auditor.fill("#filter-entity_type", "application")
    auditor.fill("#filter-entity_id", str(application_id))
    auditor.locator("#audit-filters button[type=submit]").click()
    rows = auditor.locator("#audit-events tbody tr")
    expect(rows.first).to_contain_text(f"application #{application_id}")
    assert rows.count() >= 3  # created, its sections saved, submitted
    shot(auditor, "audit-log-filtered")

    rows.first.locator("a").click()
    expect(auditor.locator("#timeline li").first).to_be_visible()
    expect(auditor.locator("#timeline table.diff").first).to_contain_text("Nhật ký minh bạch")
    shot(auditor, "audit-timeline")

    auditor.goto("/audit/verify")
    auditor.locator("#verify-form button[type=submit]").click()
    expect(auditor.locator("#verify-result")).to_have_attribute("data-ok", "1")
    shot(auditor, "audit-verified")
