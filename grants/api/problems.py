"""RFC 9457 problem details: every API error is application/problem+json (schemas.Problem)."""

from flask import Response

from grants.api.schemas import Problem


def problem(status: int, title: str, detail: str | None = None,
            errors: dict[str, str] | None = None, problems: list[str] | None = None) -> Response:
    extra = {"errors": errors} if errors else {}
    if problems:
        extra["problems"] = problems
    body = Problem(status=status, title=title, detail=detail or title, **extra)
    response = Response(body.model_dump_json(exclude_none=True), status,
                        mimetype="application/problem+json")
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="grants"'
    return response
