"""The first vertical slice, clicked through in Chromium as a new user would: a startup
registers, drafts and submits an application; a manager returns it for changes; the startup
edits and resubmits. Vietnamese is the default language, English is one click away.

The Vietnamese catalog may not be compiled yet, so the Vietnamese side is checked through
`<html lang="vi">` and stable selectors (`.badge.<state>`, `#history`); once the catalog exists,
a few key texts must also show its Vietnamese (see `vietnamese`).
"""

import gettext
import itertools
import re
from datetime import datetime, timedelta

import pytest
from playwright.sync_api import Page, expect

from grants.paths import TRANSLATIONS

pytestmark = pytest.mark.browser

PASSWORD = "mật khẩu đủ dài 123"
VI_CATALOG = (TRANSLATIONS / "vi" / "LC_MESSAGES" / "messages.mo").exists()
CALL = "Tiền ươm tạo: đợt tiếp nhận hồ sơ"  # the demo call's title starts with this
REQUIRED_QUESTIONS = {
    "problem": "Dự án giải quyết vấn đề gì, cho ai?",
    "solution": "Giải pháp là gì và điểm mới ở đâu?",
    "product_stage": "Sản phẩm đang ở giai đoạn nào?",
}
_numbers = itertools.count(1)


def vietnamese(english: str) -> str | None:
    """The compiled catalog's Vietnamese for an English UI text; None while there is no
    catalog. Once there is one, these key texts must be translated."""
    if not VI_CATALOG:
        return None
    translated = gettext.translation("messages", TRANSLATIONS, ["vi"]).gettext(english)
    assert translated != english, f"not translated to Vietnamese: {english!r}"
    return translated


# --- steps a user takes ----------------------------------------------------------------------


def register(page: Page, name: str) -> str:
    """Sign up on /register; returns the new account's email."""
    email = f"startup{next(_numbers)}-{datetime.now():%H%M%S%f}@example.org"
    page.goto("/register")
    page.fill("#name", name)
    page.fill("#email", email)
    page.locator("main form button[type=submit]").click()
    # demo mode shows the link the mail carries (no mail leaves a demo server)
    page.click("#registration-link")
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/my$"))
    return email


def register_organization(page: Page, name: str) -> None:
    """On the organization form (already open): fill it and save."""
    page.fill("#name", name)
    page.fill("#registration_number", f"03{next(_numbers):08d}")  # must be unique
    page.fill("#founded_on", "2023-05-01")
    page.select_option("#field", "hitech_agriculture")
    page.locator("main form button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/organizations/new"))
    expect(page.locator(".flash.success")).to_be_visible()


def open_call_from_home(page: Page) -> None:
    page.goto("/")
    row = page.locator("main table tbody tr", has_text=CALL)
    expect(row).to_have_count(1)
    row.locator("a.btn").click()
    expect(page).to_have_url(re.compile(r"/calls/\d+/apply$"))


def fill_application(page: Page, title: str, *, complete: bool = True) -> None:
    """On the form that starts an application: the project and the amount."""
    page.fill("#title", title)
    page.select_option("#field", "hitech_agriculture")
    if complete:
        page.fill("#summary", "Cảm biến độ ẩm đất cho nông dân Đồng bằng sông Cửu Long.")
        page.fill("#requested_amount", "35000000")


def save_draft(page: Page) -> int:
    """Save the form that starts an application; returns the application id from the task
    list it lands on."""
    page.locator("main form.card button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/applications/\d+/tasks$"))
    return int(page.url.rsplit("/", 2)[1])


def save_section(page: Page) -> None:
    page.locator("main form.card button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/applications/\d+/tasks$"))


def complete_sections(page: Page, application_id: int) -> None:
    """Fill the sections the start form leaves: team, budget split, milestones, questions."""
    base = f"/applications/{application_id}/sections"
    page.goto(f"{base}/team")
    page.fill("#team", "Ba kỹ sư và một nhà nông học.")
    save_section(page)
    page.goto(f"{base}/budget")
    page.fill("#labour", "20.000.000")
    page.fill("#other", "15.000.000")
    save_section(page)
    page.goto(f"{base}/milestones")
    page.fill("#m0-milestone", "Lắp cảm biến thử nghiệm")
    page.fill("#m0-month", "3")
    page.fill("#m0-deliverable", "Cảm biến tại 3 trang trại ở Cần Thơ")
    save_section(page)
    page.goto(f"{base}/questions")
    page.fill("#answer_problem", "Nông dân tưới quá nhiều nước.")
    page.fill("#answer_solution", "Cảm biến rẻ và ứng dụng nhắn tin.")
    page.select_option("#answer_product_stage", "Mẫu thử")
    save_section(page)


