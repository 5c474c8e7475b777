"""Every page of the demo flow fits a 375-pixel phone screen: nothing is wider than the
viewport (wide tables scroll inside themselves). Screenshots at 375 and 1280 pixels are saved
for a person to look at (the folder is printed; run with -s to see it)."""

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect
from test_first_slice import (
    CALL,
    SUBMITTED_ROWS,
    complete_sections,
    fill_application,
    history_rows,
    open_call_from_home,
    register,
    register_organization,
    save_draft,
)

pytestmark = pytest.mark.browser

PHONE, TABLET, DESKTOP = 375, 880, 1280


class Screens:
    """fits(page, name) measures the page at 375 (and 880) px and saves screenshots of it at 375 and
    1280 px into a temporary folder; `too_wide` lists the pages wider than the screen."""

    def __init__(self, folder: Path):
        self.folder = folder
        self.taken = 0
        self.too_wide: list[str] = []

    def __call__(self, page: Page, name: str) -> None:
        self.taken += 1
        # a click that navigates returns once the URL changes: measure the page once its
        # stylesheet has loaded, not the unstyled document before it
        page.wait_for_load_state("load")
        for screen in (PHONE, TABLET):  # and just above the width where tables stack
            page.set_viewport_size({"width": screen, "height": 800})
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > screen:
                self.too_wide.append(f"{name} ({page.url}): {width} px on {screen} px")
        for size in (PHONE, DESKTOP):
            page.set_viewport_size({"width": size, "height": 800})
            page.screenshot(path=self.folder / f"{self.taken:02d}-{name}-{size}.png",
                            full_page=True)
        page.set_viewport_size({"width": PHONE, "height": 800})


@pytest.fixture
def fits(tmp_path_factory) -> Screens:
    folder = tmp_path_factory.mktemp("small-screens")
    print(f"\nscreenshots: {folder}")
    return Screens(folder)


def test_every_page_of_the_demo_flow_fits_a_phone_screen(new_page, fits):
    startup = new_page()
    startup.set_viewport_size({"width": PHONE, "height": 800})
    startup.goto("/")
    fits(startup, "home")
    startup.goto("/login")
    fits(startup, "login")
    startup.goto("/register")
    fits(startup, "register")
    register(startup, "Nguyễn Thị Phương Thảo")
    fits(startup, "dashboard-empty")

    startup.goto("/organizations/new")
    fits(startup, "organization-form")
    startup.fill("#name", "Công ty Cổ phần Công nghệ Nông nghiệp Đồng bằng")
    startup.fill("#registration_number", "abc")
    startup.locator("main form button[type=submit]").click()
    expect(startup.locator("ul.errors")).to_have_count(2)  # the code and the field
    fits(startup, "organization-form-errors")
    register_organization(startup, "Công ty Cổ phần Công nghệ Nông nghiệp Đồng bằng")

    open_call_from_home(startup)
    fits(startup, "application-form")
    title = "Hệ thống cảm biến độ ẩm đất và tưới tiêu thông minh cho nông dân miền Tây"
    fill_application(startup, title)
    application_id = save_draft(startup)
    fits(startup, "task-list")
    startup.goto(f"/applications/{application_id}/sections/milestones")
    fits(startup, "milestones-section")
    complete_sections(startup, application_id)
    startup.goto(f"/applications/{application_id}/check")
    fits(startup, "check-answers")
    startup.locator("#send button[type=submit]").click()
    expect(startup).to_have_url(re.compile(r"/confirmation$"))
    fits(startup, "confirmation")
    startup.goto(f"/applications/{application_id}")
    expect(history_rows(startup)).to_have_count(SUBMITTED_ROWS)
    fits(startup, "application-with-history")
    startup.goto("/my")
    fits(startup, "dashboard")
    startup.goto("/accessibility")
    fits(startup, "accessibility")
    startup.goto("/profile")
    startup.fill("#name", "Điện thoại")
    startup.locator("#name").press("Enter")
    expect(startup.locator("#new-token")).to_be_visible()
    fits(startup, "profile-with-token")

    manager = new_page()
    manager.set_viewport_size({"width": PHONE, "height": 800})
    manager.goto("/login")
    manager.fill("#email", "manager@demo.local")
    manager.fill("#password", "demo-manager")
    manager.locator("main form button[type=submit]").click()
    expect(manager).to_have_url(re.compile(r"/manage/calls$"))
    fits(manager, "manager-calls")
    manager.get_by_role("link", name=re.compile(CALL)).click()
    expect(manager).to_have_url(re.compile(r"/manage/calls/\d+$"))
    expect(manager.locator("#queue tbody tr", has_text=title)).to_have_count(1)
    fits(manager, "manager-queue")
    manager.locator("main a[href*='/manage/programmes/']").first.click()
    expect(manager.locator("#desk-calls")).to_be_visible()
    fits(manager, "programme-desk")
    manager.check("#queue tbody input[type=checkbox]")
    manager.select_option("#batch-action-name", "declare_ineligible")
    manager.locator("#batch-submit").click()
    expect(manager.locator("#batch-confirm")).to_be_visible()
    fits(manager, "desk-batch-confirm")
    manager.locator("#batch-confirm a.btn.secondary").click()  # cancel: nothing changes
    manager.goto(f"/applications/{application_id}")
    expect(history_rows(manager)).to_have_count(SUBMITTED_ROWS)
    fits(manager, "manager-application")
    manager.goto("/profile")
    fits(manager, "manager-profile")
    assert fits.taken == 21
    assert not fits.too_wide, f"wider than a {PHONE} px screen: {fits.too_wide}"
