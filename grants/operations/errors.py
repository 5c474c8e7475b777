"""What an operation raises when it refuses. The web pages and the API map these the same way."""


class OperationError(Exception):
    status = 400

    def __init__(self, detail: str, errors: dict[str, str] | None = None):
        super().__init__(detail)
        self.detail = detail
        self.errors = errors or {}


class NotFound(OperationError):
    """Missing, or not visible to the caller (who must not learn that it exists)."""

    status = 404


class Forbidden(OperationError):
    """Visible, but the caller may not do this."""

    status = 403


class Conflict(OperationError):
    """A stale version, or an action not valid from the current state."""

    status = 409


class Invalid(OperationError):
    """Bad input or an unmet guard; `errors` names the fields, `problems` lists the rest."""

    status = 422

    def __init__(self, detail: str, errors: dict[str, str] | None = None,
                 problems: list[str] | None = None):
        super().__init__(detail, errors)
        self.problems = problems or []


class TooLarge(OperationError):
    """A body or an upload over its size limit."""

    status = 413


class TooManyAttempts(OperationError):
    """Too many failed attempts (logins, codes, registrations) in a while; `retry_after` is
    the number of seconds until one more is allowed."""

    status = 429

    def __init__(self, detail: str, retry_after: int):
        super().__init__(detail)
        self.retry_after = retry_after
