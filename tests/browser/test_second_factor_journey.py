"""Registering by the mailed link and turning on the second factor, clicked through in
Chromium: a new account chooses its password from the link (shown on the page in demo mode),
scans the QR code (here: reads the key), confirms a code, keeps the recovery codes; the next
login asks for a code, and a recovery code lets it in."""

import re
import time

import pyotp
import pytest
from playwright.sync_api import Page, expect
from test_first_slice import PASSWORD

pytestmark = pytest.mark.browser


def test_a_new_account_turns_on_the_second_factor_and_logs_in_with_a_recovery_code(
        page: Page, shot):
    email = f"hoa-{time.time_ns()}@example.org"
    page.goto("/register")
    page.fill("#name", "Lê Thị Hoa")
    page.fill("#email", email)
    shot(page, "register")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("h1")).to_have_text("Hãy kiểm tra email")
    shot(page, "register-sent")
    page.click("#registration-link")
    expect(page.locator("main dl.facts")).to_contain_text(email)
    page.fill("#password", "qwertyuiop")  # a common password: refused, the link still open
    page.locator("main form button[type=submit]").click()
    expect(page.locator("ul.errors")).to_be_visible()
    shot(page, "choose-password-refused")
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/my$"))

    page.goto("/profile")
    page.locator("a[href='/profile/second-factor']").click()
    expect(page.locator("img.qr")).to_be_visible()
    assert page.locator("img.qr").evaluate("img => img.naturalWidth") > 100  # drawn, not broken
    shot(page, "enrol")
    secret = page.locator("#totp-secret").inner_text().replace(" ", "")  # shown in fours
    page.fill("#code", "123")  # a wrong code first: refused on its field, the key kept
    page.locator("main form button[type=submit]").click()
    expect(page.locator("ul.errors")).to_be_visible()
    assert page.locator("#totp-secret").inner_text().replace(" ", "") == secret
    page.fill("#code", pyotp.TOTP(secret).now())
    page.locator("main form button[type=submit]").click()
    codes = page.locator("#recovery-codes code").all_inner_texts()
    assert len(codes) == 10
    shot(page, "recovery-codes")

    page.locator("header form[action='/logout'] button").click()
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/login/code$"))
    shot(page, "code")
    page.fill("#code", codes[0])
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/my$"))
    page.goto("/profile")
    expect(page.locator("main")).to_contain_text("9")
    shot(page, "profile")
