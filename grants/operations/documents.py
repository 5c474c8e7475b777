"""Documents of an application: upload (the applicant, while the application may be edited),
list and download (whoever may see the application).

An upload is checked before anything is kept: who uploads, the kind, the size (at most
DOCUMENT_MAX_BYTES) and the type, decided from the content alone (PDF, DOCX, XLSX, PNG or
JPEG; a name or a browser's word is never believed). Then the bytes go to the document store
(grants/storage.py) and the row and its audit event are written in one transaction; if that
fails, the stored bytes are deleted again. Uploading a kind again replaces the current
document of that kind: the earlier one stays, as an earlier version.
"""

import os
import tempfile
import unicodedata
import zipfile
from typing import Any, BinaryIO

import filetype
from flask import current_app
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.attributes import set_committed_value

from grants import audit, labels
from grants.extensions import db
from grants.inputs import KEY
from grants.models import Actor, Application, Call, Document, Role
from grants.operations import applications, calls
from grants.operations.core import transaction
from grants.operations.errors import Conflict, Forbidden, Invalid, NotFound, TooLarge
from grants.operations.workflow import EntityKind, Hooks, Seen, load, visible_to
from grants.permissions.documents import (
    can_upload,
    roles_on_document_events,
    roles_on_documents,
)
from grants.storage import CHUNK, Stored, TooBig, storage

OTHER = "other"  # a kind every application may upload besides those its call asks for
# evidence of a milestone, for a tranche's request: uploaded while the agreement is in force
MILESTONE = "milestone_evidence"
MAX_NAME = 255
PDF, PNG, JPEG = "application/pdf", "image/png", "image/jpeg"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# what may be uploaded: the detected content type -> its name and the usual file extension
ALLOWED = {PDF: ("PDF", ".pdf"), DOCX: ("DOCX", ".docx"), XLSX: ("XLSX", ".xlsx"),
           PNG: ("PNG", ".png"), JPEG: ("JPEG", ".jpg")}
ACCEPT = ",".join(sorted({ext for _name, ext in ALLOWED.values()} | {".jpeg"}))
HEAD = 8192  # bytes the type detection looks at

# Names of the document kinds calls usually ask for; a kind not listed reads as its key made
# readable ("market_study" -> "Market study"), a file question's kind as the question.
KIND_LABELS = {
    "business_plan": _l("Business plan"),
    "financial_plan": _l("Financial plan"),
    "budget": _l("Budget"),
    "pitch_deck": _l("Pitch deck"),
    "registration_certificate": _l("Business registration certificate"),
    "team_cv": _l("Team CVs"),
    "product_demo": _l("Product demo or screenshots"),
    OTHER: _l("Other documents"),
    MILESTONE: _l("Milestone evidence (for a tranche request)"),
}


def _no_workflow(document: Document) -> tuple[str, int]:
    raise LookupError("documents are not run by a workflow")


# Documents are not moved by a workflow; the adapter gives them the access rule (load, lists)
# and makes their audit events part of the application's history.
KIND = EntityKind(
    name="document",
    model=Document,
    roles=roles_on_documents,
    history_roles=roles_on_document_events,
    workflow=_no_workflow,
    hooks=Hooks(),
    parent=lambda document: (applications.KIND.name, document.application_id),
    parent_kind=applications.KIND.name,
)


# --- what a call asks for -----------------------------------------------------------------


def kinds(call: Call, application: Application | None = None) -> dict[str, str]:
    """The kinds an application of the call may upload, each with its readable label: the
    required documents, the file questions, "other", and once its agreement is in force the
    milestone evidence its tranche requests rest on."""
    found = {kind: kind_label(call, kind) for kind in call.required_documents}
    for question in call.questions:
        if question.get("type") == "file":
            found.setdefault(question["key"], question["label"])
    found[OTHER] = str(KIND_LABELS[OTHER])
    if application is not None and in_force(application):
        found[MILESTONE] = str(KIND_LABELS[MILESTONE])
    return found


def in_force(application: Application) -> bool:
    return application.state in calls.definition(application.call).tagged(
        "agreement_in_force")


def uploadable(item: Seen) -> set[str]:
    """The kinds the reader may upload now: the application's while it may be edited, the
    milestone evidence while its agreement is in force; none but to the startup's members."""
    if not can_upload(item.roles):
        return set()
    if applications.can_edit(item):
        return set(kinds(item.entity.call))
    return {MILESTONE} if in_force(item.entity) else set()


def required_kinds(call: Call) -> list[str]:
    """The kinds without which the application cannot be submitted."""
    needed = list(call.required_documents)
    needed += [q["key"] for q in call.questions
               if q.get("type") == "file" and q.get("required") and q["key"] not in needed]
    return needed


def kind_label(call: Call, kind: str) -> str:
    for question in call.questions:
        if question.get("type") == "file" and question["key"] == kind:
            return question["label"]
    return str(KIND_LABELS[kind]) if kind in KIND_LABELS else labels.readable(kind)


