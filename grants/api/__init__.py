"""The JSON API under /api/v1, authenticated by personal access tokens."""

from flask import Blueprint, current_app, g, request
from flask_babel import gettext as _
from werkzeug.exceptions import HTTPException

from grants.api.problems import problem
from grants.operations import OperationError, second_factor
from grants.operations.accounts import user_for_token

api = Blueprint("api", __name__, url_prefix="/api/v1")

TITLES = {404: "Not found", 403: "Forbidden", 409: "Conflict", 413: "Content too large",
          422: "Unprocessable content"}


@api.before_request
def _authenticate():
    operation = getattr(current_app.view_functions.get(request.endpoint), "operation", None)
    if operation is not None and operation.public:
        return None
    header = request.headers.get("Authorization", "")
    scheme, _space, token = header.partition(" ")
    user = user_for_token(token.strip()) if scheme.lower() == "bearer" else None
    if user is None:
        return problem(401, "Unauthorized", _("A valid bearer token is required."))
    if second_factor.missing(user):
        return problem(403, "Forbidden", _("Enrol a second factor on your profile page before "
                                           "using the API."))
    g.api_user = user
    return None


@api.errorhandler(OperationError)
def _operation_error(error: OperationError):
    return problem(error.status, TITLES.get(error.status, "Error"), error.detail,
                   error.errors, getattr(error, "problems", None))


@api.errorhandler(HTTPException)
def http_problem(error: HTTPException):
    """An HTTP error as problem+json; also used for /api/ URLs that match no route."""
    response = problem(error.code or 500, error.name, error.description)
    if error.code == 405 and getattr(error, "valid_methods", None):
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


# Each capability's routes live in the module of its name; importing them registers them.
from grants.api import (  # noqa: E402,F401
    accounts,
    activities,
    applications,
    audit,
    calls,
    documents,
    exports,
    funding,
    mentors,
    organizations,
    pilots,
    projects,
    reviews,
    workflows,
)
