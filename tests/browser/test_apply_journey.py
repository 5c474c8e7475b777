"""A startup's whole path in Chromium, GOV.UK style: register, organization, start an
application, fill every section from the task list (a budget that does not add up is refused
and keeps what was typed), upload a document, check the answers, submit, read the reference
on the confirmation, see "submitted" on the timeline, and get the receipt mail through a local
SMTP server. Then a manager asks for changes, the startup resubmits, and the manager sees
what changed.

Each applicant page is checked with axe-core (vendored: tests/browser/vendor/axe.min.js,
MPL-2.0) for serious or critical violations, and photographed at 1280 and 375 pixels."""

import email
import email.policy
import json
import re
import socket
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from playwright.sync_api import Page, expect
from test_first_slice import (
    complete_sections,
    fill_application,
    open_call_from_home,
    register,
    register_organization,
    save_draft,
    save_section,
    submit_from_check,
    submitted_application,
    vietnamese,
)

from grants import outbox

pytestmark = pytest.mark.browser

AXE = Path(__file__).parent / "vendor" / "axe.min.js"
REFERENCE = re.compile(r"HS-\d{4}-\d{6}")
WIDTHS = (1280, 375)


def axe_problems(page: Page) -> list[str]:
    """axe-core's serious and critical violations on the page as it is now."""
    # evaluated by the browser's automation, not as a <script> of the page: the app's
    # Content-Security-Policy would (rightly) refuse an injected inline script
    if not page.evaluate("() => typeof axe !== 'undefined'"):
        page.evaluate("() => { (0, eval)(" + json.dumps(AXE.read_text()) + "); }")
    result = page.evaluate("async () => await axe.run(document)")
    return [f"{v['id']} ({v['impact']}): {v['help']} — "
            + "; ".join(node["target"][0] for node in v["nodes"][:3])
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


@pytest.fixture
def look(shot):
    """look(page, name): no serious accessibility problem, and screenshots at both widths."""
    checked: dict[str, list[str]] = {}

    def check(page: Page, name: str) -> None:
        page.wait_for_load_state("load")
        checked[name] = axe_problems(page)
        for width in WIDTHS:
            page.set_viewport_size({"width": width, "height": 900})
            shot(page, f"{name}-{width}")
            assert page.evaluate("document.documentElement.scrollWidth") <= width, \
                f"{name} is wider than {width} px"
        page.set_viewport_size({"width": 1280, "height": 900})

    yield check
    found = {name: problems for name, problems in checked.items() if problems}
    assert not found, f"axe-core found serious or critical violations: {found}"


class Inbox:
    """Messages a local SMTP server received."""

    def __init__(self):
        self.messages: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):  # noqa: N802 (aiosmtpd's name)
        self.messages.append(email.message_from_bytes(envelope.content,
                                                      policy=email.policy.default))
        return "250 OK"


@pytest.fixture
def smtp_inbox():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    inbox.port = port
    try:
        yield inbox
    finally:
        controller.stop()


def send_outbox(app, port: int) -> None:
    """What `flask outbox send` does, with the app's SMTP settings pointed at the test's
    server."""
    with app.app_context():
        app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=port, SMTP_SECURITY="none",
                          MAIL_FROM="Chương trình khởi nghiệp <noreply@dost.example>")
        transport = outbox.smtp_transport(app.config)
        try:
            outbox.send_due(transport, limit=1000)
        finally:
            transport.close()


