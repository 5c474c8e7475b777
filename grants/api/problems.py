"""RFC 9457 problem details: every API error is application/problem+json."""

from flask import jsonify


def problem(status: int, title: str, detail: str | None = None,
            errors: dict[str, str] | None = None, problems: list[str] | None = None):
    body = {"type": "about:blank", "status": status, "title": title, "detail": detail or title}
    if errors:
        body["errors"] = errors
    if problems:
        body["problems"] = problems
    response = jsonify(body)
    response.status_code = status
    response.mimetype = "application/problem+json"
    if status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="grants"'
    return response
