"""Workflow knowledge lives in the definitions: `grants/` names no state and no action outside
the labels catalogue, and asks the definitions' tags instead."""

import ast
import re
from pathlib import Path

from workflow import default_registry

ROOT = Path(__file__).resolve().parents[2]
CATALOGUE = ROOT / "grants" / "labels.py"
# Literals that only look like workflow names, and what they are.
NOT_WORKFLOW_NAMES = {
    ("grants/cli.py", "verify"): "the `audit verify` command",
    ("grants/models/notifications.py", "failed"): "a notification's delivery status",
    ("grants/operations/reviews.py", "submit"): "the review body's `submit` flag (BRIEF §7)",
    ("grants/models/pilots.py", "failed"): "a pilot's or an evaluation's verdict (BRIEF §7)",
    ("grants/api/schemas.py", "failed"): "a pilot's or an evaluation's verdict (BRIEF §7)",
}


def workflow_names() -> set[str]:
    names = set()
    for definition in default_registry().all():
        names |= {state.name for state in definition.states} | definition.action_names
    return names


def python_literals(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings = {
        id(node.body[0].value) for node in ast.walk(tree)
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef)
        and node.body and isinstance(node.body[0], ast.Expr)
        and isinstance(node.body[0].value, ast.Constant)
    }
    return [(node.lineno, node.value) for node in ast.walk(tree)
            if isinstance(node, ast.Constant) and isinstance(node.value, str)
            and id(node) not in docstrings]


def test_no_state_or_action_name_is_written_in_the_app_code():
    names = workflow_names()
    found = [f"{path.relative_to(ROOT)}:{line}: {value!r}"
             for path in sorted((ROOT / "grants").rglob("*.py")) if path != CATALOGUE
             for line, value in python_literals(path) if value in names
             and (str(path.relative_to(ROOT)), value) not in NOT_WORKFLOW_NAMES]
    assert found == [], "ask the definition (tags, payload, effects) instead:\n" + "\n".join(found)


def test_no_state_or_action_name_is_written_in_the_templates():
    # a quoted name, except HTML's type="submit"
    quoted = re.compile(r"""(?<!type=)["']([a-z_]+)["']""")
    names = workflow_names()
    found = [f"{path.relative_to(ROOT)}:{number}: {match}"
             for path in sorted((ROOT / "templates").rglob("*.html"))
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             for match in quoted.findall(line) if match in names]
    assert found == [], "\n".join(found)


def test_the_check_would_catch_a_state_name_in_code(tmp_path):
    sample = tmp_path / "sample.py"
    sample.write_text('"""Docstrings may say draft."""\nSTATES = ("draft", "x")\n')

    assert [value for _, value in python_literals(sample) if value in workflow_names()] == [
        "draft"]
