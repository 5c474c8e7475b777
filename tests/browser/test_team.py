"""In the browser: a founder registers the startup with its address and website, invites a
co-founder, who registers with the invited email from the mailed link and joins; the owner sees
the team. An administrator searches users and grants a role. Each page fits a phone screen and
is saved at 375 and 1280 px."""

import json
import re
import sqlite3

import pytest
from playwright.sync_api import Page, expect
from test_first_slice import PASSWORD, register

pytestmark = pytest.mark.browser

PHONE, DESKTOP = 375, 1280


def screens(page: Page, shot, name: str) -> None:
    """Check the page fits a phone, then save it at both widths."""
    page.wait_for_load_state("load")
    page.set_viewport_size({"width": PHONE, "height": 800})
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE, f"{name} is {width} px wide on a {PHONE} px screen"
    shot(page, f"{name}-{PHONE}")
    page.set_viewport_size({"width": DESKTOP, "height": 900})
    shot(page, f"{name}-{DESKTOP}")


def mailed_link(tmp_path_factory, email: str) -> str:
    """The invitation link in the outbox of the live server's database."""
    database = max(tmp_path_factory.getbasetemp().glob("browser-db*/grants.sqlite"),
                   key=lambda path: path.stat().st_mtime)
    with sqlite3.connect(database) as connection:
        (context,) = connection.execute(
            "SELECT context FROM notification WHERE message = 'team_invitation' "
            "AND recipient_email = ? ORDER BY id DESC LIMIT 1", (email,)).fetchone()
    return json.loads(context)["url"]


def test_a_founder_invites_a_cofounder_who_registers_and_joins(new_page, shot,
                                                              tmp_path_factory):
    owner = new_page()
    register(owner, "Phạm Minh Châu")
    owner.goto("/organizations/new")
    owner.fill("#name", "Công ty Nông Sạch Việt")
    owner.fill("#registration_number", "0317777777001")
    owner.fill("#founded_on", "2024-02-01")
    owner.select_option("#field", "hitech_agriculture")
    owner.fill("#address", "12 Lê Lợi, Phường Bến Nghé, Quận 1, TP. Hồ Chí Minh")
    owner.fill("#website", "không phải địa chỉ")
    owner.locator("main form button[type=submit]").click()
    expect(owner.locator("#website + ul.errors, ul.errors")).to_contain_text("https://")
    expect(owner.locator("#address")).to_have_value(re.compile("12 Lê Lợi"))
    screens(owner, shot, "organization-form-error")
    owner.fill("#website", "https://nongsachviet.vn")
    owner.locator("main form button[type=submit]").click()
    expect(owner).to_have_url(re.compile(r"/my$"))
    owner.locator("main a", has_text="Công ty Nông Sạch Việt").click()
    expect(owner.locator("dl.facts")).to_contain_text("0317777777-001")
    screens(owner, shot, "organization-detail")

    cofounder_email = "cofounder-team@example.org"
    owner.fill("#email", cofounder_email)
    owner.locator("main form button[type=submit]", has_text=re.compile(".")).last.click()
    expect(owner.locator(".flash.success")).to_contain_text(cofounder_email)
    expect(owner.locator("main table").last).to_contain_text(cofounder_email)
    screens(owner, shot, "organization-with-invitation")

    link = mailed_link(tmp_path_factory, cofounder_email)
    cofounder = new_page()
    cofounder.goto(link)
    expect(cofounder.locator("main")).to_contain_text("Công ty Nông Sạch Việt")
    screens(cofounder, shot, "invitation-anonymous")
    cofounder.locator("main a.btn.secondary").click()
    expect(cofounder).to_have_url(re.compile(r"/register\?next="))
    cofounder.fill("#name", "Lê Thu Hà")
    cofounder.fill("#email", cofounder_email)
    cofounder.locator("main form button[type=submit]").click()
    cofounder.click("#registration-link")  # demo mode shows the mailed link
    cofounder.fill("#password", PASSWORD)
    cofounder.locator("main form button[type=submit]").click()
    expect(cofounder).to_have_url(re.compile(re.escape(link) + "$"))
    screens(cofounder, shot, "invitation-logged-in")
    cofounder.locator("main form button[type=submit]").click()
    expect(cofounder).to_have_url(re.compile(r"/organizations/\d+$"))
    expect(cofounder.locator("main table").first).to_contain_text("Lê Thu Hà")

    cofounder.goto(link)  # the link works once
    expect(cofounder.locator("main .flash.error")).to_be_visible()
    screens(cofounder, shot, "invitation-used")

    owner.reload()
    expect(owner.locator("main table").first).to_contain_text("Lê Thu Hà")
    owner.on("dialog", lambda dialog: dialog.accept())
    owner.locator("main table").first.locator("button", has_text=re.compile(".")).click()
    expect(owner.locator(".flash.success")).to_be_visible()
    expect(owner.locator("main table").first).not_to_contain_text("Lê Thu Hà")


def test_an_administrator_finds_a_user_and_grants_a_role(new_page, shot):
    startup = new_page()
    email = register(startup, "Đỗ Quang Huy")
    admin = new_page()
    admin.goto("/login")
    admin.fill("#email", "admin@demo.local")
    admin.fill("#password", "demo-admin")
    admin.locator("main form button[type=submit]").click()
    admin.locator("header a[href='/admin/users']").click()
    screens(admin, shot, "users-list")
    admin.fill("#q", email[:10])
    admin.locator("main form button[type=submit]").first.click()
    admin.locator("main table a", has_text=email).click()
    expect(admin.locator("h1")).to_have_text("Đỗ Quang Huy")
    admin.select_option("#role", "reviewer")
    admin.select_option("#programme_id", index=1)
    admin.locator("main form button[type=submit]").last.click()
    expect(admin.locator(".flash.success")).to_be_visible()
    expect(admin.locator("main table")).to_contain_text("HCMC")
    screens(admin, shot, "user-detail")
    admin.goto("/admin/users/new")
    admin.fill("#name", "Võ Thị Mai")
    admin.fill("#email", "admin@demo.local")
    admin.fill("#password", "short")
    admin.locator("main form button[type=submit]").click()
    expect(admin.locator("ul.errors").first).to_be_visible()
    expect(admin.locator("#name")).to_have_value("Võ Thị Mai")
    screens(admin, shot, "user-new-errors")
