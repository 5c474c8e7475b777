"""The API of accounts: who the caller is."""

from flask import g

from grants.api import api
from grants.api import schemas as s
from grants.api.endpoint import endpoint


@api.get("/me")
@endpoint(s.Me)
def me():
    """The caller and their roles"""
    return g.api_user