def missing(application: Application) -> list[str]:
    """The labels of the required kinds that have no document yet (one statement, none when
    the call requires nothing)."""
    needed = required_kinds(application.call)
    if not needed:
        return []
    present = set(db.session.scalars(
        select(Document.kind).distinct().where(Document.application_id == application.id,
                                               Document.kind.in_(needed))))
    return [kind_label(application.call, kind) for kind in needed if kind not in present]


# --- the upload -------------------------------------------------------------------------


def max_bytes() -> int:
    return current_app.config["DOCUMENT_MAX_BYTES"]


def readable_size(size: int) -> str:
    """1536 -> "1.5 KB", 20971520 -> "20 MB", in the user's number format."""
    for unit, step in (("MB", 1024 * 1024), ("KB", 1024)):
        if size >= step:
            return f"{format_decimal(round(size / step, 1))} {unit}"
    return f"{format_decimal(size)} B"


def too_large() -> TooLarge:
    return TooLarge(_("The file is too large: at most %(limit)s may be uploaded.",
                      limit=readable_size(max_bytes())))


def clean_name(raw: Any) -> str:
    """The file name as typed, made safe to keep and to send back: without a path, without
    control and formatting characters (newlines, NUL, right-to-left overrides), at most 255
    characters (the extension kept). Vietnamese and any other letters stay as they are."""
    name = raw if isinstance(raw, str) else ""
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip()
    if name in ("", ".", ".."):
        return ""
    if len(name) > MAX_NAME:
        stem, ext = os.path.splitext(name)
        ext = ext if len(ext) <= 16 else ""
        name = stem[:MAX_NAME - len(ext)] + ext
    return name


def _seekable(stream: BinaryIO, limit: int) -> tuple[BinaryIO, int]:
    """The stream, seekable and rewound, and its size; a stream that cannot seek is copied to
    a temporary file first, at most `limit` + 1 bytes (then it is too large)."""
    try:
        if stream.seekable():
            size = stream.seek(0, os.SEEK_END)
            stream.seek(0)
            return stream, size
    except (AttributeError, OSError):
        pass
    spool = tempfile.SpooledTemporaryFile(max_size=1024 * 1024)  # noqa: SIM115 (returned)
    size = 0
    while chunk := stream.read(CHUNK):
        size += len(chunk)
        if size > limit:
            spool.close()
            raise too_large()
        spool.write(chunk)
    spool.seek(0)
    return spool, size


def detect(stream: BinaryIO) -> str | None:
    """The content type of the (seekable) stream if it is one we accept, else None. PDF, PNG
    and JPEG by their signature; DOCX and XLSX are zip archives, told from any other zip by
    their [Content_Types].xml and word/ or xl/ parts. The stream is rewound."""
    head = stream.read(HEAD)
    stream.seek(0)
    guess = filetype.guess(head)
    if guess is not None and guess.mime in (PDF, PNG, JPEG):
        return guess.mime
    if not head.startswith(b"PK\x03\x04"):
        return None
    try:
        with zipfile.ZipFile(stream) as archive:
            names = archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        return None
    finally:
        stream.seek(0)
    if "[Content_Types].xml" not in names:
        return None
    word = any(n.startswith("word/") for n in names)
    sheet = any(n.startswith("xl/") for n in names)
    if word != sheet:
        return DOCX if word else XLSX
    return None


def _check_can_upload(item: Seen, kind: Any) -> None:
    if not can_upload(item.roles):
        raise Forbidden(_("Only the startup's members can upload documents."))
    if kind == MILESTONE and in_force(item.entity):
        return
    if not applications.can_edit(item):
        application = item.entity
        if applications.deadline_behind(application):
            raise Conflict(_("The revision deadline passed: documents can no longer be "
                             "changed."))
        raise Conflict(_("Documents can no longer be changed: the application is %(state)s.",
                         state=labels.state(application.state)))


def _store(stream: BinaryIO, size: int, limit: int, kind: str, filename: str
           ) -> tuple[Stored, str, str]:
    """Check the file's size and type, then keep it: (where, its clean name, its type)."""
    if size > limit:
        raise too_large()
    if size == 0:
        raise Invalid(_("The file is empty."), {"file": _("The file is empty.")})
    content_type = detect(stream)
    name = clean_name(filename)
    if content_type is None:
        message = _("“%(name)s” is not a PDF, DOCX, XLSX, PNG or JPEG file: its content is of "
                    "another type, whatever its name says. Upload one of these types.",
                    name=name or "?")
        raise Invalid(message, {"file": message})
    try:
        stored = storage().save(stream, max_bytes=limit)
    except TooBig:
        raise too_large() from None
    return stored, name or kind + ALLOWED[content_type][1], content_type


