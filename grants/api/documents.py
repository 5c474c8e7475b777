"""The API of an application's documents: upload (multipart `file`, `kind`), list, download."""

from flask import g, url_for

from grants.api import api
from grants.api import schemas as s
from grants.api.endpoint import BINARY, endpoint, page, page_size
from grants.operations import documents
from grants.web.documents import FORM_OVERHEAD, file_response


@api.post("/applications/<int:application_id>/documents")
@endpoint(s.Document, status=201, form=s.DocumentUpload, errors=(403, 404, 409),
          form_limit=lambda: documents.max_bytes() + FORM_OVERHEAD,
          too_large=documents.too_large)
def document_upload(application_id: int, form: s.DocumentUpload):
    """Upload a document (replacing the current one of its kind)"""
    document = documents.upload(g.api_user, application_id, form.kind, form.file)
    return document, {"Location": url_for("api.document_download",
                                          application_id=application_id,
                                          document_id=document.id)}


@api.get("/applications/<int:application_id>/documents")
@endpoint(s.Page[s.Document], query=s.DocumentQuery, errors=(404,))
def document_list(application_id: int, query: s.DocumentQuery):
    """The application's documents, newest first (earlier versions included)"""
    _item, rows = documents.list_documents(g.api_user, application_id, before_id=query.cursor,
                                           limit=page_size() + 1)
    return page(rows)


@api.get("/applications/<int:application_id>/documents/<int:document_id>")
@endpoint(BINARY, errors=(404,), produces=tuple(documents.ALLOWED))
def document_download(application_id: int, document_id: int):
    """The document's file"""
    return file_response(*documents.download(g.api_user, document_id,
                                             application_id=application_id))

