"""Grant workflow engine: versioned JSON workflows run on the `transitions` library."""

from workflow.definition import (
    Action,
    Definition,
    Field,
    State,
    load_definition,
    parse_definition,
)
from workflow.diagram import to_mermaid
from workflow.errors import (
    DefinitionError,
    GuardFailed,
    InvalidTransition,
    NotAllowed,
    PayloadError,
    UnknownGuard,
    UnknownWorkflow,
    WorkflowError,
)
from workflow.registry import Registry, default_registry
from workflow.runner import Engine, Transition

__all__ = [
    "Action",
    "Definition",
    "DefinitionError",
    "Engine",
    "Field",
    "GuardFailed",
    "InvalidTransition",
    "NotAllowed",
    "PayloadError",
    "Registry",
    "State",
    "Transition",
    "UnknownGuard",
    "UnknownWorkflow",
    "WorkflowError",
    "default_registry",
    "load_definition",
    "parse_definition",
    "to_mermaid",
]
