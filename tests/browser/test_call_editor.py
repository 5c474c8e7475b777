"""A programme manager creates a call in the editor, in Chromium, as a person would (the stage
fills the city's defaults, a row is added with the button), and the call appears in the public
list of its stage and on its own page. Each page also fits a 375-pixel phone screen."""

import itertools
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.browser

HCMC = ZoneInfo("Asia/Ho_Chi_Minh")
_numbers = itertools.count(1)


def log_in_as_manager(page: Page) -> None:
    page.goto("/login")
    page.fill("#email", "manager@demo.local")
    page.fill("#password", "demo-manager")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/manage/calls$"))


def fits_a_phone(page: Page, shot, name: str) -> None:
    """Screenshots at 1280 and 375 px; nothing wider than the phone's screen."""
    page.wait_for_load_state("load")
    shot(page, f"{name}-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, name
    shot(page, f"{name}-375")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_manager_creates_a_call_in_the_page_and_it_appears_in_the_public_list(
        page: Page, new_page, shot):
    title = f"Tăng tốc: đợt thử {next(_numbers)} {datetime.now():%H%M%S}"
    log_in_as_manager(page)
    page.locator("#new-call").click()
    expect(page).to_have_url(re.compile(r"/calls/new$"))

    page.fill("#title", title)
    page.select_option("#stage", "acceleration")
    # the stage filled in the city's cap and duration for acceleration
    expect(page.locator("#cap_per_project")).to_have_value("400.000.000")
    expect(page.locator("#duration_months")).to_have_value("12")
    now = datetime.now(HCMC)
    page.fill("#opens_at", (now - timedelta(days=1)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#closes_at", (now + timedelta(days=20)).strftime("%Y-%m-%dT%H:%M"))
    page.fill("#budget", "4.000.000.000")
    page.fill("#criteria-0-name", "Khả năng mở rộng thị trường")
    page.fill("#criteria-0-weight", "100")
    page.fill("#questions-0-label", "Khách hàng trả tiền hiện nay là ai?")
    rows = page.locator("#questions > fieldset.row")
    before = rows.count()
    page.locator("button[name=add][value=questions]").click()  # adds a row in place
    expect(rows).to_have_count(before + 1)
    page.fill(f"#questions-{before}-label", "Doanh thu năm gần nhất")
    page.select_option(f"#questions-{before}-type", "number")
    page.fill("#documents-0-kind", "pitch_deck")
    page.check("input[name=eligibility_fields][value=logistics]")
    fits_a_phone(page, shot, "editor")
    page.locator("#save").click()
    expect(page).to_have_url(re.compile(r"/calls/\d+$"))
    expect(page.locator(".flash.success:not(#call-status)")).to_be_visible()
    expect(page.locator("#call-status")).to_be_visible()
    expect(page.locator("h1")).to_have_text(title)
    expect(page.locator("#apply")).to_be_visible()
    expect(page.locator("main")).to_contain_text("Doanh thu năm gần nhất")
    fits_a_phone(page, shot, "call-page")

    visitor = new_page()  # nobody logged in
    visitor.goto("/")
    visitor.locator("#all-calls").click()
    expect(visitor).to_have_url(re.compile(r"/calls$"))
    expect(visitor.locator("article.call h2", has_text=title)).to_have_count(1)
    visitor.locator("nav.filters a[href$='stage=acceleration']").click()
    card = visitor.locator("article.call", has_text=title)
    expect(card).to_have_count(1)
    expect(card).to_contain_text("400.000.000")
    fits_a_phone(visitor, shot, "public-list")
    visitor.locator("nav.filters a[href$='stage=incubation']").click()
    expect(visitor.locator("article.call", has_text=title)).to_have_count(0)


def test_a_refused_call_shows_its_errors_beside_the_fields(page: Page, shot):
    log_in_as_manager(page)
    page.goto("/calls/new")
    page.fill("#title", "Thiếu ngày")
    page.fill("#budget", "1000")
    page.fill("#criteria-0-name", "Đổi mới")
    page.locator("#save").click()
    expect(page.locator("#error-summary")).to_be_visible()
    expect(page.locator("#opens_at-error")).to_be_visible()
    expect(page.locator("#cap_per_project-error")).to_be_visible()  # 40 million > 1000
    expect(page.locator("#title")).to_have_value("Thiếu ngày")
    fits_a_phone(page, shot, "editor-errors")
