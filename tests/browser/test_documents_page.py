"""A startup uploads a PDF on its application's documents page in Chromium, sees it listed
with its Vietnamese name, downloads it, replaces it, and is told plainly when a file is not
what its name says. The page fits a 375-pixel phone screen."""

import re

import pytest
from playwright.sync_api import Page, expect
from test_first_slice import (
    complete_sections,
    fill_application,
    open_call_from_home,
    register,
    register_organization,
    save_draft,
    submit_from_check,
)

pytestmark = pytest.mark.browser

PDF = (b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n"
       b"%%EOF\n")
EXE = b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 300
NAME = "Kế hoạch kinh doanh – bản cuối.pdf"


def fits_a_phone(page: Page, shot, name: str) -> None:
    shot(page, f"{name}-1280")
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375, name
    shot(page, f"{name}-375")
    page.set_viewport_size({"width": 1280, "height": 900})


def test_a_startup_uploads_a_pdf_on_the_documents_page(page: Page, shot):
    register(page, "Lê Minh Châu")
    page.goto("/organizations/new")
    register_organization(page, "Công ty Tài Liệu Số")
    open_call_from_home(page)
    fill_application(page, "Sổ tay số cho nông hộ")
    application_id = save_draft(page)

    page.locator("#documents-link").click()
    expect(page).to_have_url(re.compile(rf"/applications/{application_id}/documents$"))
    section = page.locator("section.document-kind#kind-other")
    expect(section.locator(".doc-status")).not_to_contain_text(NAME)
    fits_a_phone(page, shot, "documents-empty")

    section.locator("input[type=file]").set_input_files(
        {"name": NAME, "mimeType": "application/pdf", "buffer": PDF})
    section.locator("button[type=submit]").click()
    expect(page.locator(".flash.success")).to_contain_text(NAME)
    uploaded = page.locator("#kind-other .doc-status.uploaded a.download")
    expect(uploaded).to_have_text(NAME)
    fits_a_phone(page, shot, "documents-uploaded")

    with page.expect_download() as download:
        uploaded.click()
    assert download.value.suggested_filename == NAME
    with open(download.value.path(), "rb") as saved:
        assert saved.read() == PDF

    # an executable named as a PDF is refused next to its form, and nothing changes
    section = page.locator("section.document-kind#kind-other")
    section.locator("input[type=file]").set_input_files(
        {"name": "ke-hoach.pdf", "mimeType": "application/pdf", "buffer": EXE})
    with page.expect_response(lambda r: r.request.method == "POST") as posted:
        section.locator("button[type=submit]").click()
    assert posted.value.status == 422
    expect(page.locator("#kind-other .errors")).to_contain_text("ke-hoach.pdf")
    expect(page.locator("#kind-other .doc-status.uploaded a.download")).to_have_text(NAME)
    fits_a_phone(page, shot, "documents-refused")

    # replacing keeps the earlier version
    section = page.locator("section.document-kind#kind-other")
    section.locator("input[type=file]").set_input_files(
        {"name": "v2.pdf", "mimeType": "application/pdf", "buffer": PDF + b"%v2\n"})
    section.locator("button[type=submit]").click()
    expect(page.locator("#kind-other .doc-status.uploaded a.download")).to_have_text("v2.pdf")
    page.locator("#kind-other details.earlier summary").click()
    expect(page.locator("#kind-other details.earlier li")).to_contain_text(NAME)
    fits_a_phone(page, shot, "documents-replaced")

    # the upload is in the application's history; after submit the forms are gone
    page.goto(f"/applications/{application_id}")
    expect(page.locator("#history tbody tr")).to_have_count(3)
    complete_sections(page, application_id)
    submit_from_check(page, application_id)
    page.goto(f"/applications/{application_id}")
    page.locator("#documents-link").click()
    expect(page.locator("#read-only")).to_be_visible()
    expect(page.locator("input[type=file]")).to_have_count(0)
    fits_a_phone(page, shot, "documents-read-only")
