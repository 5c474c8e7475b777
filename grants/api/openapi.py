"""The OpenAPI 3.1 document of /api/v1, generated from the routes' `@endpoint` declarations and
the pydantic models. OpenAPI 3.1 schemas are JSON Schema 2020-12, which is what pydantic emits,
so the models' schemas go under components/schemas as they are; nothing is written by hand.
The document is built once per app, on first use, and kept as bytes.
"""

import json
import re
from http import HTTPStatus
from typing import Any

from flask import Flask
from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, models_json_schema

from grants.api.endpoint import BINARY, Operation
from grants.api.fields import Id
from grants.api.schemas import Problem

REF = "#/components/schemas/{model}"
_PARAMETER = re.compile(r"<(?:(\w+)(?:\([^)]*\))?:)?(\w+)>")
_PAGE = re.compile(r"Page\[(\w+)\]")
CACHE_KEY = "grants.openapi"


class OpenAPISchema(GenerateJsonSchema):
    """pydantic's generator, with names and noise fit for a published document."""

    def normalize_name(self, name: str) -> str:
        """`Page[Call]` is published as `CallPage`."""
        if match := _PAGE.fullmatch(name):
            name = f"{match[1]}Page"
        return super().normalize_name(name)

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False  # "Call Id" beside `call_id` says nothing

    def default_schema(self, schema: Any) -> dict[str, Any]:
        """A field that may be left out but not sent as null has no default to publish."""
        json_schema = super().default_schema(schema)
        if "default" in json_schema and json_schema["default"] is None \
                and not _nullable(json_schema):
            del json_schema["default"]
        return json_schema


def _nullable(schema: dict[str, Any]) -> bool:
    kinds = schema.get("type")
    return {"type": "null"} in schema.get("anyOf", []) or kinds == "null" \
        or (isinstance(kinds, list) and "null" in kinds)


def document_bytes(app: Flask) -> bytes:
    """The document as JSON, built on first use and kept."""
    if CACHE_KEY not in app.extensions:
        app.extensions[CACHE_KEY] = json.dumps(build(app), ensure_ascii=False).encode()
    return app.extensions[CACHE_KEY]


def operations(app: Flask, blueprint: str = "api"):
    """(path template, method, Operation) for every route of the blueprint."""
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith(f"{blueprint}."):
            operation = getattr(app.view_functions[rule.endpoint], "operation", None)
            if operation is None:
                raise RuntimeError(f"{rule.rule} has no @endpoint declaration")
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                yield rule.rule, method.lower(), operation


def build(app: Flask) -> dict[str, Any]:
    routes = list(operations(app))
    prefix = app.blueprints["api"].url_prefix or ""
    wanted: list[tuple[type[BaseModel], str]] = [(Problem, "serialization")]
    for _rule, _method, operation in routes:
        wanted += [(model, mode) for model, mode in ((operation.response, "serialization"),
                                                     (operation.body, "validation"),
                                                     (operation.form, "validation"),
                                                     (operation.query, "validation"))
                   if model not in (None, BINARY) and (model, mode) not in wanted]
    refs, defs = models_json_schema(wanted, ref_template=REF, schema_generator=OpenAPISchema)
    schemas = defs["$defs"]
    paths: dict[str, dict[str, Any]] = {}
    for rule, method, operation in routes:
        path = _PARAMETER.sub(r"{\2}", rule.removeprefix(prefix))
        paths.setdefault(path, {})[method] = _operation(operation, rule, refs, schemas)
    for _rule, _method, operation in routes:  # their fields became parameters
        if operation.query is not None:
            schemas.pop(refs[(operation.query, "validation")]["$ref"].rsplit("/", 1)[1], None)
    return {
        "openapi": "3.1.0",
        "info": {"title": "Grant workflow engine API", "version": "1",
                 "description": "Startup support programmes: calls, applications and their "
                                "workflow. Errors are application/problem+json."},
        "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
        "servers": [{"url": prefix}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "schemas": dict(sorted(schemas.items())),
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "a personal access token"}},
        },
    }


def _operation(operation: Operation, rule: str, refs: dict, schemas: dict) -> dict[str, Any]:
    problem = {"application/problem+json": {"schema": refs[(Problem, "serialization")]}}
    success: dict[str, Any] = {
        "description": HTTPStatus(operation.status).phrase,
        "content": {media_type: {"schema": {"type": "string", "contentMediaType": media_type}}
                    for media_type in operation.produces}
        if operation.response is BINARY else {"application/json": {
            "schema": refs[(operation.response, "serialization")]}},
    }
    if operation.status == 201:
        success["headers"] = {"Location": {"description": "the URL of what was created",
                                           "schema": {"type": "string"}}}
    responses = {str(operation.status): success} | {
        str(code): {"description": HTTPStatus(code).phrase, "content": problem}
        for code in operation.error_statuses}
    result: dict[str, Any] = {"operationId": operation.name, "summary": operation.summary,
                              "responses": responses}
    parameters = _path_parameters(operation, rule) + _query_parameters(operation, refs, schemas)
    if parameters:
        result["parameters"] = parameters
    if operation.body is not None:
        result["requestBody"] = {"required": True, "content": {"application/json": {
            "schema": refs[(operation.body, "validation")]}}}
    if operation.form is not None:
        result["requestBody"] = {"required": True, "content": {"multipart/form-data": {
            "schema": refs[(operation.form, "validation")]}}}
    if operation.public:
        result["security"] = []
    return result


def _path_parameters(operation: Operation, rule: str) -> list[dict[str, Any]]:
    parameters = []
    for converter, name in _PARAMETER.findall(rule):
        kind = operation.path.get(name, Id if converter == "int" else str)
        schema = TypeAdapter(kind).json_schema(ref_template=REF, schema_generator=OpenAPISchema)
        parameters.append({"name": name, "in": "path", "required": True, "schema": schema})
    return parameters


def _query_parameters(operation: Operation, refs: dict, schemas: dict) -> list[dict[str, Any]]:
    if operation.query is None:
        return []
    model = schemas[refs[(operation.query, "validation")]["$ref"].rsplit("/", 1)[1]]
    required = set(model.get("required", ()))
    parameters = []
    for name, schema in model["properties"].items():
        schema = _not_null(schema)
        # a blank value is taken as absent (grants/api/endpoint.py)
        parameter = {"name": name, "in": "query", "required": name in required,
                     "allowEmptyValue": name not in required}
        if description := schema.pop("description", None):
            parameter["description"] = description
        parameters.append(parameter | {"schema": schema})
    return parameters


def _not_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter's schema without the null a model field allows: absent is absent."""
    schema = dict(schema)
    options = [option for option in schema.pop("anyOf", []) if option != {"type": "null"}]
    if len(options) == 1:
        schema = options[0] | schema
    elif options:
        schema["anyOf"] = options
    if schema.get("default", 0) is None:
        del schema["default"]
    return schema
