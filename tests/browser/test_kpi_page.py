"""The KPI page in Chromium: a manager opens it from the programme's desk, reads the progress
against the plan and the charts (each with its table), and downloads the annual report."""

import pytest
from playwright.sync_api import Page, expect
from test_first_slice import submitted_application
from test_review_desk import log_in

from grants.extensions import db
from grants.models import Application, utcnow
from grants.operations import calls

pytestmark = pytest.mark.browser


def test_a_manager_opens_the_kpis_and_downloads_the_annual_report(new_page, live_app, shot):
    ids = [submitted_application(new_page(), f"Chỉ tiêu {n}") for n in (1, 2)]
    with live_app.app_context():  # the first as if approved and signed
        application = db.session.get(Application, ids[0])
        application.state = sorted(calls.definition(application.call)
                                   .tagged("agreement_in_force"))[0]
        application.awarded_amount = 30_000_000
        application.decided_at = application.signed_at = utcnow()
        programme_id = application.call.programme_id
        db.session.commit()

    manager: Page = new_page()
    log_in(manager, "manager@demo.local", "demo-manager")
    manager.goto(f"/manage/programmes/{programme_id}")
    manager.locator("#kpi-link").click()
    expect(manager.locator("#kpi-progress svg.meter")).to_have_count(3)
    expect(manager.locator("#kpi-projects svg.chart")).to_have_count(3)
    expect(manager.locator("#table-funnel")).to_be_visible()
    shot(manager, "kpis")
    with manager.expect_download() as download:
        manager.locator("#report-form button[type=submit]").first.click()
    assert download.value.suggested_filename.endswith(".xlsx")
