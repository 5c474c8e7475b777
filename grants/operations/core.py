"""Pieces every operation uses: the transaction, loading rows, validating input."""

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from flask_babel import format_decimal
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError, OperationalError

from grants.config import TIMEZONE
from grants.extensions import db
from grants.inputs import MAX_ID, MAX_MONEY, YEARS, text_problem, whole_number
from grants.operations.errors import Conflict, Invalid, NotFound

T = TypeVar("T")
LOCAL = ZoneInfo(TIMEZONE)
# PostgreSQL: serialization failure, deadlock detected, lock not available.
RETRYABLE_SQLSTATES = {"40001", "40P01", "55P03"}


@contextmanager
def transaction() -> Iterator[None]:
    """Commit what the block did, or roll all of it back.

    When the database turns a writer away because of another writer (SQLite's single writer,
    a PostgreSQL deadlock or serialisation failure, a unique value saved a moment earlier by
    someone else), the caller gets a conflict to retry, not a server error.
    """
    try:
        yield
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        raise Conflict(_("This conflicts with something saved at the same moment. "
                         "Reload and try again.")) from None
    except OperationalError as error:
        db.session.rollback()
        if "database is locked" in str(error) or \
                getattr(error.orig, "sqlstate", None) in RETRYABLE_SQLSTATES:
            raise Conflict(_("Someone else is saving at this moment. Please try again.")) from None
        raise
    except BaseException:
        db.session.rollback()
        raise


def by_id(model: type[T], entity_id: Any) -> T:
    """A row that is not run by a workflow (a call, a token), by primary key, or NotFound.
    Workflow entities are loaded by `workflow.load`, with the caller's roles on them."""
    if not isinstance(entity_id, int) or isinstance(entity_id, bool) \
            or not 1 <= entity_id <= MAX_ID:
        raise NotFound(_("Not found."))
    query = select(model).where(model.id == entity_id)
    row = db.session.scalars(query).one_or_none()
    if row is None:
        raise NotFound(_("Not found."))
    return row


def check_version(row: Any, version: Any) -> None:
    """The version the caller read must be the row's current one (optimistic concurrency)."""
    number = whole_number(version)
    if number is None:
        raise Invalid(_("Some fields are not valid."),
                      {"version": _("The version you read is required (a whole number).")})
    if number != row.version:
        raise Conflict(_("This was changed by someone else in the meantime "
                         "(version %(current)d, you had %(yours)d). Reload and try again.",
                         current=row.version, yours=number))


class Validator:
    """Collects field errors, then raises them all at once."""

    def __init__(self, data: Any):
        if not isinstance(data, dict):
            raise Invalid(_("The request body must be a JSON object."))
        self.data = data
        self.errors: dict[str, str] = {}

    def fail(self, name: str, message: str) -> None:
        self.errors.setdefault(name, message)

    def text(self, name: str, *, required: bool = True, max_length: int = 300,
             default: str | None = None) -> str | None:
        value = self.data.get(name)
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.fail(name, _("This field is required."))
            return default
        if not isinstance(value, str):
            self.fail(name, _("Must be text."))
            return default
        value = value.strip()
        if len(value) > max_length:
            self.fail(name, _("At most %(n)d characters.", n=max_length))
            return default
        if problem := text_problem(value):
            self.fail(name, problem)
            return default
        return value

    def password(self, name: str) -> str | None:
        """A password exactly as typed: never trimmed."""
        value = self.data.get(name)
        if not isinstance(value, str) or not value:
            self.fail(name, _("This field is required."))
            return None
        if len(value) > 200:
            self.fail(name, _("At most %(n)d characters.", n=200))
            return None
        if problem := text_problem(value):
            self.fail(name, problem)
            return None
        return value

    def integer(self, name: str, *, required: bool = True, minimum: int = 0,
                maximum: int = MAX_MONEY, default: int | None = None) -> int | None:
        value = self.data.get(name)
        if value is None or value == "":
            if required:
                self.fail(name, _("This field is required."))
            return default
        number = whole_number(value)
        if number is None or not minimum <= number <= maximum:
            # one message for "not a number" and "out of range" (too many digits is both), so
            # the page and the API say the same, with the range written as people read numbers
            self.fail(name, _("Must be a whole number from %(lo)s to %(hi)s.",
                              lo=format_decimal(minimum), hi=format_decimal(maximum)))
            return default
        return number

    def choice(self, name: str, choices: tuple[str, ...] | list[str], *,
               required: bool = True, labels: Mapping[str, Any] | None = None) -> str | None:
        """One of `choices`. The error lists the codes to send, each with its translated label
        from `labels` when given, so an API client can also tell which one it meant."""
        value = self.data.get(name)
        if value in (None, "") and not required:
            return None
        if value not in choices:
            labels = labels or {}
            listed = ", ".join(f"{c} ({labels[c]})" if c in labels else c for c in choices)
            self.fail(name, _("Must be one of: %(choices)s.", choices=listed))
            return None
        return value

    def boolean(self, name: str, default: bool = False) -> bool:
        value = self.data.get(name, default)
        if not isinstance(value, bool):
            self.fail(name, _("Must be true or false."))
            return default
        return value

    def moment(self, name: str) -> datetime | None:
        """An ISO 8601 date-time; without an offset it is read as Ho Chi Minh City time."""
        value = self.data.get(name)
        if not isinstance(value, str) or not value.strip():
            self.fail(name, _("A date and time is required (ISO 8601)."))
            return None
        try:
            moment = datetime.fromisoformat(value.strip())
            if moment.year not in YEARS:  # first as typed: the extremes overflow the conversion
                raise ValueError
            moment = to_utc(moment)
            if moment.year not in YEARS:  # then as stored: 2200-12-31T23:00-05:00 is in 2201
                raise ValueError
            return moment
        except ValueError:
            self.fail(name, _("Not a valid date and time (ISO 8601)."))
            return None

    def day(self, name: str, *, required: bool = True) -> date | None:
        value = self.data.get(name)
        if value in (None, "") and not required:
            return None
        if isinstance(value, date):
            return value
        try:
            day = date.fromisoformat(value)
            if day.year not in YEARS:
                raise ValueError
            return day
        except (TypeError, ValueError):
            self.fail(name, _("Not a valid date (YYYY-MM-DD)."))
            return None

    def check(self) -> None:
        if self.errors:
            raise Invalid(_("Some fields are not valid."), self.errors)


def to_utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=LOCAL)
    return moment.astimezone(UTC)