def test_a_startup_applies_section_by_section_submits_and_gets_the_receipt(
        page: Page, look, live_app, smtp_inbox):
    email_address = register(page, "Phạm Minh Châu")
    page.goto("/organizations/new")
    register_organization(page, "Công ty TNHH Nước Sạch Mê Kông")
    page.goto("/my")
    look(page, "dashboard")

    open_call_from_home(page)
    fill_application(page, "Lọc nước mặn bằng năng lượng mặt trời")
    look(page, "start-form")
    application_id = save_draft(page)
    # the start form gave the project and the amount: the budget is begun, three are not
    # (the documents are complete: the demo call asks for none)
    expect(page.locator("#tasks .tag.complete")).to_have_count(2)
    expect(page.locator("#tasks .tag.in_progress")).to_have_count(1)
    expect(page.locator("#tasks .tag.not_started")).to_have_count(3)
    look(page, "task-list-new")

    # a budget split that does not add up is refused, and the page keeps what was typed
    page.locator("#tasks a[href$='/sections/budget']").click()
    page.fill("#labour", "20.000.000")
    page.fill("#other", "5.000.000")
    page.locator("main form.card button[type=submit]").click()
    expect(page.locator(".has-error #other, #other[aria-invalid=true]")).to_have_count(1)
    expect(page.locator("#other-error")).to_contain_text("35.000.000")
    expect(page.locator("#labour")).to_have_value("20.000.000")
    expect(page.locator("#other")).to_have_value("5.000.000")
    look(page, "budget-refused")

    complete_sections(page, application_id)
    # a document, from the task list's documents section
    page.goto(f"/applications/{application_id}/tasks")
    page.locator("#documents-link").click()
    upload = page.locator("section.document-kind#kind-other")
    upload.locator("input[type=file]").set_input_files(
        {"name": "Hồ sơ năng lực.pdf", "mimeType": "application/pdf",
         "buffer": b"%PDF-1.7\n1 0 obj\n<< >>\nendobj\n%%EOF\n"})
    upload.locator("button[type=submit]").click()
    expect(page.locator("#kind-other .doc-status.uploaded a.download")).to_have_text(
        "Hồ sơ năng lực.pdf")
    page.goto(f"/applications/{application_id}/tasks")
    expect(page.locator("#tasks .tag.complete")).to_have_count(6)
    look(page, "task-list-complete")
    page.goto(f"/applications/{application_id}/sections/milestones")
    look(page, "section-milestones")

    page.goto(f"/applications/{application_id}/check")
    expect(page.locator("#problems")).to_have_count(0)
    expect(page.locator("main")).to_contain_text("Cảm biến tại 3 trang trại ở Cần Thơ")
    expect(page.locator("dd.change a")).not_to_have_count(0)
    look(page, "check-answers")

    submit_from_check(page, application_id)
    reference = page.locator("#confirmation .reference").inner_text()
    assert REFERENCE.fullmatch(reference) and reference.endswith(f"{application_id:06d}")
    expect(page.locator("#next-step")).not_to_be_empty()
    look(page, "confirmation")

    page.locator(f"main a.btn[href$='/applications/{application_id}']").click()
    steps = page.locator("#timeline li")
    expect(steps).to_have_count(2)  # started, submitted
    expect(steps.last).to_have_class(re.compile("current"))
    expect(steps.last).to_contain_text(vietnamese("Submitted") or "Submitted")
    expect(page.locator(".facts .reference")).to_contain_text(reference)
    look(page, "application-timeline")

    send_outbox(live_app, smtp_inbox.port)
    receipts = [m for m in smtp_inbox.messages if m["To"] and email_address in m["To"]
                and "Lọc nước" in m["Subject"]]  # (the other is the registration's link)
    assert len(receipts) == 1, [(m["To"], m["Subject"]) for m in smtp_inbox.messages]
    body = receipts[0].get_body(("plain",)).get_content()
    assert "Lọc nước mặn bằng năng lượng mặt trời" in receipts[0]["Subject"]
    assert reference in body and f"/applications/{application_id}" in body


def login(page: Page, email_address: str, password: str) -> None:
    page.goto("/login")
    page.fill("#email", email_address)
    page.fill("#password", password)
    page.locator("main form button[type=submit]").click()
    expect(page).not_to_have_url(re.compile(r"/login"))


def test_changes_requested_then_resubmitted_show_the_manager_what_changed(new_page, look):
    startup = new_page()
    title = f"Chuỗi lạnh cho chợ truyền thống {datetime.now():%H%M%S%f}"
    application_id = submitted_application(startup, title)

    manager = new_page()
    login(manager, "manager@demo.local", "demo-manager")
    manager.goto(f"/applications/{application_id}")
    expect(manager.locator("#revisions")).to_have_count(0)  # one submission: nothing to compare
    deadline = datetime.now() + timedelta(days=10)
    manager.fill("#return_for_changes-reason", "Nêu rõ vai trò từng thành viên.")
    manager.fill("#return_for_changes-revision_deadline", f"{deadline:%Y-%m-%dT%H:%M}")
    manager.locator("button[name=do][value=return_for_changes]").click()
    expect(manager.locator("h1 .badge.changes_requested")).to_be_visible()

    startup.goto(f"/applications/{application_id}")
    expect(startup.locator("#timeline li")).to_have_count(3)
    expect(startup.locator("#next-step")).to_be_visible()
    look(startup, "changes-requested-timeline")
    startup.locator("#continue a.btn[href$='/tasks']").click()
    startup.locator("#tasks a[href$='/sections/team']").click()
    startup.fill("#team", "Ba kỹ sư phần mềm và một nhà nông học; chị Hoa phụ trách bán hàng.")
    save_section(startup)
    submit_from_check(startup, application_id)

    manager.goto(f"/applications/{application_id}")
    revisions = manager.locator("#revisions")
    expect(revisions).to_contain_text("2")
    expect(revisions.locator("ins")).to_contain_text(["chị Hoa phụ trách bán hàng"])
    expect(revisions.locator("dt")).to_have_count(1)  # only the team changed
    look(manager, "manager-sees-the-diff")


def test_the_accessibility_check_would_catch_a_field_without_a_label(page: Page):
    page.set_content("<!doctype html><html><body><main><input id='x'></main></body></html>")
    problems = axe_problems(page)
    assert any(problem.startswith("label (critical)") for problem in problems), problems


def test_the_accessibility_statement_is_linked_from_every_page(page: Page, look):
    page.goto("/")
    page.locator("footer a[href$='/accessibility']").click()
    expect(page).to_have_url(re.compile(r"/accessibility$"))
    expect(page.locator("main")).to_contain_text(re.compile(r"WCAG\)? 2\.2"))
    look(page, "accessibility-statement")
