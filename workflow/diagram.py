"""Mermaid state diagrams of workflow definitions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from transitions.extensions import GraphMachine

from workflow.definition import Definition
from workflow.runner import machine_config


class _DiagramModel:
    """Throwaway model the graph machine attaches `get_graph` to."""

    get_graph: Callable[[], Any]


def to_mermaid(definition: Definition) -> str:
    """Return a mermaid `stateDiagram-v2` of the definition, final states marked."""
    model = _DiagramModel()
    GraphMachine(
        model=model, graph_engine="mermaid", title=definition.title, **machine_config(definition)
    )
    diagram = model.get_graph().draw(None).rstrip("\n")
    finals = [f"  {state.name} --> [*]" for state in definition.states if state.final]
    return "\n".join([diagram, *finals]) + "\n"