def submit_from_check(page: Page, application_id: int) -> None:
    """Check your answers, then submit: lands on the confirmation."""
    page.goto(f"/applications/{application_id}/check")
    expect(page.locator("#problems")).to_have_count(0)
    page.locator("#send button[type=submit]").click()
    expect(page).to_have_url(re.compile(rf"/applications/{application_id}/confirmation$"))


def action_button(page: Page, action: str):
    return page.locator(f"button[name=do][value={action}]")


def take_action(page: Page, action: str, expected_status: int = 302) -> None:
    """Click an action's button and wait for the page it leads to. A done action redirects
    (302) to the application page; a refused one answers with the page and an error status."""
    with (page.expect_navigation(),
          page.expect_response(lambda r: r.url.endswith(f"/actions/{action}")) as posted):
        action_button(page, action).click()
    assert posted.value.status == expected_status, f"{action}: HTTP {posted.value.status}"


def history_rows(page: Page):
    return page.locator("#history tbody tr")


def submitted_application(page: Page, title: str) -> int:
    """A new startup account with a submitted application; returns the application id."""
    register(page, "Chủ dự án")
    page.goto("/organizations/new")
    register_organization(page, f"Công ty {title}")
    open_call_from_home(page)
    fill_application(page, title)
    application_id = save_draft(page)
    complete_sections(page, application_id)
    submit_from_check(page, application_id)
    page.goto(f"/applications/{application_id}")
    expect(page.locator("h1 .badge.submitted")).to_be_visible()
    return application_id


SUBMITTED_ROWS = 6  # created, four sections saved, submitted


# --- the scenarios ----------------------------------------------------------------------------


def test_new_startup_registers_applies_and_submits(page: Page, shot):
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    expect(page.locator("main table tbody tr", has_text=CALL)).to_have_count(1)
    shot(page, "home-vi")

    page.goto("/register")
    expect(page.locator("html")).to_have_attribute("lang", "vi")
    if heading := vietnamese("Register your startup account"):
        expect(page.locator("h1")).to_have_text(heading)
    shot(page, "register-vi")
    register(page, "Nguyễn Văn An")
    expect(page.locator(".flash.success")).to_be_visible()
    expect(page.locator("header")).to_contain_text("Nguyễn Văn An")
    shot(page, "dashboard-after-register-vi")

    page.locator("main a.btn.secondary[href$='/organizations/new']").click()
    expect(page).to_have_url(re.compile(r"/organizations/new$"))
    shot(page, "organization-form-vi")
    register_organization(page, "Nông Nghiệp Xanh")
    expect(page).to_have_url(re.compile(r"/my$"))
    expect(page.locator("main ul li", has_text="Nông Nghiệp Xanh")).to_be_visible()

    open_call_from_home(page)
    expect(page.locator("#organization_id option:checked")).to_have_text("Nông Nghiệp Xanh")
    fill_application(page, "Tưới tiêu thông minh")
    shot(page, "application-form-vi")
    application_id = save_draft(page)
    page.goto(f"/applications/{application_id}")

    expect(page.locator("h1")).to_contain_text("Tưới tiêu thông minh")
    expect(page.locator("h1 .badge.draft")).to_be_visible()
    if draft := vietnamese("Draft"):
        expect(page.locator("h1 .badge.draft")).to_have_text(draft)
    expect(page.locator(".facts")).to_contain_text("35.000.000")  # Vietnamese digit grouping
    expect(history_rows(page)).to_have_count(1)
    expect(action_button(page, "submit")).to_have_count(0)  # sent from "check your answers"
    shot(page, "application-draft-vi")

    complete_sections(page, application_id)
    submit_from_check(page, application_id)
    page.goto(f"/applications/{application_id}")
    badge = page.locator("h1 .badge.submitted")
    expect(badge).to_be_visible()
    if submitted := vietnamese("Submitted"):
        expect(badge).to_have_text(submitted)
    expect(page.locator("h1 .badge.draft")).to_have_count(0)
    rows = history_rows(page)
    expect(rows).to_have_count(SUBMITTED_ROWS)
    # created (→ draft), then submitted (draft → submitted)
    expect(rows.nth(0).locator("td").nth(4)).not_to_contain_text("→")
    expect(rows.nth(SUBMITTED_ROWS - 1).locator("td").nth(4)).to_contain_text("→")
    expect(rows.nth(SUBMITTED_ROWS - 1).locator("td").nth(2)).to_contain_text("Nguyễn Văn An")
    shot(page, "application-submitted-vi")

    page.goto("/my")
    row = page.locator("main table tbody tr", has_text="Tưới tiêu thông minh")
    expect(row.locator(".badge.submitted")).to_be_visible()
    shot(page, "dashboard-with-application-vi")


