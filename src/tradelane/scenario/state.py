"""The runner's shared state: addresses, orders, quotes; the setup and the expect checks."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from eth_typing import ChecksumAddress
from eth_utils import keccak

from tradelane.amounts import (
    Amount,
    compare,
    parse_amount,
    parse_bps,
    parse_comparison,
    parse_duration,
)
from tradelane.client import Quote, Token, TradeClient
from tradelane.scenario.model import ORDER_EXPECT_FIELDS, Scenario
from tradelane.scenario.results import _tx
from tradelane.types import Stage, Status, Trade


class StepFailed(Exception):
    """An expectation did not hold (the message says what differed)."""


class _Runner:
    def __init__(self, scenario: Scenario, client: TradeClient, seed: str) -> None:
        self.s = scenario
        self.c = client
        self.seed = seed
        self.addr: dict[str, ChecksumAddress] = {}
        self.trades: dict[str, Trade] = {}
        self.quotes: dict[str, Quote] = {}
        self.last_signed: dict[str, tuple[str, int, int]] = {}  # order -> (stage, deadline, nonce)
        self.fresh = True  # the suite was deployed for this run

    # setup
    def setup(self) -> list[dict[str, Any]]:
        c, s = self.c, self.s
        txs: list[dict[str, Any]] = []
        for name, party in s.parties.items():
            if party.role == "operator":
                self.addr[name] = c.operator
                c.names[c.operator] = name
            elif party.wallet == "rejects_eth":
                owner = c.new_account(
                    f"{name} (owner)", eth=party.eth, seed=f"{self.seed}:{s.name}:owner"
                )
                self.addr[name] = c.add_contract_account(name, owner=owner)
            else:
                self.addr[name] = c.new_account(name, eth=party.eth, seed=f"{self.seed}:{s.name}")
        self.addr.setdefault("operator", c.operator)
        self.addr.setdefault("treasury", c.deployment.treasury)
        fee = parse_bps(s.platform.fee)
        # A fresh suite charges nothing; a shared one (a real network) keeps the last fee set.
        if fee != (0 if self.fresh else c.fee_bps()):
            txs.append(_tx(c.set_fee(fee)))
        timeout = parse_duration(s.arbitration.fee_timeout)
        if timeout != c.fee_timeout():
            txs.append(_tx(c.set_fee_timeout(timeout)))
        for name, party in s.parties.items():
            if party.role == "customs":
                txs.append(_tx(c.grant_customs(self.addr[name])))
            elif party.role == "inspector":
                txs.append(_tx(c.grant_inspector(self.addr[name])))
            elif party.role == "arbitrator":
                txs.append(_tx(c.register_arbitrator(self.addr[name])))
        # An odd number of arbitrators is also the arbitrator's default panel (set once): the panel
        # of disputes created with empty extra data, as ERC-792's example arbitrables send.
        judges = [self.addr[name] for name in s.parties_with("arbitrator")]
        if len(judges) % 2 == 1 and not c.default_panel():
            txs.append(_tx(c.set_default_panel(judges)))
        for symbol, spec in s.tokens.items():
            token = c.deploy_token(symbol, spec.decimals, spec.name)
            for holder, amount in spec.mint.items():
                txs.append(_tx(c.mint(token, self.addr[holder], token.units(parse_amount(amount)))))
        arbitrators = s.parties_with("arbitrator")
        customs, inspectors = s.parties_with("customs"), s.parties_with("inspector")
        for name, ospec in s.orders.items():
            panel = ospec.panel if ospec.panel is not None else arbitrators
            valid_until = 0
            if ospec.valid_for is not None:
                valid_until = c.chain.now() + parse_duration(ospec.valid_for)
            self.trades[name] = c.new_trade(
                buyer=self.addr[ospec.buyer],
                seller=self.addr[ospec.seller],
                carrier=self.addr[ospec.carrier],
                price=ospec.price,
                incoterm=ospec.incoterm,
                ship_within=ospec.ship_within,
                deliver_within=ospec.deliver_within,
                inspection=ospec.inspection,
                milestones={k: str(v) for k, v in ospec.milestones.items()},
                panel=[self.addr[p] for p in panel],
                valid_until=valid_until,
                nonce=int.from_bytes(keccak(text=f"{s.name}:{name}"), "big"),
                document=_text(ospec.document) or f"{s.name}: {name}",
                terms_uri=ospec.terms_uri,
                origin=ospec.origin,
                destination=ospec.destination,
                customs=[self.addr[p] for p in (ospec.customs or customs)],
                inspectors=[self.addr[p] for p in (ospec.inspectors or inspectors)],
                arbitrator_extra_data=(
                    ospec.arbitration["extra_data"] if ospec.arbitration else None
                ),
                max_fee=ospec.max_fee if ospec.max_fee is not None else fee,
                ruling_timeout=ospec.ruling_timeout or 0,
            )
        return txs

    def fee_cap(self, name: str) -> Trade:
        """The order as its seller signs it now: with the fee in force as its cap, unless the
        file gives the order a max_fee (a quote commits to the fee of the moment)."""
        trade = self.trades[name]
        if self.s.orders[name].max_fee is None:
            fee = self.c.fee_bps()
            if fee != trade.terms.max_fee_bps:
                trade = self.c.with_terms(trade, max_fee_bps=fee)
                self.trades[name] = trade
        return trade

    # expectations
    def amount_units(self, text: Any, default: Token) -> tuple[str, Token, int]:
        op, amount = parse_comparison(text)
        token = self.c.token(amount.symbol) if amount.symbol else default
        return op, token, token.units(Amount(amount.value, token.symbol))

    def expect(self, expect: Mapping[str, Any]) -> list[str]:
        """What did not hold (one line each); every check, held or not, in self.checks."""
        self.checks: list[dict[str, Any]] = []
        return [
            f"{c['what']} is {c['actual']}, expected {c['expected']}"
            if c.get("note") is None
            else c["note"]
            for c in self.check(expect)
            if not c["ok"]
        ]

    def _check(
        self, what: str, ok: bool, actual: Any, expected: Any, note: str | None = None
    ) -> None:
        entry = {"what": what, "expected": str(expected), "actual": str(actual), "ok": bool(ok)}
        if note is not None:
            entry["note"] = note
        self.checks.append(entry)

    def check(self, expect: Mapping[str, Any]) -> list[dict[str, Any]]:
        """Each expectation beside what the chain says: {what, expected, actual, ok}."""
        c = self.c
        if "order" in expect:
            trade = self.trades[expect["order"]]
            token = c.token(trade.order.token)
            state = c.state(trade)
            if "status" in expect:
                want = Status.parse(str(expect["status"]))
                self._check("status", state.status == want, state.status.label, want.label)
            if "stage" in expect:
                wanted = Stage.parse(str(expect["stage"]))
                # A clearance is the customs track's stage; the rest are the carrier's.
                clearance = wanted in (Stage.EXPORT_CLEARED, Stage.IMPORT_CLEARED)
                recorded = state.clearance if clearance else state.stage
                track = "clearance" if clearance else "stage"
                self._check(track, recorded == wanted, recorded.label, wanted.label)
            if "clearance" in expect:
                wanted = Stage.parse(str(expect["clearance"]))
                self._check(
                    "clearance", state.clearance == wanted, state.clearance.label, wanted.label
                )
            if "late" in expect:
                late = state.picked_up_late or (
                    state.stage == Stage.DELIVERED and not state.delivered_on_time
                )
                self._check("late", late == bool(expect["late"]), late, bool(expect["late"]))
            if "on_hold" in expect:
                want_hold = bool(expect["on_hold"])
                self._check("on_hold", state.on_hold == want_hold, state.on_hold, want_hold)
            money = c.money(trade)
            for key in ORDER_EXPECT_FIELDS:
                if key not in expect:
                    continue
                op, tok, units = self.amount_units(expect[key], token)
                actual = getattr(money, key)
                if tok != token:
                    self._check(
                        key,
                        False,
                        token.format(actual),
                        _show_cmp(op, tok, units),
                        note=f"{key}: the order is in {token.symbol}, not {tok.symbol}",
                    )
                else:
                    self._check(
                        key,
                        compare(op, Decimal(actual), Decimal(units)),
                        token.format(actual),
                        _show_cmp(op, tok, units),
                    )
        for key in ("balance", "owed"):
            for who, values in (expect.get(key) or {}).items():
                for value in values if isinstance(values, list) else [values]:
                    op, tok, units = self.amount_units(value, c.token(None))
                    address = self.addr[who]
                    actual = c.balance(address, tok) if key == "balance" else c.owed(address, tok)
                    self._check(
                        f"{key} of {who}",
                        compare(op, Decimal(actual), Decimal(units)),
                        tok.format(actual),
                        _show_cmp(op, tok, units),
                    )
        for who, fields in (expect.get("reputation") or {}).items():
            tokens = [c.token(None), *(c.token(sym) for sym in self.s.tokens)]
            record = c.reputation(self.addr[who], tokens)
            for name, value in fields.items():
                actual = getattr(record, name)
                self._check(f"reputation of {who}: {name}", actual == value, actual, value)
        return self.checks


def _text(document: str | dict[str, str] | None) -> str | None:
    """A document field once loaded: {file: ...} was resolved to its hash on load."""
    return document if isinstance(document, str) or document is None else None


def _show_cmp(op: str, token: Token, units: int) -> str:
    return ("" if op == "==" else op + " ") + token.format(units)
