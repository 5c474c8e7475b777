"""Navigation that must stay on this site and on a page that answers GET."""

import re
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import Page, expect
from test_first_slice import (
    fill_application,
    open_call_from_home,
    register,
    register_organization,
    save_draft,
)

pytestmark = pytest.mark.browser


def test_organization_form_does_not_redirect_off_site(page: Page):
    register(page, "Người thử chuyển hướng")
    page.goto("/organizations/new?next=https://example.com/elsewhere")
    # Should the browser go there, it gets a stub page, not the network.
    page.route("https://example.com/**", lambda route: route.fulfill(body="off site"))
    page.fill("#name", "Công ty Chuyển Hướng")
    page.select_option("#field", "fintech")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.locator("main form button[type=submit]").click()
    assert posted.value.status == 302
    target = urljoin(page.url, posted.value.headers["location"])
    assert urlsplit(target).netloc == urlsplit(page.url).netloc, target


def test_language_switch_after_a_refused_action(page: Page):
    register(page, "Người thử ngôn ngữ")
    open_call_from_home(page)
    register_organization(page, "Công ty Ngôn Ngữ")
    fill_application(page, "Hồ sơ chưa đủ", complete=False)
    application_id = save_draft(page)
    page.goto(f"/applications/{application_id}/sections/budget")
    page.fill("#requested_amount", "30000000")
    page.fill("#labour", "1")
    page.fill("#other", "1")
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        page.locator("main form.card button[type=submit]").click()
    assert posted.value.status == 422
    with page.expect_navigation() as navigation:
        page.locator("header .lang button", has_text="EN").click()
    assert navigation.value.status == 200, f"HTTP {navigation.value.status} at {page.url}"
    expect(page).to_have_url(re.compile(
        rf"/applications/{application_id}/sections/budget\??$"))
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("h1")).to_contain_text("Hồ sơ chưa đủ")