def test_incomplete_draft_cannot_be_submitted(page: Page, shot):
    register(page, "Trần Thị Bình")
    # Applying before registering a startup leads through the organization form and back.
    open_call_from_home(page)
    expect(page).to_have_url(re.compile(r"/organizations/new\?next="))
    expect(page.locator(".flash.info")).to_be_visible()
    register_organization(page, "Học Vui")
    expect(page).to_have_url(re.compile(r"/calls/\d+/apply$"))

    fill_application(page, "Bản nháp dở dang", complete=False)
    application_id = save_draft(page)
    page.goto(f"/applications/{application_id}/check")
    problems = page.locator("#problems li")
    # no summary, three required answers, no amount, no team, no budget split, no milestones
    expect(problems).to_have_count(8)
    for label in REQUIRED_QUESTIONS.values():
        expect(problems.filter(has_text=label)).to_have_count(1)
    expect(page.locator("#send")).to_have_count(0)
    shot(page, "check-incomplete-vi")

    page.goto(f"/applications/{application_id}")
    expect(page.locator("h1 .badge.draft")).to_be_visible()
    expect(page.locator("h1")).to_contain_text("Bản nháp dở dang")
    expect(page.locator(".facts")).to_contain_text("Học Vui")
    expect(history_rows(page)).to_have_count(1)


