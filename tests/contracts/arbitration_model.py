"""What the invariant machine expects of the arbitrators, kept apart from the escrow's rules.

Two arbitrators sit behind the escrow's ERC-792 side:

- `PanelModel`: DisputeArbitration (issue 12): a panel of registered arbitrators named in the
  extra data, a strict majority decides in the deciding vote, `ruleByDefault` after the ruling
  period; a majority pays the whole panel, a default only those who voted, and a panel that
  never voted is not paid (the fee goes back to the arbitrable, credited to it when it does not
  take it). Shares are equal, the first paid member taking the remainder. The machine names a
  panel in every order (no default panel) and the escrow always pays the exact cost and
  executes rulings within the arbitrator's gas cap, so excess fees and retried executions are
  not reached here (test_arbitration covers them).
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
            if member not in self.registered:
                return "ArbitrationMemberNotRegistered"
            if member in panel[:k]:
                return "ArbitrationMemberDuplicated"
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

    def shares(self, j: int, by_default: bool) -> list[tuple[str, int]]:
        """The fee once decided: the whole panel by majority, only its voters by default (none:
        an empty list, the fee goes back); equal shares, the remainder to the first paid."""
        d = self.disputes[j]
        paid = [m for m in d.panel if not by_default or m in d.voted]
        if not paid:
            return []
        share = self.cost // len(paid)
        rest = self.cost - share * len(paid)
        return [(m, share + (rest if k == 0 else 0)) for k, m in enumerate(paid)]


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
