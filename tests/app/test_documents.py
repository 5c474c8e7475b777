"""Documents: the startup uploads them while it may edit the application; whoever may see the
application lists and downloads them; everyone else learns nothing. Files are typed by their
content, bounded in size, kept outside the web root, and never half-kept after a refusal."""

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from grants.extensions import db
from grants.models import AuditEvent, Document
from grants.operations import Conflict, Invalid, applications, documents
from grants.operations.errors import Forbidden, TooLarge

PDF = (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n"
       b"trailer\n<< /Root 1 0 R >>\n%%EOF\n")
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 64
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 64
EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00" + b"\x00" * 50 + \
    b"This program cannot be run in DOS mode.\r\n" + b"\x00" * 200


def office(*parts: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in parts:
            archive.writestr(name, "<x/>")
    return buffer.getvalue()


DOCX = office("[Content_Types].xml", "_rels/.rels", "word/document.xml")
XLSX = office("[Content_Types].xml", "_rels/.rels", "xl/workbook.xml")
FILE_QUESTION = {"key": "pitch_video", "label": "Pitch video script", "type": "file",
                 "required": False}


@pytest.fixture
def world(create_user, create_call, create_application, manager_of):
    """A call asking for a business plan (and a pitch file question), a startup's draft."""
    call = create_call(required_documents=["business_plan"], questions=[
        {"key": "problem", "label": "Problem", "required": True}, FILE_QUESTION])
    startup = create_user("applicant")
    application = create_application(startup, call)
    return call, startup, application


def stored_files(app) -> set[Path]:
    return {p for p in Path(app.config["DOCUMENT_STORAGE"]).rglob("*") if p.is_file()}


def upload(client, application_id: int, content: bytes, name: str = "plan.pdf",
           kind: str = "business_plan", **kw):
    return client.post(f"/applications/{application_id}/documents",
                       data={"kind": kind, "file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data", **kw)


def problem_of(response, status: int) -> dict:
    assert response.status_code == status, response.text
    assert response.mimetype == "application/problem+json"
    return response.get_json()


def as_file(content: bytes = PDF, name: str = "a.pdf"):
    """What an upload hands the operation: a file name and a stream."""
    return type("Upload", (), {"filename": name, "stream": io.BytesIO(content)})()


def fetch(client, path: str):
    """GET a file: the answer with its bytes read, and the file it streamed closed."""
    answer = client.get(path)
    answer.get_data()
    answer.close()
    return answer


def document_count() -> int:
    return db.session.scalar(select(func.count()).select_from(Document))


def submit(user, application):
    db.session.expire_all()
    current = db.session.get(type(application), application.id)
    return applications.act(user, application.id, "submit", {"version": current.version})


# --- the owner --------------------------------------------------------------------------


def test_the_startup_uploads_lists_and_downloads_a_document_through_the_api(app, world, api):
    call, startup, application = world
    client = api(startup)
    created = upload(client, application.id, PDF, "Kế hoạch kinh doanh.pdf")
    assert created.status_code == 201, created.text
    document = created.get_json()
    assert document["kind"] == "business_plan" and document["current"] is True
    assert (document["content_type"], document["size"]) == ("application/pdf", len(PDF))
    assert document["file_name"] == "Kế hoạch kinh doanh.pdf"
    assert created.headers["Location"].endswith(
        f"/applications/{application.id}/documents/{document['id']}")

    listed = client.get(f"/applications/{application.id}/documents").get_json()
    assert [d["id"] for d in listed["items"]] == [document["id"]] and listed["next"] is None

    answer = fetch(client, f"/applications/{application.id}/documents/{document['id']}")
    assert answer.status_code == 200 and answer.data == PDF
    assert answer.mimetype == "application/pdf"
    assert answer.headers["X-Content-Type-Options"] == "nosniff"
    assert answer.headers["Content-Disposition"].startswith("attachment;")
    assert answer.headers["Content-Length"] == str(len(PDF))


def test_the_startup_uploads_and_downloads_on_the_documents_page(world, client, login):
    call, startup, application = world
    login(startup)
    page = client.get(f"/applications/{application.id}/documents")
    assert page.status_code == 200
    assert "Kế hoạch kinh doanh" in page.text or "Business plan" in page.text
    assert 'enctype="multipart/form-data"' in page.text
    assert page.text.count('type="file"') == 3  # business plan, the file question, other
    assert "Pitch video script" in page.text

    sent = upload(client, application.id, PDF, "plan.pdf")
    assert sent.status_code == 302
    page = client.get(sent.headers["Location"])
    assert "plan.pdf" in page.text
    document = db.session.scalars(select(Document)).one()
    assert f"/documents/{document.id}" in page.text
    download = fetch(client, f"/documents/{document.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Security-Policy"] == "default-src 'none'; sandbox"
    assert f"/applications/{application.id}/documents" in client.get(
        f"/applications/{application.id}").text  # the application page links to it


@pytest.mark.parametrize("content, name, content_type", [
    (PDF, "a.pdf", "application/pdf"),
    (DOCX, "a.docx", documents.DOCX),
    (XLSX, "a.xlsx", documents.XLSX),
    (PNG, "a.png", "image/png"),
    (JPEG, "a.jpg", "image/jpeg"),
    (PDF, "named-as-a-picture.png", "application/pdf"),  # the content decides, not the name
])
def test_each_accepted_type_is_recognised_by_its_content(world, api, content, name,
                                                         content_type):
    call, startup, application = world
    created = upload(api(startup), application.id, content, name, kind="other")
    assert created.status_code == 201, created.text
    assert created.get_json()["content_type"] == content_type


# --- who may not ------------------------------------------------------------------------


def test_another_startup_gets_404_on_list_upload_and_download(app, world, api, create_user):
    call, startup, application = world
    document = upload(api(startup), application.id, PDF).get_json()
    stranger = api(create_user("applicant"))
    before = stored_files(app)
    for response in (
        stranger.get(f"/applications/{application.id}/documents"),
        upload(stranger, application.id, PDF),
        stranger.get(f"/applications/{application.id}/documents/{document['id']}"),
    ):
        assert problem_of(response, 404)["detail"] == "Không tìm thấy."
    assert stored_files(app) == before and document_count() == 1


def test_another_startup_gets_404_on_the_pages_too(world, api, client, login, create_user):
    call, startup, application = world
    document = upload(api(startup), application.id, PDF).get_json()
    login(create_user("applicant"))
    assert client.get(f"/applications/{application.id}/documents").status_code == 404
    assert upload(client, application.id, PDF).status_code == 404
    assert client.get(f"/documents/{document['id']}").status_code == 404


def test_a_document_is_not_found_under_another_application(world, api, create_application):
    call, startup, application = world
    other = create_application(startup, call, title="Second project")
    client = api(startup)
    document = upload(client, application.id, PDF).get_json()
    problem_of(client.get(f"/applications/{other.id}/documents/{document['id']}"), 404)


def test_staff_read_the_documents_of_a_submitted_application_but_cannot_upload(
        world, api, manager_of, create_user):
    call, startup, application = world
    owner = api(startup)
    document = upload(owner, application.id, PDF).get_json()
    manager, auditor = manager_of(call), create_user("auditor", call.programme)
    for user in (manager, auditor):  # a draft is the startup's alone
        problem_of(api(user).get(f"/applications/{application.id}/documents"), 404)
    submit(startup, application)
    for user in (manager, auditor):
        client = api(user)
        assert fetch(client, f"/applications/{application.id}/documents/{document['id']}"
                     ).data == PDF
        problem = problem_of(upload(client, application.id, PDF), 403)
        assert problem["detail"] == "Chỉ thành viên của startup mới được tải tài liệu lên."
    reviewer = api(create_user("reviewer", call.programme))  # not assigned: sees nothing
    problem_of(reviewer.get(f"/applications/{application.id}/documents"), 404)
    problem_of(upload(reviewer, application.id, PDF), 404)
    assert document_count() == 1


def test_upload_is_refused_after_submit(world, api, english):
    call, startup, application = world
    client = api(startup)
    upload(client, application.id, PDF)
    submit(startup, application)
    problem = problem_of(upload(client, application.id, PDF, headers={"Accept-Language": "en"}),
                         409)
    assert problem["detail"] == ("Documents can no longer be changed: the application is "
                                 "Submitted.")
    with pytest.raises(Conflict):
        documents.upload(startup, application.id, "other",
                         as_file())
    assert document_count() == 1


# --- bad files --------------------------------------------------------------------------


def test_an_oversized_file_gets_413_with_a_message_and_nothing_is_stored(app, world, api,
                                                                         client, login):
    call, startup, application = world
    owner = api(startup)
    before = stored_files(app)
    app.config["DOCUMENT_MAX_BYTES"] = 1000
    try:
        # over the file limit, within the body's room for the form around it
        problem = problem_of(upload(owner, application.id, PDF + b"0" * 1000,
                                    headers={"Accept-Language": "en"}), 413)
        assert problem["detail"] == "The file is too large: at most 1,000 B may be uploaded."
        # a body over the limit is cut off while it is read
        problem = problem_of(upload(owner, application.id, PDF + b"0" * 100_000), 413)
        assert problem["detail"] == "Tệp quá lớn: chỉ được tải lên tối đa 1.000 B."
        # and on the page: the page again, with the message
        login(startup)
        page = upload(client, application.id, PDF + b"0" * 100_000)
        assert page.status_code == 413 and "tối đa 1.000 B" in page.text
        assert 'type="file"' in page.text
    finally:
        app.config["DOCUMENT_MAX_BYTES"] = 20 * 1024 * 1024
    assert stored_files(app) == before and document_count() == 0


class Unreadable(io.RawIOBase):
    """A body that must never be read."""

    def readable(self):
        return True

    def seekable(self):
        return True

    def seek(self, offset, whence=0):
        return 0

    def readinto(self, buffer):
        raise AssertionError("the body was read")


def test_a_body_announced_too_large_is_refused_before_it_is_read(app, world, api):
    call, startup, application = world
    owner = api(startup)
    response = owner.post(f"/applications/{application.id}/documents",
                          input_stream=Unreadable(),
                          content_type="multipart/form-data; boundary=x",
                          environ_overrides={"CONTENT_LENGTH": str(10**9)})
    assert "20 MB" in problem_of(response, 413)["detail"]


class Endless(io.RawIOBase):
    """A multipart body that goes on and on, counting what is read of it."""

    def __init__(self):
        self.read_bytes = 0
        self.head = (b"--x\r\nContent-Disposition: form-data; name=\"file\"; "
                     b"filename=\"big.pdf\"\r\n\r\n%PDF-1.7\n")

    def readable(self):
        return True

    def readinto(self, buffer):
        chunk = (self.head + b"0" * len(buffer))[:len(buffer)]
        self.head = b""
        buffer[:len(chunk)] = chunk
        self.read_bytes += len(chunk)
        return len(chunk)


def test_a_body_without_a_length_is_read_only_up_to_the_limit(app, world, api):
    call, startup, application = world
    body = Endless()
    app.config["DOCUMENT_MAX_BYTES"] = 1000
    try:
        response = api(startup).post(
            f"/applications/{application.id}/documents",
            content_type="multipart/form-data; boundary=x",
            environ_overrides={"wsgi.input": body, "wsgi.input_terminated": True,
                               "HTTP_TRANSFER_ENCODING": "chunked"})
    finally:
        app.config["DOCUMENT_MAX_BYTES"] = 20 * 1024 * 1024
    assert "1.000 B" in problem_of(response, 413)["detail"]
    assert 1000 < body.read_bytes <= 1000 + 64 * 1024 + 64 * 1024  # the limit, one buffer
    assert document_count() == 0


def test_the_document_limit_applies_to_uploads_and_other_forms_keep_theirs(
        app, world, api, client, login):
    call, startup, application = world
    app.config["MAX_CONTENT_LENGTH"] = 2000
    try:
        created = upload(api(startup), application.id, PDF + b"0" * 5000)
        assert created.status_code == 201, created.text
        login(startup)
        assert upload(client, application.id, PDF + b"0" * 5000).status_code == 302
        assert client.post("/organizations/new", data={"name": "x" * 5000}).status_code == 413
    finally:
        app.config["MAX_CONTENT_LENGTH"] = 20 * 1024 * 1024


def test_with_csrf_on_an_oversized_page_upload_still_gets_the_413_page(
        app, world, client, login):
    call, startup, application = world
    login(startup)
    app.config.update(WTF_CSRF_ENABLED=True, DOCUMENT_MAX_BYTES=1000)
    try:
        page = upload(client, application.id, PDF + b"0" * 100_000)
    finally:
        app.config.update(WTF_CSRF_ENABLED=False, DOCUMENT_MAX_BYTES=20 * 1024 * 1024)
    assert page.status_code == 413 and "tối đa 1.000 B" in page.text


@pytest.mark.parametrize("content, name", [
    (EXE, "ke-hoach.pdf"),  # an executable named as a PDF
    (b"#!/bin/sh\nrm -rf /\n", "plan.pdf"),
    (b"<html><script>alert(1)</script></html>", "plan.png"),
    (office("[Content_Types].xml", "word/document.xml", "xl/workbook.xml"), "both.docx"),
    (office("readme.txt"), "plain.zip.docx"),  # any zip is not a DOCX
    (b"PK\x03\x04 broken archive", "broken.xlsx"),
])
def test_a_disguised_or_unknown_file_gets_422_and_nothing_is_stored(app, world, api,
                                                                   content, name):
    call, startup, application = world
    before = stored_files(app)
    problem = problem_of(upload(api(startup), application.id, content, name,
                                headers={"Accept-Language": "en"}), 422)
    assert problem["detail"] == (
        f"“{name}” is not a PDF, DOCX, XLSX, PNG or JPEG file: its content is of another "
        "type, whatever its name says. Upload one of these types.")
    assert problem["errors"] == {"file": problem["detail"]}
    assert stored_files(app) == before and document_count() == 0


def test_a_disguised_file_on_the_page_is_refused_next_to_its_form(world, client, login):
    call, startup, application = world
    login(startup)
    page = upload(client, application.id, EXE, "ke-hoach.pdf")
    assert page.status_code == 422
    assert "“ke-hoach.pdf”" in page.text and 'class="errors"' in page.text
    assert document_count() == 0


@pytest.mark.parametrize("data, field", [
    ({"kind": "business_plan"}, "file"),
    ({"kind": "not_asked", "file": (io.BytesIO(PDF), "a.pdf")}, "kind"),
    ({"kind": "Business Plan", "file": (io.BytesIO(PDF), "a.pdf")}, "kind"),
    ({"file": (io.BytesIO(PDF), "a.pdf")}, "kind"),
    ({"kind": "business_plan", "file": "just text"}, "file"),
])
def test_a_missing_file_or_an_unasked_kind_is_422_per_field(world, api, data, field):
    call, startup, application = world
    response = api(startup).post(f"/applications/{application.id}/documents", data=data,
                                 content_type="multipart/form-data")
    assert field in problem_of(response, 422)["errors"]
    assert document_count() == 0


def test_an_empty_file_or_a_json_body_is_422(world, api):
    call, startup, application = world
    client = api(startup)
    problem_of(upload(client, application.id, b""), 422)
    problem_of(client.post(f"/applications/{application.id}/documents", json={"kind": "x"}),
               422)


def test_nothing_is_kept_when_the_transaction_fails(app, world, monkeypatch):
    call, startup, application = world
    before = stored_files(app)

    def broken(**_kw):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(documents.audit, "record", broken)
    with pytest.raises(RuntimeError):
        documents.upload(startup, application.id, "business_plan",
                         as_file())
    assert stored_files(app) == before and document_count() == 0


def test_an_unseekable_stream_is_bounded_too(app, world):
    call, startup, application = world

    class Pipe(io.RawIOBase):
        def __init__(self, data):
            self.data = io.BytesIO(data)

        def readable(self):
            return True

        def seekable(self):
            return False

        def readinto(self, buffer):
            chunk = self.data.read(len(buffer))
            buffer[:len(chunk)] = chunk
            return len(chunk)

    def file(data):
        return type("F", (), {"filename": "a.pdf", "stream": Pipe(data)})()

    app.config["DOCUMENT_MAX_BYTES"] = 1000
    try:
        with pytest.raises(TooLarge):
            documents.upload(startup, application.id, "other", file(PDF + b"0" * 2000))
        document = documents.upload(startup, application.id, "other", file(PDF))
    finally:
        app.config["DOCUMENT_MAX_BYTES"] = 20 * 1024 * 1024
    assert (document.size, document.content_type) == (len(PDF), "application/pdf")


# --- names ------------------------------------------------------------------------------


def test_a_vietnamese_file_name_round_trips(world, api):
    call, startup, application = world
    client = api(startup)
    name = "Hồ sơ năng lực – Công ty Đổi Mới Sáng Tạo (bản cuối).pdf"
    document = upload(client, application.id, PDF, name).get_json()
    assert document["file_name"] == name
    answer = fetch(client, f"/applications/{application.id}/documents/{document['id']}")
    disposition = answer.headers["Content-Disposition"]
    assert "filename*=UTF-8''" in disposition
    from werkzeug.http import parse_options_header
    assert parse_options_header(disposition)[1]["filename"] == name


@pytest.mark.parametrize("name, kept", [
    ('evil"; filename="x.exe.pdf', 'evil"; filename="x.exe.pdf'),
    ("a\r\nSet-Cookie: session=stolen.pdf", "aSet-Cookie: session=stolen.pdf"),
    ("../../etc/passwd.pdf", "passwd.pdf"),
    ("C:\\Users\\an\\Desktop\\ke hoach.pdf", "ke hoach.pdf"),
    ("report\u202efdp.exe", "reportfdp.exe"),  # no right-to-left override
    ("\x00\x01.pdf", ".pdf"),
    ("../", "business_plan.pdf"),  # nothing left: named after its kind
])
def test_a_file_name_cannot_break_content_disposition(world, api, name, kept):
    """The names as the operation receives them (a browser would percent-encode some of
    these in the multipart header; a hand-made client need not)."""
    call, startup, application = world
    document = documents.upload(startup, application.id, "business_plan",
                                as_file(PDF, name))
    assert document.file_name == kept
    answer = fetch(api(startup), f"/applications/{application.id}/documents/{document.id}")
    from werkzeug.http import parse_options_header
    disposition, options = parse_options_header(answer.headers["Content-Disposition"])
    assert disposition == "attachment" and options["filename"] == kept
    assert "\n" not in answer.headers["Content-Disposition"]
    assert "Set-Cookie" not in answer.headers
    assert answer.mimetype == "application/pdf"


def test_a_quote_in_a_name_sent_through_multipart_stays_inside_the_header(world, api):
    call, startup, application = world
    client = api(startup)
    document = upload(client, application.id, PDF, 'say "xin chào".pdf').get_json()
    answer = fetch(client, f"/applications/{application.id}/documents/{document['id']}")
    from werkzeug.http import parse_options_header
    assert parse_options_header(answer.headers["Content-Disposition"])[1]["filename"] == \
        document["file_name"]


def test_a_very_long_name_is_cut_keeping_its_extension(world, api):
    call, startup, application = world
    document = upload(api(startup), application.id, PDF, "ố" * 400 + ".pdf").get_json()
    assert document["file_name"] == "ố" * 251 + ".pdf"


# --- versions, submit, history -----------------------------------------------------------


def test_replacing_keeps_the_earlier_version(world, api, client, login):
    call, startup, application = world
    owner = api(startup)
    first = upload(owner, application.id, PDF, "v1.pdf").get_json()
    second = upload(owner, application.id, PNG, "v2.png").get_json()
    assert second["replaces_id"] == first["id"] and first["replaces_id"] is None
    items = owner.get(f"/applications/{application.id}/documents").get_json()["items"]
    assert [(d["file_name"], d["current"]) for d in items] == [("v2.png", True),
                                                                ("v1.pdf", False)]
    assert fetch(owner, f"/applications/{application.id}/documents/{first['id']}").data == PDF
    login(startup)
    page = client.get(f"/applications/{application.id}/documents").text
    assert page.index("v2.png") < page.index("<details") < page.index("v1.pdf")


def test_the_list_is_paginated_with_a_cursor(app, world, api):
    call, startup, application = world
    owner = api(startup)
    ids = [upload(owner, application.id, PDF, f"{n}.pdf", kind="other").get_json()["id"]
           for n in range(3)]
    app.config["API_PAGE_SIZE"] = 2
    try:
        first = owner.get(f"/applications/{application.id}/documents").get_json()
        rest = owner.get(f"/applications/{application.id}/documents?cursor={first['next']}"
                         ).get_json()
    finally:
        app.config["API_PAGE_SIZE"] = 50
    assert [d["id"] for d in first["items"] + rest["items"]] == ids[::-1]
    assert rest["next"] is None


def test_submit_is_refused_while_a_required_document_is_missing_and_accepted_after_upload(
        world, api, english):
    call, startup, application = world
    with pytest.raises(Invalid) as refused:
        submit(startup, application)
    assert refused.value.problems == ["A document is missing: Business plan"]
    upload(api(startup), application.id, PDF, kind="other")  # not the kind asked for
    with pytest.raises(Invalid):
        submit(startup, application)
    upload(api(startup), application.id, PDF)
    assert submit(startup, application).state == "submitted"


def test_a_required_file_question_counts_as_a_required_document(
        create_user, create_call, create_application, english):
    call = create_call(required_documents=["team_cv", "market_study"], questions=[
        {"key": "problem", "label": "Problem"}, FILE_QUESTION | {"required": True}])
    startup = create_user("applicant")
    application = create_application(startup, call)
    assert documents.missing(application) == [
        "Team CVs", "Market study", "Pitch video script"]
    documents.upload(startup, application.id, "pitch_video", as_file())
    documents.upload(startup, application.id, "market_study", as_file())
    assert documents.missing(application) == ["Team CVs"]


def test_the_upload_is_audited_and_appears_in_the_applications_history(
        world, api, client, login):
    call, startup, application = world
    owner = api(startup)
    document = upload(owner, application.id, PDF, "Kế hoạch.pdf").get_json()
    event = db.session.scalars(select(AuditEvent).where(
        AuditEvent.entity_type == "document")).one()
    assert (event.entity_id, event.action, event.actor_id, event.actor_role) == (
        document["id"], "upload", startup.id, "applicant")
    assert (event.parent_type, event.parent_id) == ("application", application.id)
    assert event.payload == {
        "kind": "business_plan", "file_name": "Kế hoạch.pdf", "content_type": "application/pdf",
        "size": len(PDF), "sha256": document["sha256"], "replaces_id": None}
    history = owner.get(f"/applications/{application.id}/history").get_json()["items"]
    assert [(e["entity_type"], e["action"]) for e in history] == [
        ("application", "create"), ("document", "upload")]
    login(startup)
    page = client.get(f"/applications/{application.id}").text
    assert page.count("<tr>") == 3  # the header and two events
    assert "(Kế hoạch.pdf)" in page


def test_the_page_says_what_is_missing_and_hides_the_forms_after_submit(
        world, api, client, login):
    call, startup, application = world
    login(startup)
    page = client.get(f"/applications/{application.id}/documents").text
    assert "bắt buộc" in page  # the business plan is required and missing
    upload(api(startup), application.id, PDF)
    submit(startup, application)
    page = client.get(f"/applications/{application.id}/documents").text
    assert 'type="file"' not in page and 'id="read-only"' in page


def test_the_files_live_outside_the_web_root_under_random_names(app, world, api):
    call, startup, application = world
    before = stored_files(app)
    document = upload(api(startup), application.id, PDF, "plan.pdf").get_json()
    row = db.session.get(Document, document["id"])
    (path,) = stored_files(app) - before
    assert path.name == row.storage_key and len(row.storage_key) == 32
    assert "plan" not in str(path) and Path(app.static_folder) not in path.parents
    assert path.read_bytes() == PDF and row.sha256 == document["sha256"]
    for _n in range(2):
        assert documents.storage().save(io.BytesIO(b"x")).key != row.storage_key


def test_forbidden_is_what_the_operation_raises_for_staff(world, manager_of):
    call, startup, application = world
    submit_ready = documents.upload(
        startup, application.id, "business_plan",
        as_file())
    assert submit_ready.current
    submit(startup, application)
    with pytest.raises(Forbidden):
        documents.upload(manager_of(call), application.id, "other",
                         as_file())