def upload(actor: Actor, application_id: Any, kind: Any, file: Any) -> Document:
    """Keep `file` (an uploaded file: `filename` and a binary `stream`) as the application's
    document of `kind`, replacing the current one of that kind. Refusals keep nothing:
    404 unseen, 403 not the applicant, 409 not editable, 413 too large, 422 bad kind or type."""
    item = applications.get_application(actor, application_id)
    _check_can_upload(item, kind)
    allowed = kinds(item.entity.call, item.entity)
    errors = {}
    if not isinstance(kind, str) or not KEY.fullmatch(kind) or kind not in allowed:
        errors["kind"] = _("Choose one of the kinds this call asks for: %(kinds)s.",
                           kinds=", ".join(f"{k} ({label})" for k, label in allowed.items()))
    stream = getattr(file, "stream", None)
    if stream is None or not getattr(file, "filename", None):
        errors["file"] = _("Choose a file to upload.")
    if errors:
        raise Invalid(_("Some fields are not valid."), errors)
    limit = max_bytes()
    seekable, size = _seekable(stream, limit)
    try:
        stored, name, content_type = _store(seekable, size, limit, kind, file.filename)
    finally:
        if seekable is not stream:
            seekable.close()
    try:
        with transaction():
            application, roles = load(applications.KIND, actor, item.entity.id, lock=True)
            _check_can_upload(Seen(application, roles), kind)  # as it is now, under the lock
            current = db.session.scalar(
                select(Document.id).where(Document.application_id == application.id,
                                          Document.kind == kind)
                .order_by(Document.id.desc()).limit(1))
            document = Document(
                application_id=application.id, kind=kind, file_name=name,
                content_type=content_type, size=stored.size, sha256=stored.sha256,
                storage_key=stored.key, uploaded_by_id=actor.id, replaces_id=current)
            db.session.add(document)
            db.session.flush()
            set_committed_value(document, "current", True)  # the newest of its kind
            audit.record(
                actor=actor, role=Role.APPLICANT.value, entity_type=KIND.name,
                entity_id=document.id, action="upload", parent=KIND.parent(document),
                payload={"kind": kind, "file_name": name, "content_type": content_type,
                         "size": stored.size, "sha256": stored.sha256, "replaces_id": current},
            )
    except BaseException:
        storage().delete(stored.key)
        raise
    return document


# --- reading ----------------------------------------------------------------------------


class Anonymous:
    """A document as a blind call's reviewer reads it: under a neutral name (its kind, its
    number and the extension of its detected type), with no uploader. The file's content is
    the applicant's to keep anonymous; the call's page tells them so."""

    uploaded_by = None
    uploaded_by_id = None

    def __init__(self, document: Document):
        self._document = document

    def __getattr__(self, name: str) -> Any:
        return getattr(self._document, name)

    @property
    def file_name(self) -> str:
        document = self._document
        return f"{document.kind}-{document.id}{ALLOWED.get(document.content_type, ('', ''))[1]}"


def anonymous_to(roles: frozenset[str], call: Call) -> bool:
    """Whether the holder of `roles` reads the call's documents anonymised: a reviewer, and
    nothing more, of a blind call."""
    return call.blind_review and roles == {Role.REVIEWER.value}


def list_documents(actor: Actor, application_id: Any, *, before_id: int | None = None,
                   limit: int = 100) -> tuple[Seen, list[Document]]:
    """The application (NotFound unless the actor may see it) and the documents of it the
    actor may see (grants/permissions/documents.py), newest first, keyset-paginated by id."""
    item = applications.get_application(actor, application_id)
    statement = (select(Document).where(Document.application_id == item.entity.id,
                                        visible_to(KIND, actor))
                 .options(joinedload(Document.uploaded_by))
                 .order_by(Document.id.desc()).limit(limit))
    if before_id is not None:
        statement = statement.where(Document.id < before_id)
    rows = list(db.session.scalars(statement, {"actor_id": actor.id}))
    if anonymous_to(item.roles, item.entity.call):
        rows = [Anonymous(document) for document in rows]
    return item, rows


def download(actor: Actor, document_id: Any, *, application_id: int | None = None
             ) -> tuple[Document, BinaryIO]:
    """The document and its bytes, open for reading (the caller closes them), for whoever may
    see its application (anonymised for a blind call's reviewer); NotFound otherwise, or when
    it belongs to another application."""
    document, roles = load(KIND, actor, document_id)
    if application_id is not None and document.application_id != application_id:
        raise NotFound(_("Not found."))
    if roles == {Role.REVIEWER.value} and db.session.scalar(
            select(Call.blind_review).join(Application, Application.call_id == Call.id)
            .where(Application.id == document.application_id)):
        document = Anonymous(document)
    try:
        return document, storage().open(document.storage_key)
    except (FileNotFoundError, KeyError):
        current_app.logger.error("document %s: its file %s is missing from the store",
                                 document.id, document.storage_key)
        raise NotFound(_("The file of this document cannot be found. Please tell the "
                         "programme's staff.")) from None
