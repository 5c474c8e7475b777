"""Registry of versioned definitions."""

import json
from pathlib import Path

import pytest

from workflow import DefinitionError, Registry, UnknownWorkflow, default_registry
from workflow.registry import DEFINITIONS_DIR


@pytest.fixture
def two_versions(tmp_path: Path) -> Registry:
    data = json.loads((DEFINITIONS_DIR / "incubation.v1.json").read_text())
    (tmp_path / "incubation.v1.json").write_text(json.dumps(data))
    (tmp_path / "incubation.v2.json").write_text(
        json.dumps({**data, "version": 2, "title": "Incubation (2026)"})
    )
    return Registry.from_directory(tmp_path)


def test_default_registry_holds_the_shipped_workflows() -> None:
    registry = default_registry()

    assert registry.names() == ["acceleration", "incubation", "pre_incubation", "tranche"]
    assert registry.get("incubation") is registry.get("incubation", 1)
    assert default_registry() is registry


def test_two_versions_of_one_workflow_coexist(two_versions: Registry) -> None:
    assert two_versions.get("incubation").version == 2
    assert two_versions.latest("incubation").title == "Incubation (2026)"
    assert two_versions.get("incubation", 1).title == "Incubation"
    assert [d.key for d in two_versions.all()] == [("incubation", 1), ("incubation", 2)]
    assert two_versions.names() == ["incubation"]


def test_unknown_name_is_refused() -> None:
    with pytest.raises(UnknownWorkflow, match="unknown workflow 'seed'") as caught:
        default_registry().get("seed")

    assert isinstance(caught.value, KeyError)


def test_unknown_version_names_the_known_versions(two_versions: Registry) -> None:
    with pytest.raises(UnknownWorkflow, match=r"'incubation' has no version 3 \(known: \[1, 2\]\)"):
        two_versions.get("incubation", 3)


def test_unknown_name_with_version_is_refused() -> None:
    with pytest.raises(UnknownWorkflow, match="unknown workflow 'seed'"):
        default_registry().get("seed", 1)


def test_registering_a_version_twice_is_refused() -> None:
    definition = default_registry().get("tranche")

    with pytest.raises(DefinitionError, match="tranche v1"):
        Registry([definition, definition])


def test_from_directory_refuses_a_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(DefinitionError, match="not a directory"):
        Registry.from_directory(tmp_path / "missing")


def test_from_directory_refuses_a_misnamed_file(tmp_path: Path) -> None:
    (tmp_path / "tranche.v7.json").write_text((DEFINITIONS_DIR / "tranche.v1.json").read_text())

    with pytest.raises(DefinitionError, match="tranche.v7.json"):
        Registry.from_directory(tmp_path)
