"""`@endpoint(...)`: what a route takes and answers, declared once beside the handler.

The wrapper validates the body (JSON, or a multipart form with files) and the query against
their models before the handler runs, and serialises what the handler returns with the
response model (or passes a file the handler streams); grants/api/openapi.py generates the
document from the same declarations. Adapters are built here, once, at import.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import wraps
from typing import Any

from flask import Response, current_app, request
from flask_babel import gettext as _
from pydantic import BaseModel, TypeAdapter, ValidationError
from werkzeug.exceptions import RequestEntityTooLarge

from grants.api.fields import encode_cursor
from grants.api.validation import json_object, validated
from grants.operations.errors import Invalid, NotFound, OperationError, TooLarge

# `response=bytes`: the answer is a file the handler streams, of one of the `produces` types
BINARY = bytes


@dataclass(frozen=True)
class Operation:
    """One route's contract: its models, its success status and the errors it can answer."""

    name: str
    summary: str
    response: Any
    status: int
    body: type[BaseModel] | None
    query: type[BaseModel] | None
    path: dict[str, Any]
    errors: tuple[int, ...]
    public: bool
    adapter: TypeAdapter = field(repr=False)
    form: type[BaseModel] | None = None
    produces: tuple[str, ...] = ()

    @property
    def error_statuses(self) -> list[int]:
        """The declared errors, with what every route of the kind can answer: 401 without a
        token and 403 for a user who must enrol a second factor first, 413 and 422 for a body,
        422 for a query."""
        implied = set(self.errors) | ({401, 403} if not self.public else set())
        if self.path:  # a path value outside its declared type names nothing: 404
            implied.add(404)
        if self.body is not None or self.form is not None:
            implied |= {413, 422}
        implied.add(422)  # a query parameter not declared, or not valid
        return sorted(implied)


def endpoint(response: Any, *, status: int = 200, body: type[BaseModel] | None = None,
             query: type[BaseModel] | None = None, errors: tuple[int, ...] = (),
             path: dict[str, Any] | None = None, public: bool = False,
             form: type[BaseModel] | None = None,
             form_limit: Callable[[], int] | None = None,
             too_large: Callable[[], OperationError] | None = None,
             produces: tuple[str, ...] = ("application/octet-stream",)) -> Callable:
    """Declare a route's schemas. The handler gets `body` (the validated body as a dict, only
    the keys sent, for the operation functions) and `query` (the validated model) as keyword
    arguments, and returns an ORM object, a model, or a dict shaped like `response`,
    optionally with headers: `(result, {"Location": …})`. A Flask Response passes as it is.
    `errors` lists the statuses the operations may raise (403, 404, 409); `path` gives path
    parameters a type beyond the rule's converter.

    `form` declares a multipart/form-data body instead (fields and files, see
    schemas.UploadedFile); the handler gets the validated model as `form`. Its size is bounded
    by `form_limit()` bytes (default MAX_CONTENT_LENGTH) while it is read, never held in memory
    whole; past it the answer is 413 with `too_large()`'s message. `response=bytes` declares
    a file answer (the handler returns a streamed Response) of one of the `produces` types."""

    def decorate(view: Callable) -> Callable:
        operation = Operation(
            name=view.__name__, summary=(view.__doc__ or view.__name__).strip().splitlines()[0],
            response=response, status=status, body=body, query=query, errors=errors,
            path=path or {}, public=public, adapter=TypeAdapter(response), form=form,
            produces=produces if response is BINARY else (),
        )
        path_adapters = {name: TypeAdapter(kind) for name, kind in (path or {}).items()}
        query_names = frozenset(query.model_fields) if query is not None else frozenset()

        @wraps(view)
        def handle(**params: Any) -> Response:
            for name, adapter in path_adapters.items():  # a value outside its type names
                try:                                     # nothing there
                    adapter.validate_python(params[name])
                except ValidationError:
                    raise NotFound(_("Not found.")) from None
            if body is not None:
                params["body"] = validated(body, json_object()).model_dump(
                    mode="json", exclude_unset=True, by_alias=True)
            if form is not None:
                params["form"] = validated(form, _multipart(form_limit, too_large))
            if unknown := set(request.args) - query_names:  # a typo must not widen a list
                raise Invalid(_("Some fields are not valid."), {
                    name: _("Unknown query parameter.") for name in sorted(unknown)})
            if query is not None:
                # a blank value is an absent one (forms send them): `allowEmptyValue`
                params["query"] = validated(query, {k: v for k, v in request.args.items() if v})
            result = view(**params)
            if isinstance(result, Response):
                return result
            result, headers = result if isinstance(result, tuple) else (result, {})
            value = operation.adapter.validate_python(result, from_attributes=True)
            return Response(operation.adapter.dump_json(value, by_alias=True), status, headers,
                            mimetype="application/json")

        handle.operation = operation
        return handle

    return decorate


def _multipart(limit: Callable[[], int] | None,
               too_large: Callable[[], OperationError] | None) -> dict[str, Any]:
    """The fields and files of a multipart body, read within `limit()` bytes: werkzeug checks
    Content-Length first and otherwise stops reading at the limit; files go to temporary
    files as they arrive."""
    if limit is not None:
        request.max_content_length = limit()
    if request.mimetype != "multipart/form-data":
        raise Invalid(_("The request body must be multipart/form-data."))
    try:
        return request.form.to_dict() | request.files.to_dict()
    except RequestEntityTooLarge:
        if too_large is not None:
            raise too_large() from None
        raise TooLarge(_("The request body is too large (at most %(n)d bytes).",
                         n=request.max_content_length)) from None


def page_size() -> int:
    """How many items a list answers at most (API_PAGE_SIZE)."""
    return current_app.config["API_PAGE_SIZE"]


def page(rows: list, key: Callable[[Any], Any] = lambda row: row.id) -> dict[str, Any]:
    """A page of `rows` (fetched with one extra to know if there is more) as {items, next}."""
    size = page_size()
    more = len(rows) > size
    rows = rows[:size]
    return {"items": rows, "next": encode_cursor(key(rows[-1])) if more else None}
