"""The operator's steps: fees, pause, arbitrators and the default panel, accredited roles."""

from __future__ import annotations

from collections.abc import Sequence

from eth_utils import to_checksum_address

from tradelane._client import calls, escrow_calls
from tradelane._client.calls import CUSTOMS_ROLE, INSPECTOR_ROLE
from tradelane._client.preflight import Preflight
from tradelane.amounts import parse_bps, parse_duration
from tradelane.types import TxResult


class Admin(Preflight):
    """What the suite's operator does: fees and timeouts, pause, arbitrators, roles."""

    def set_fee(self, bps: int | str) -> TxResult:
        value = bps if isinstance(bps, int) else parse_bps(bps)
        return self._send("set_fee", escrow_calls.set_fee(self.escrow, value), self.operator)

    def set_fee_timeout(self, seconds: int | str) -> TxResult:
        fn = escrow_calls.set_fee_timeout(self.escrow, parse_duration(seconds))
        return self._send("set_fee_timeout", fn, self.operator)

    def pause(self, *, by: str | None = None) -> TxResult:
        return self._send("pause", escrow_calls.pause(self.escrow), by or self.operator)

    def unpause(self, *, by: str | None = None) -> TxResult:
        return self._send("unpause", escrow_calls.unpause(self.escrow), by or self.operator)

    def register_arbitrator(self, account: str) -> TxResult:
        fn = calls.register_arbitrator(self.arbitration, account)
        return self._send("register_arbitrator", fn, self.operator)

    def set_default_panel(self, members: Sequence[str]) -> TxResult:
        """The operator sets, once, the panel that hears disputes created with empty extra
        data (what ERC-792 arbitrables send): an odd number of registered arbitrators."""
        panel = [to_checksum_address(m) for m in members]
        if self.preflight and self.default_panel():
            self._refuse("ArbitrationDefaultPanelAlreadySet")
        fn = calls.set_default_panel(self.arbitration, panel)
        return self._send("set_default_panel", fn, self.operator)

    def grant_customs(self, account: str) -> TxResult:
        fn = calls.grant_role(self.tracker, CUSTOMS_ROLE, account)
        return self._send("grant customs", fn, self.operator)

    def grant_inspector(self, account: str) -> TxResult:
        fn = calls.grant_role(self.tracker, INSPECTOR_ROLE, account)
        return self._send("grant inspector", fn, self.operator)
