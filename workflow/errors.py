"""Exceptions raised by the workflow engine."""


class WorkflowError(Exception):
    """Base class of every workflow error."""


class DefinitionError(WorkflowError):
    """A workflow definition is malformed or inconsistent."""


class UnknownWorkflow(WorkflowError, KeyError):
    """No workflow with the requested name or version is registered."""

    def __str__(self) -> str:
        return str(self.args[0])


class InvalidTransition(WorkflowError):
    """The action does not exist or cannot be taken from the current state."""


class NotAllowed(WorkflowError):
    """None of the caller's roles may take the action."""


class UnknownGuard(WorkflowError):
    """An action names a guard that the host application did not provide."""


class PayloadError(WorkflowError):
    """The action's payload is invalid; `errors` maps each bad field to a message."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{name}: {message}" for name, message in errors.items()))
        self.errors = errors


class GuardFailed(WorkflowError):
    """One or more guards refused the action; `problems` lists every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("; ".join(problems))
        self.problems = problems
