"""Registry of workflow definitions keyed by (name, version)."""

from __future__ import annotations

import functools
from collections.abc import Iterable
from pathlib import Path

from workflow.definition import Definition, load_definition
from workflow.errors import DefinitionError, UnknownWorkflow

DEFINITIONS_DIR = Path(__file__).parent / "definitions"


class Registry:
    """Immutable set of definitions; several versions of one name may coexist."""

    def __init__(self, definitions: Iterable[Definition] = ()) -> None:
        self._definitions: dict[tuple[str, int], Definition] = {}
        for definition in definitions:
            if definition.key in self._definitions:
                raise DefinitionError(
                    f"{definition.name} v{definition.version} is registered twice"
                )
            self._definitions[definition.key] = definition

    @classmethod
    def from_directory(cls, path: str | Path) -> Registry:
        """Load every `*.json` definition in the directory."""
        directory = Path(path)
        if not directory.is_dir():
            raise DefinitionError(f"{directory} is not a directory")
        return cls(load_definition(file) for file in sorted(directory.glob("*.json")))

    def get(self, name: str, version: int | None = None) -> Definition:
        """Return the given version of `name`, or its latest version when None."""
        if version is None:
            return self.latest(name)
        try:
            return self._definitions[(name, version)]
        except KeyError:
            known = self._versions(name)
            raise UnknownWorkflow(
                f"workflow {name!r} has no version {version} (known: {known})"
                if known
                else f"unknown workflow {name!r}"
            ) from None

    def latest(self, name: str) -> Definition:
        """Return the highest version of `name`."""
        versions = self._versions(name)
        if not versions:
            raise UnknownWorkflow(f"unknown workflow {name!r}")
        return self._definitions[(name, versions[-1])]

    def names(self) -> list[str]:
        """Return the workflow names, sorted."""
        return sorted({name for name, _ in self._definitions})

    def all(self) -> list[Definition]:
        """Return every definition, sorted by name then version."""
        return [self._definitions[key] for key in sorted(self._definitions)]

    def _versions(self, name: str) -> list[int]:
        return sorted(version for key, version in self._definitions if key == name)


@functools.cache
def default_registry() -> Registry:
    """Return the registry of the definitions shipped with this package."""
    return Registry.from_directory(DEFINITIONS_DIR)
