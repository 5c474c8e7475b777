"""The one path every action takes: load, permission, guards, state, audit, commit.

Web handlers and API handlers both call these functions and map their errors the same way.
"""

from grants.operations.errors import Conflict, Forbidden, Invalid, NotFound, OperationError

__all__ = ["Conflict", "Forbidden", "Invalid", "NotFound", "OperationError"]
