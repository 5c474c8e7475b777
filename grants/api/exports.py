"""The API of open-data exports: a programme's awarded grants as a 360Giving data package."""

from flask import Response, g, stream_with_context

from grants.api import api
from grants.api import schemas as s
from grants.api.endpoint import endpoint
from grants.operations import exports


@api.get("/exports/360giving")
@endpoint(s.GivingPackage, query=s.ExportQuery, errors=(403, 404, 409))
def giving360(query: s.ExportQuery):
    """The programme's awarded grants as a 360Giving 1.4 data package, streamed (its staff)"""
    body = exports.giving360(g.api_user, query.programme_id)
    return Response(stream_with_context(body), mimetype="application/json", headers={
        "Content-Disposition":
            f'attachment; filename="360giving-programme-{query.programme_id}.json"'})
