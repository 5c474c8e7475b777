"""The workflow package stands alone."""

import subprocess
import sys
from pathlib import Path

import workflow

ROOT = Path(__file__).resolve().parents[2]


def test_importing_workflow_pulls_in_no_web_or_database_code() -> None:
    script = (
        "import sys, workflow\n"
        "print(sorted({m.split('.')[0] for m in sys.modules} & {'flask', 'sqlalchemy', 'grants'}))"
    )

    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True
    )

    assert result.stdout.strip() == "[]"


def test_public_names_are_exported() -> None:
    assert set(workflow.__all__) == {
        "Action", "Definition", "DefinitionError", "Engine", "Field", "GuardFailed",
        "InvalidTransition", "NotAllowed", "PayloadError", "Registry", "State", "Transition",
        "UnknownGuard", "UnknownWorkflow", "WorkflowError", "default_registry",
        "load_definition", "parse_definition", "to_mermaid",
    }  # fmt: skip
    assert all(hasattr(workflow, name) for name in workflow.__all__)


def test_engine_errors_share_one_base() -> None:
    errors = [
        workflow.DefinitionError, workflow.UnknownWorkflow, workflow.InvalidTransition,
        workflow.NotAllowed, workflow.PayloadError, workflow.GuardFailed, workflow.UnknownGuard,
    ]  # fmt: skip

    assert all(issubclass(error, workflow.WorkflowError) for error in errors)
