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
    # transitions 0.9.3 writes the title without its YAML key and `Class` with a capital C,
    # which mermaid does not parse; and it marks the initial state "active". Mend all three.
    diagram = diagram.replace(
        f"---\n{definition.title}\n---", f"---\ntitle: {definition.title}\n---"
    )
    diagram = diagram.replace("\n  Class ", "\n  class ").replace(" s_active\n", " s_default\n")
    finals = [f"  {state.name} --> [*]" for state in definition.states if state.final]
    return "\n".join([diagram, *finals]) + "\n"
