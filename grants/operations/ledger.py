"""The budget ledger of calls and programmes: budget, committed, released, paid and remaining,
each the sum of the rows it summarises.

- committed: the awards of the applications whose state commits budget (tagged
  `commits_budget`), plus, for an application that left those states after money was released
  (terminated), only what was released: terminating returns the rest to the call;
- released: the tranches whose money has left the budget (tagged `money_released`);
- paid: the tranches whose payment is recorded (tagged `money_paid`);
- remaining: budget − committed.

Two statements for any number of calls: the awards' sums per call and state, which the action
path keeps beside the state counts (grants/operations/counts.py), and the tranches summed by
call and state; the definitions say which states count, per call's pinned workflow.
"""

from collections import defaultdict
from dataclasses import asdict, dataclass

from sqlalchemy import func, select

from grants.extensions import db
from grants.models import Application, Call, Tranche
from grants.operations import counts
from grants.operations.workflow import workflows

TRANCHE = "tranche"  # the tranches' workflow
calls_scope = "call"  # the applications' counts and sums are kept per call (calls.SCOPE)


@dataclass(frozen=True)
class Ledger:
    budget: int = 0
    committed: int = 0
    released: int = 0
    paid: int = 0

    @property
    def remaining(self) -> int:
        return self.budget - self.committed

    def figures(self) -> dict[str, int]:
        """Every figure by name, `remaining` included (for answers and downloads)."""
        return asdict(self) | {"remaining": self.remaining}

    def __add__(self, other: "Ledger") -> "Ledger":
        return Ledger(self.budget + other.budget, self.committed + other.committed,
                      self.released + other.released, self.paid + other.paid)


def of_calls(calls: list[Call]) -> dict[int, Ledger]:
    """Each call's ledger, by call id."""
    if not calls:
        return {}
    ids = [call.id for call in calls]
    awards = counts.amounts(calls_scope, ids)  # the awards' sums per call and state
    tranches = db.session.execute(
        select(Application.call_id, Application.state, Tranche.state, func.sum(Tranche.amount))
        .join(Application, Application.id == Tranche.application_id)
        .where(Application.call_id.in_(ids))
        .group_by(Application.call_id, Application.state, Tranche.state)).all()
    registry = workflows().registry
    released_states, paid_states = money_states()
    committing = {call.id: registry.get(call.workflow_name, call.workflow_version)
                  .tagged("commits_budget") for call in calls}
    committed, released, paid = defaultdict(int), defaultdict(int), defaultdict(int)
    for call_id, by_state in awards.items():
        committed[call_id] += sum(amount for state, amount in by_state.items()
                                  if state in committing[call_id])
    for call_id, application_state, tranche_state, amount in tranches:
        if tranche_state in released_states:
            released[call_id] += int(amount)
            if application_state not in committing[call_id]:  # ended: what was released stays
                committed[call_id] += int(amount)
        if tranche_state in paid_states:
            paid[call_id] += int(amount)
    return {call.id: Ledger(call.budget, committed[call.id], released[call.id], paid[call.id])
            for call in calls}


def money_states() -> tuple[frozenset[str], frozenset[str]]:
    """The tranche states whose money has left the budget, and those whose payment is recorded:
    the definition's, by their tags."""
    tranche = workflows().registry.latest(TRANCHE)
    return tranche.tagged("money_released"), tranche.tagged("money_paid")


def of_applications(ids: list[int]) -> dict[int, Ledger]:
    """What was released to and paid to each application, by id, in one statement (an
    application's budget and commitment are its call's, not its own)."""
    released_states, paid_states = money_states()
    released, paid = defaultdict(int), defaultdict(int)
    for application_id, state, amount in db.session.execute(
            select(Tranche.application_id, Tranche.state, func.sum(Tranche.amount))
            .where(Tranche.application_id.in_(ids))
            .group_by(Tranche.application_id, Tranche.state)):
        if state in released_states:
            released[application_id] += int(amount)
        if state in paid_states:
            paid[application_id] += int(amount)
    return {i: Ledger(released=released[i], paid=paid[i]) for i in ids}


def of_call(call: Call) -> Ledger:
    return of_calls([call])[call.id]


def committed(call: Call) -> int:
    """VND committed in the call (see the module's docstring)."""
    return of_call(call).committed


def total(ledgers) -> Ledger:
    return sum(ledgers, Ledger())
