"""Reviews clicked through in Chromium: a manager assigns reviewers automatically; the reviewer
declares no conflict, scores, submits and then sees the other reviews; the manager reads the
ranking."""

import itertools
import re

import pytest
from playwright.sync_api import Page, expect
from test_first_slice import submitted_application

pytestmark = pytest.mark.browser
_numbers = itertools.count(1)


def log_in(page: Page, email: str, password: str) -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.locator("main form button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/login"))


def test_a_reviewer_declares_scores_submits_and_the_manager_reads_the_ranking(new_page, shot):
    title = f"Thẩm định thử {next(_numbers)}"
    application_id = submitted_application(new_page(), title)

    manager = new_page()
    log_in(manager, "manager@demo.local", "demo-manager")
    manager.goto(f"/applications/{application_id}")
    manager.locator("main a", has_text=re.compile("→")).first.click()
    expect(manager).to_have_url(re.compile(rf"/review/applications/{application_id}$"))
    manager.locator("main a", has_text=re.compile("→")).first.click()  # the call's ranking
    expect(manager).to_have_url(re.compile(r"/review/calls/\d+/ranking$"))
    ranking_url = manager.url
    manager.fill("#per_application", "1")
    manager.locator("#auto-assign button[type=submit]").click()
    expect(manager.locator(".flash.success")).to_be_visible()
    shot(manager, "ranking-after-auto-assign")

    reviewer = new_page()
    log_in(reviewer, "reviewer@demo.local", "demo-reviewer")
    reviewer.goto("/review")
    reviewer.locator("#queue a", has_text=title).click()
    expect(reviewer.locator("#declaration")).to_be_visible()
    expect(reviewer.locator("#content")).to_have_count(0)  # no content before declaring
    shot(reviewer, "declare")
    reviewer.locator("#declaration button[value=no]").click()
    expect(reviewer.locator("#content")).to_be_visible()
    inputs = reviewer.locator("#review-form input[type=number]")
    for i in range(inputs.count()):
        inputs.nth(i).fill("8")
    reviewer.fill("#comment", "Nhóm mạnh, cần làm rõ thị trường.")
    reviewer.select_option("#recommendation", "yes")
    reviewer.once("dialog", lambda dialog: dialog.accept())
    reviewer.locator("button[name=do][value=final]").click()
    expect(reviewer.locator(".flash.success")).to_be_visible()
    expect(reviewer.locator("#review-form input[type=number]").first).to_be_disabled()
    expect(reviewer.locator("main")).to_contain_text("80")  # 8 of 10 everywhere: 80 / 100
    shot(reviewer, "submitted")

    manager.goto(ranking_url)
    row = manager.locator("#ranking tbody tr", has_text=title)
    expect(row).to_have_count(1)
    expect(row).to_contain_text("80")
    shot(manager, "ranking")
    with manager.expect_download() as download:
        manager.locator("main a[href$='.csv'], main a[href*='.csv?']").first.click()
    assert title in download.value.path().read_text(encoding="utf-8-sig")
