"""Mermaid diagrams of the shipped workflows."""

import re

import pytest

from workflow import default_registry, to_mermaid


@pytest.mark.parametrize("name", ["pre_incubation", "incubation", "acceleration", "tranche"])
def test_diagram_shows_every_action_and_final_state(name: str) -> None:
    definition = default_registry().get(name)

    diagram = to_mermaid(definition)

    assert "stateDiagram-v2" in diagram
    assert definition.title in diagram
    assert f"[*] --> {definition.initial}" in diagram
    for action in definition.actions:
        assert re.search(rf"\b{action.name}\b", diagram), action.name
    for state in definition.final_states:
        assert f"  {state} --> [*]" in diagram


def test_docs_workflows_md_is_current():
    from pathlib import Path

    from workflow.__main__ import markdown

    path = Path(__file__).resolve().parents[2] / "docs" / "workflows.md"
    assert path.read_text(encoding="utf-8") == markdown(), "python -m workflow > docs/workflows.md"
