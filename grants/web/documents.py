"""An application's documents page: what the call asks for and what is uploaded, an upload
form per kind, earlier versions, and downloads."""

from typing import BinaryIO

from flask import Blueprint, Response, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge

from grants.inputs import identifier
from grants.models import Document
from grants.operations import OperationError, documents
from grants.permissions.documents import can_upload
from grants.web.forms import EmptyForm

bp = Blueprint("documents", __name__)
PAGE = 100  # documents a page lists at once
# Room in a multipart body for its boundaries, part headers, the kind and the CSRF token: the
# body may be this much larger than the largest file.
FORM_OVERHEAD = 64 * 1024


@bp.url_value_preprocessor
def _upload_limit(endpoint: str | None, _values: dict | None) -> None:
    """The document limit, not the app's, bounds an upload's body. Set before any
    before_request (CSRF reads the form) so the body is never read past it."""
    if endpoint == "documents.upload":
        request.max_content_length = documents.max_bytes() + FORM_OVERHEAD


@bp.errorhandler(RequestEntityTooLarge)
def _too_large(_error: RequestEntityTooLarge):
    """A body over the limit (found before the handler ran, often by the CSRF check): the
    documents page again, saying so; the plain error page for whoever may not see it."""
    message = documents.too_large().detail
    application_id = (request.view_args or {}).get("application_id")
    if request.endpoint == "documents.upload" and current_user.is_authenticated:
        try:  # the form is never read again: it is what was too large
            return _render(application_id, 413, message=message,
                           form=EmptyForm(formdata=None))
        except OperationError:
            pass
    return render_template("error.html", status=413, message=message), 413


def _render(application_id: int, status: int = 200, *, errors: dict | None = None,
            message: str | None = None, kind: str | None = None, form=None):
    item, rows = documents.list_documents(current_user, application_id,
                                          before_id=identifier(request.args.get("before")),
                                          limit=PAGE + 1)
    application = item.entity
    expected = documents.kinds(application.call, application)
    by_kind: dict[str, list[Document]] = {}
    for document in rows[:PAGE]:
        by_kind.setdefault(document.kind, []).append(document)
    for kind in by_kind:  # kinds uploaded but no longer asked for (a call's kinds changed)
        expected.setdefault(kind, documents.kind_label(application.call, kind))
    return render_template(
        "documents/index.html",
        application=application,
        expected=expected,
        required=set(documents.required_kinds(application.call)),
        by_kind=by_kind,
        next_before=rows[PAGE - 1].id if len(rows) > PAGE else None,
        may_upload=bool(uploadable := documents.uploadable(item)),
        uploadable=uploadable,
        is_applicant=can_upload(item.roles),
        errors=errors or {},
        message=message,
        failed_kind=kind,
        max_size=documents.readable_size(documents.max_bytes()),
        accept=documents.ACCEPT,
        size=documents.readable_size,
        form=form or EmptyForm(),
    ), status


@bp.get("/applications/<int:application_id>/documents")
@login_required
def index(application_id: int):
    return _render(application_id)


@bp.post("/applications/<int:application_id>/documents")
@login_required
def upload(application_id: int):
    # (CSRFProtect has checked the token, reading the body within the document limit)
    kind = request.form.get("kind")
    try:
        document = documents.upload(current_user, application_id, kind,
                                    request.files.get("file"))
    except OperationError as error:
        if error.status == 404:
            raise
        flash(error.detail, "error")
        return _render(application_id, error.status, errors=error.errors,
                       message=error.detail, kind=kind)
    flash(_("Uploaded: %(name)s (%(size)s).", name=document.file_name,
            size=documents.readable_size(document.size)), "success")
    return redirect(url_for("documents.index", application_id=application_id))


@bp.get("/documents/<int:document_id>")
@login_required
def download(document_id: int):
    return file_response(*documents.download(current_user, document_id))


def file_response(document: Document, stream: BinaryIO) -> Response:
    """The file, streamed, as an attachment with its detected type. The name goes into
    Content-Disposition through werkzeug (quoted, with an RFC 5987 `filename*` for non-ASCII
    names; upload removed control characters), so a name cannot add a header or change the
    disposition. The browser must not guess another type, nor run it as a page."""
    response = send_file(stream, mimetype=document.content_type, as_attachment=True,
                         download_name=document.file_name, conditional=True,
                         etag=document.sha256, last_modified=document.uploaded_at,
                         max_age=0)
    if response.status_code == 200:
        response.content_length = document.size
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Content-Security-Policy"] = "default-src 'none'; sandbox"
    response.headers["Cache-Control"] = "private, no-cache"
    return response
