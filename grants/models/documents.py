"""Documents a startup uploads to an application: the file's facts; its bytes live in the
document storage (grants/storage.py) under a random key."""

from datetime import datetime

from sqlalchemy import BigInteger, ForeignKey, Index, String, exists, select
from sqlalchemy.orm import Mapped, aliased, column_property, mapped_column, relationship

from grants.extensions import db
from grants.models.accounts import User
from grants.models.types import UTCDateTime, utcnow


class Document(db.Model):
    """One uploaded file of one kind. Uploading again replaces it: the new row names the one
    it replaces (`replaces_id`) and the earlier one stays, listed as an earlier version."""

    __tablename__ = "document"
    __table_args__ = (
        # an application's documents, newest first, per kind
        Index("ix_document_application_id_kind_id", "application_id", "kind", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(ForeignKey("application.id"))
    # a call's required document kind, a file question's key, or "other"
    kind: Mapped[str] = mapped_column(String(40))
    file_name: Mapped[str] = mapped_column(String(255))  # as the uploader named it (cleaned)
    content_type: Mapped[str] = mapped_column(String(100))  # decided from the content
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64))
    storage_key: Mapped[str] = mapped_column(String(64), unique=True)
    uploaded_by_id: Mapped[int] = mapped_column(ForeignKey("user.id"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    replaces_id: Mapped[int | None] = mapped_column(ForeignKey("document.id"), index=True)

    uploaded_by: Mapped[User] = relationship()


_newer = aliased(Document)
# The newest of its kind: no later upload replaces it.
Document.current = column_property(
    ~exists(select(_newer.id).where(_newer.replaces_id == Document.id).correlate_except(_newer)))
