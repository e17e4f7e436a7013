"""What the invariant machine expects of the arbitrators, kept apart from the escrow's rules.

Two arbitrators sit behind the escrow's ERC-792 side:

- `PanelModel`: DisputeArbitration as it is on main (a panel of registered arbitrators, a strict
  majority decides in the deciding vote, `ruleByDefault` after the ruling period, the fee shared
  among the panel, the first member taking the remainder). When DisputeArbitration changes
  (default panel for empty extra data, overpay credit, retried rulings, withdrawTo), only this
  class and the machine's arbitrator rules need to follow.
- `ImpostorModel`: the test double ImpostorArbitrator, an "arbitrator" that hands out whatever
  dispute identifier it is told and rules whatever it likes. It reaches the escrow's own checks
  on an arbitrator's answers (a taken identifier, an invalid ruling), which an honest
  DisputeArbitration never gives.

Each `*_error` method returns the custom error the call must revert with (None: it succeeds),
from the arbitrator's documented rules (docs/CONTRACTS.md, "Disputes"), in the order the
arbitrator checks them.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

CHOICES = 10_001  # the escrow asks for buyer shares 0..10000 bps, as rulings 1..10001


@dataclass
class PanelDispute:
    order: int  # index of the order in the machine
    panel: list[str]  # member names
    deadline: int  # last second a vote is accepted
    solved: bool = False
    voted: set[str] = field(default_factory=set)
    votes: Counter[int] = field(default_factory=Counter)


class PanelModel:
    """DisputeArbitration: disputes, votes, default rulings and the fee shares."""

    def __init__(self, cost: int, period: int, registered: set[str]) -> None:
        self.cost = cost
        self.period = period
        self.registered = set(registered)
        self.disputes: list[PanelDispute] = []

    # ---------------------------------------------------------------- panels
    def panel_error(self, panel: list[str]) -> str | None:
        """arbitrationCost(extraData) and createDispute: an odd panel (at most 15) of distinct
        registered arbitrators."""
        if not panel or len(panel) % 2 == 0 or len(panel) > 15:
            return "ArbitrationInvalidPanel"
        for k, member in enumerate(panel):
            if member not in self.registered or member in panel[:k]:
                return "ArbitrationInvalidMember"
        return None

    def register_error(self, name: str) -> str | None:
        return "ArbitrationInvalidMember" if name in self.registered else None

    # ---------------------------------------------------------------- disputes
    def create(self, order: int, panel: list[str], now: int) -> int:
        self.disputes.append(PanelDispute(order, list(panel), now + self.period))
        return len(self.disputes) - 1

    def open_fees(self) -> int:
        return self.cost * sum(1 for d in self.disputes if not d.solved)

    def get(self, j: int) -> PanelDispute | None:
        return self.disputes[j] if 0 <= j < len(self.disputes) else None

    def vote_error(self, j: int, member: str, ruling: int, now: int) -> str | None:
        d = self.get(j)
        if d is None:
            return "ArbitrationUnknownDispute"
        if d.solved:
            return "ArbitrationDisputeSolved"
        if now > d.deadline:
            return "ArbitrationDeadlinePassed"
        if ruling > CHOICES:
            return "ArbitrationInvalidRuling"
        if member not in d.panel:
            return "ArbitrationNotPanelMember"
        if member in d.voted:
            return "ArbitrationAlreadyVoted"
        return None

    def vote(self, j: int, member: str, ruling: int) -> bool:
        """Records a vote; True when it decides (a strict majority for `ruling`)."""
        d = self.disputes[j]
        d.voted.add(member)
        d.votes[ruling] += 1
        if d.votes[ruling] * 2 > len(d.panel):
            d.solved = True
            return True
        return False

    def default_error(self, j: int, now: int) -> str | None:
        d = self.get(j)
        if d is None:
            return "ArbitrationUnknownDispute"
        if d.solved:
            return "ArbitrationDisputeSolved"
        if now <= d.deadline:
            return "ArbitrationDeadlineNotReached"
        return None

    def rule_by_default(self, j: int) -> None:
        self.disputes[j].solved = True

    def shares(self, j: int) -> list[tuple[str, int]]:
        """The fee shared among the panel once decided: equal shares, the remainder to the first."""
        panel = self.disputes[j].panel
        share = self.cost // len(panel)
        return [
            (m, self.cost - share * (len(panel) - 1) if k == 0 else share)
            for k, m in enumerate(panel)
        ]


class ImpostorModel:
    """ImpostorArbitrator: returns `next_id` from createDispute and keeps the fee."""

    def __init__(self, cost: int) -> None:
        self.cost = cost
        self.next_id = 0
        self.taken: dict[int, int] = {}  # dispute id -> order index, as the escrow maps them

    def create_error(self) -> str | None:
        return "EscrowDisputeIdTaken" if self.next_id in self.taken else None

    def create(self, order: int) -> None:
        self.taken[self.next_id] = order

    def rule_error(self, dispute_id: int, ruling: int) -> str | None:
        """The escrow's checks on a ruling from this arbitrator."""
        if dispute_id not in self.taken:
            return "EscrowUnknownDispute"
        if ruling > CHOICES:
            return "EscrowInvalidRuling"
        return None