def test_manager_returns_for_changes_and_startup_resubmits(new_page, shot):
    title = f"Logistics lạnh {next(_numbers)}"
    startup = new_page()
    application_id = submitted_application(startup, title)

    manager = new_page()
    manager.goto("/login")
    expect(manager.locator("html")).to_have_attribute("lang", "vi")
    manager.fill("#email", "manager@demo.local")
    manager.fill("#password", "demo-manager")
    manager.locator("main form button[type=submit]").click()
    # staff land on their calls
    expect(manager).to_have_url(re.compile(r"/manage/calls$"))
    shot(manager, "manager-calls-vi")

    manager.locator("header .lang button", has_text="EN").click()
    expect(manager.locator("html")).to_have_attribute("lang", "en")
    expect(manager).to_have_url(re.compile(r"/manage/calls\??$"))
    expect(manager.locator("header .lang button", has_text="EN")).to_be_disabled()
    expect(manager.locator("h1")).to_have_text("Calls")
    shot(manager, "manager-calls-en")

    manager.get_by_role("link", name=re.compile(CALL)).click()
    expect(manager).to_have_url(re.compile(r"/manage/calls/\d+$"))
    row = manager.locator("#queue tbody tr", has_text=title)
    expect(row).to_have_count(1)
    expect(row.locator(".badge.submitted")).to_have_text("Submitted")
    expect(row).to_contain_text("Hi-tech agriculture")
    shot(manager, "manager-queue-en")

    row.get_by_role("link", name=title).click()
    expect(manager).to_have_url(re.compile(rf"/applications/{application_id}$"))
    expect(manager.locator("h1 .badge.submitted")).to_have_text("Submitted")
    rows = history_rows(manager)
    expect(rows).to_have_count(SUBMITTED_ROWS)
    expect(rows.nth(0)).to_contain_text("Created")
    expect(rows.nth(0)).to_contain_text("Startup")
    expect(rows.nth(SUBMITTED_ROWS - 1)).to_contain_text("Submit")
    expect(rows.nth(SUBMITTED_ROWS - 1)).to_contain_text("Draft → Submitted")
    expect(manager.locator("#history thead")).to_contain_text("When")
    shot(manager, "manager-application-en")

    deadline = datetime.now() + timedelta(days=14)
    reason = "Please add the pilot farms and a budget breakdown."
    manager.fill("#return_for_changes-reason", reason)
    manager.fill("#return_for_changes-revision_deadline", f"{deadline:%Y-%m-%dT%H:%M}")
    take_action(manager, "return_for_changes")
    expect(manager.locator(".flash.success")).to_contain_text("Return for changes")
    expect(manager.locator("h1 .badge.changes_requested")).to_have_text("Changes requested")
    expect(manager.locator(".facts")).to_contain_text("Revision deadline")
    rows = history_rows(manager)
    returned = SUBMITTED_ROWS
    expect(rows).to_have_count(returned + 1)
    expect(rows.nth(returned)).to_contain_text("Return for changes")
    expect(rows.nth(returned)).to_contain_text("Submitted → Changes requested")
    expect(rows.nth(returned)).to_contain_text(reason)
    expect(rows.nth(returned)).to_contain_text("Programme manager")
    expect(action_button(manager, "return_for_changes")).to_have_count(0)
    shot(manager, "manager-application-returned-en")

    # The startup, still in Vietnamese, sees the request, edits and resubmits.
    startup.goto(f"/applications/{application_id}")
    expect(startup.locator("html")).to_have_attribute("lang", "vi")
    expect(startup.locator("h1 .badge.changes_requested")).to_be_visible()
    if changes_requested := vietnamese("Changes requested"):
        expect(startup.locator("h1 .badge")).to_have_text(changes_requested)
    expect(history_rows(startup).nth(SUBMITTED_ROWS)).to_contain_text(reason)
    shot(startup, "startup-changes-requested-vi")

    startup.locator("#continue a.btn[href$='/tasks']").click()
    expect(startup).to_have_url(re.compile(rf"/applications/{application_id}/tasks$"))
    startup.goto(f"/applications/{application_id}/sections/budget")
    expect(startup.locator("#requested_amount")).to_have_value("35.000.000")
    startup.goto(f"/applications/{application_id}/sections/questions")
    startup.fill("#answer_plan", "Thí điểm ở 3 trang trại Cần Thơ; ngân sách chi tiết đính kèm.")
    shot(startup, "startup-edit-vi")
    save_section(startup)
    expect(startup.locator(".flash.success")).to_be_visible()

    submit_from_check(startup, application_id)
    startup.goto(f"/applications/{application_id}")
    expect(startup.locator("h1 .badge.submitted")).to_be_visible()
    expect(startup.locator("main")).to_contain_text("Thí điểm ở 3 trang trại Cần Thơ")
    rows = history_rows(startup)
    resubmitted = SUBMITTED_ROWS + 2  # returned, edited, resubmitted
    expect(rows).to_have_count(resubmitted + 1)
    expect(rows.nth(resubmitted).locator("td").nth(4)).to_contain_text("→")
    expect(action_button(startup, "resubmit")).to_have_count(0)
    shot(startup, "startup-resubmitted-vi")

    manager.reload()
    expect(manager.locator("h1 .badge.submitted")).to_have_text("Submitted")
    expect(history_rows(manager).nth(resubmitted)).to_contain_text("Resubmit")
    expect(history_rows(manager).nth(resubmitted)).to_contain_text(
        "Changes requested → Submitted")
    shot(manager, "manager-application-resubmitted-en")


def test_an_irreversible_action_asks_first_and_a_no_changes_nothing(new_page, shot):
    title = f"Nông nghiệp số {next(_numbers)}"
    application_id = submitted_application(new_page(), title)
    manager = new_page()
    manager.goto("/login")
    manager.fill("#email", "manager@demo.local")
    manager.fill("#password", "demo-manager")
    manager.locator("main form button[type=submit]").click()
    manager.goto(f"/applications/{application_id}")
    manager.fill("#declare_ineligible-reason", "Ngoài lĩnh vực ưu tiên")
    asked = []

    def decline(dialog):
        asked.append(dialog.message)
        dialog.dismiss()

    manager.once("dialog", decline)
    action_button(manager, "declare_ineligible").click()
    expect(manager.locator("h1 .badge.submitted")).to_be_visible()
    # (the demo manager may have switched to English in an earlier test: it is kept per account)
    assert len(asked) == 1 and re.search("không thể hoàn tác|cannot be undone", asked[0]), asked

    manager.once("dialog", lambda dialog: dialog.accept())
    take_action(manager, "declare_ineligible")
    expect(manager.locator("h1 .badge.ineligible")).to_be_visible()
    shot(manager, "declared-ineligible-vi")
