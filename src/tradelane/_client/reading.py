"""Reading: terms in force, order views, an order's events, money, timeline, reputation."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any
from urllib.parse import unquote

from eth_typing import ChecksumAddress, HexStr
from eth_utils import to_checksum_address
from web3.contract import Contract

from tradelane._client import calls, eip712, escrow_calls
from tradelane._client.accounts import Accounts
from tradelane._client.calls import CUSTOMS_ROLE, INSPECTOR_ROLE, event_topic, hex_str, id_bytes
from tradelane._client.pipeline import batched
from tradelane._client.registration import unpack_registration
from tradelane._client.timeline import mark_late, timeline_entry
from tradelane._client.tokens import Token
from tradelane.errors import TradelaneError
from tradelane.types import (
    DecodedEvent,
    Order,
    OrderMoney,
    OrderState,
    OrderView,
    Reputation,
    Status,
    Terms,
    TimelineEntry,
    Trade,
)

LOG_CHUNK_BLOCKS = 10_000  # the range many public nodes allow one eth_getLogs


class Reading(Accounts):
    """What the chain says: the terms in force, orders, their events, money and timeline."""

    #: Blocks per eth_getLogs request when reading an order's events.
    log_chunk: int = LOG_CHUNK_BLOCKS

    # ------------------------------------------------------------------ terms in force

    def accredited(self, role: str) -> list[ChecksumAddress]:
        """The accounts the operator accredits as `"customs"` or `"inspector"`: what new_trade
        names by default. An order's own list decides who may record on it."""
        role_id = {"customs": CUSTOMS_ROLE, "inspector": INSPECTOR_ROLE}[role]
        members = self._views.call(calls.accredited(self.tracker, role_id))
        return [to_checksum_address(m) for m in members]

    def fee_bps(self) -> int:
        """The platform fee in force for orders registered now (basis points)."""
        return int(self._views.call(escrow_calls.fee_bps(self.escrow)))

    def fee_timeout(self) -> int:
        """How long the other party of a dispute has to pay its arbitration fee (seconds)."""
        return int(self._views.call(escrow_calls.fee_timeout(self.escrow)))

    def default_panel(self) -> list[ChecksumAddress]:
        """The arbitrator's default panel ([] until the operator sets it)."""
        members = calls.default_panel(self.arbitration).call()
        return [to_checksum_address(m) for m in members]

    def arbitration_cost(self, trade: Trade) -> int:
        """What opening (or joining) a dispute costs; reverts, as a named error, for a panel
        that cannot sit (ArbitrationInvalidPanel, ArbitrationMemberNotRegistered, …)."""
        arbitrator = self._arbitrator(trade)
        call = calls.arbitration_cost(arbitrator, trade.terms.arbitrator_extra_data).bound()
        try:
            return int(call.call())
        except Exception as exc:
            raise self._as_revert(exc, trade.terms.arbitrator) from None

    def refund_due(self, trade: Trade) -> bool:
        """Whether the buyer's refund is due now (a missed ship-by, or deliver-by under D-terms)."""
        return bool(escrow_calls.refund_due(self.escrow, trade).call())

    # ------------------------------------------------------------------ orders

    def _trade(self, order: Order, terms: Terms, terms_uri: str = "") -> Trade:
        trade = Trade(
            order, terms, eip712.order_id(order, terms), eip712.terms_hash(terms), terms_uri
        )
        self.trades[trade.id] = trade
        return trade

    def trade(self, order_id: bytes | str) -> Trade:
        """A trade by identifier: known locally, or rebuilt from its OrderRegistered event."""
        oid = bytes.fromhex(order_id[2:]) if isinstance(order_id, str) else bytes(order_id)
        if oid in self.trades:
            return self.trades[oid]
        logs = self.w3.eth.get_logs(
            {
                "address": self.escrow.address,
                "fromBlock": self.from_block,
                "toBlock": "latest",
                "topics": [self._topic("TradeEscrow", "OrderRegistered"), hex_str(oid)],
            }
        )
        for event in self.events.decode_all(logs):
            a = event.args
            registered = unpack_registration(a["buyer"], a["seller"], bytes(a["packed"]))
            order, terms = registered.order, registered.terms
            return self._trade(order, terms)
        raise TradelaneError(
            f"no order {hex_str(oid)} registered with escrow {self.escrow.address}"
        )

    def state(self, trade: Trade | bytes | str) -> OrderState:
        oid = trade.id if isinstance(trade, Trade) else id_bytes(trade)
        if self._pipeline is not None and oid in self._pipeline.states:
            return self._pipeline.states[oid]  # prefetched since the last flush
        return OrderState.from_tuple(self._views.call(escrow_calls.order_state(self.escrow, oid)))

    def order(self, trade: Trade | bytes | str) -> OrderView:
        """The order as a whole: terms (rebuilt from events if need be), state and money."""
        t = trade if isinstance(trade, Trade) else self.trade(trade)
        token = self.token(t.order.token)
        state = self.state(t)
        appeal = None
        if state.status == Status.DISPUTED and state.with_arbitrator:
            try:
                appeal = self.appeal_terms(t)
            except Exception:  # an arbitrator without ERC-792's appeal views: no appeal to show
                appeal = None
        return OrderView(t, state, self.money(t), token.symbol, token.decimals, appeal)

    def status(self, trade: Trade | bytes | str) -> Status:
        return self.state(trade).status

    def settlement(self, trade: Trade) -> tuple[ChecksumAddress | None, int]:
        """The settlement on the table: (proposer or None, the buyer's share in bps)."""
        proposer, bps = escrow_calls.settlement_of(self.escrow, trade.id).call()
        return (to_checksum_address(proposer) if int(proposer, 16) else None), int(bps)

    def dispute_id(self, trade: Trade) -> int | None:
        """The arbitrator's dispute identifier, once both fees are paid."""
        for event in self.order_events(trade, names=("DisputeCreated",)):
            return int(event.args["disputeId"])
        return None

    def appeal_terms(self, trade: Trade) -> dict[str, int] | None:
        """The arbitrator's appeal cost and period of the order's dispute (None before the
        dispute is with the arbitrator)."""
        dispute_id = self.dispute_id(trade)
        if dispute_id is None:
            return None
        arbitrator = self._arbitrator(trade)
        start, end = calls.appeal_period(arbitrator, dispute_id).call()
        cost = calls.appeal_cost(arbitrator, dispute_id, trade.terms.arbitrator_extra_data).call()
        return {"cost": int(cost), "period_start": int(start), "period_end": int(end)}

    def meta_evidence(self, trade: Trade) -> dict[str, Any] | None:
        """The ERC-1497 MetaEvidence JSON of the order's dispute, as the escrow wrote it on
        chain when the dispute went to the arbitrator (None before that): the order id, the
        `documentHash` and `termsHash` the seller signed, the parties' aliases and the
        ruling options (ruling r gives the buyer r-1 basis points of what is locked; 0
        refuses to rule, an even split). The document's URI is in the registration's
        TermsDocument event, and in `trade.terms_uri`."""
        logged = self.order_events(trade, names=["MetaEvidence"])
        if not logged:
            return None
        uri = str(logged[-1].args["evidence"])
        prefix = "data:application/json,"
        if not uri.startswith(prefix):
            raise TradelaneError(f"the order's MetaEvidence is not a JSON data URI: {uri[:60]}")
        document: dict[str, Any] = json.loads(unquote(uri[len(prefix) :]))
        return document

    def _now(self) -> int:
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def _arbitrator(self, trade: Trade) -> Contract:
        return self.w3.eth.contract(address=trade.terms.arbitrator, abi=self.arbitration.abi)

    # ------------------------------------------------------------------ events, money, timeline

    def _topic(self, contract: str, event: str) -> str:
        return event_topic(self.deployment[contract].abi, event)

    def _logs(self, address: Any, topics: list[Any]) -> list[Any]:
        """Logs by address and indexed topics, asked for in block ranges of `log_chunk`
        (nodes and providers cap the range of one eth_getLogs), all in one batch."""
        latest = int(self.w3.eth.block_number)
        ranges = [
            (start, min(start + self.log_chunk - 1, latest))
            for start in range(self.from_block, latest + 1, self.log_chunk)
        ]
        calls = [
            lambda a=a, b=b: self.w3.eth.get_logs(
                {"fromBlock": a, "toBlock": b, "address": address, "topics": topics}
            )
            for a, b in ranges
        ]
        return [log for chunk in batched(self.w3, calls) for log in chunk]

    def order_events(
        self, trade: Trade | bytes | str, names: Iterable[str] | None = None
    ) -> list[DecodedEvent]:
        """Every event of the suite about one order, in chain order (and the payouts in
        the same transactions)."""
        oid = trade.id if isinstance(trade, Trade) else id_bytes(trade)
        escrow_and_tracker = [self.escrow.address, self.tracker.address]
        logs = self._logs(escrow_and_tracker, [None, hex_str(oid)])
        logs += self._logs(
            self.escrow.address, [self._topic("TradeEscrow", "Evidence"), None, hex_str(oid)]
        )
        # Keep only logs whose first indexed topic (or the Evidence group) is this order.
        logs = [
            log
            for log in logs
            if (len(log["topics"]) > 1 and bytes(log["topics"][1]) == oid)
            or (len(log["topics"]) > 2 and bytes(log["topics"][2]) == oid)
        ]
        events = self.events.decode_all(logs)
        txs = {e.tx_hash for e in events}
        dispute = next((e for e in events if e.name == "DisputeCreated"), None)
        if dispute is not None:
            dispute_topic = hex_str(int(dispute.args["disputeId"]).to_bytes(32, "big"))
            votes = self._logs(dispute.args["arbitrator"], [None, dispute_topic])
            # Only the dispute's own events: a dispute id of 0 is also bytes32(0), the first
            # topic of the arbitrator's RoleGranted(DEFAULT_ADMIN_ROLE, ...).
            events += [
                e
                for e in self.events.decode_all(votes)
                if e.args.get("disputeId") == dispute.args["disputeId"]
            ]
            txs |= {e.tx_hash for e in events}
        # Payouts deferred in the same transactions (PaymentDeferred carries no order id).
        extra = []
        for tx in txs:
            receipt = self.w3.eth.get_transaction_receipt(tx)  # type: ignore[arg-type]
            for event in self.events.decode_all(receipt["logs"]):
                if event.name in ("PaymentDeferred", "FeeDeferred"):
                    extra.append(event)
        events += extra
        unique = {(e.tx_hash, e.log_index): e for e in events}
        ordered = sorted(unique.values(), key=lambda e: (e.block, e.log_index))
        if names is not None:
            wanted = set(names)
            ordered = [e for e in ordered if e.name in wanted]
        return ordered

    def money(self, trade: Trade | bytes | str) -> OrderMoney:
        """Where the deposit went: to the seller, back to the buyer, in fees, still locked."""
        deposit = seller = buyer = fee = 0
        for e in self.order_events(trade):
            if e.contract != "TradeEscrow":
                continue
            a = e.args
            if e.name == "OrderFunded":
                deposit += int(a["amount"])
            elif e.name in ("MilestoneReleased", "OrderCompleted", "ReleasedEarly"):
                seller += int(a["toSeller"])
                fee += int(a["fee"])
            elif e.name in ("OrderRefunded", "GoodwillRefunded"):
                buyer += int(a["toBuyer"])
            elif e.name in ("DisputeResolved", "SettlementAccepted"):
                seller += int(a["toSeller"])
                buyer += int(a["toBuyer"])
                fee += int(a["fee"])
        return OrderMoney(deposit, seller, buyer, fee)

    def owed(self, account: str, token: str | Token | None = None) -> int:
        return int(escrow_calls.owed(self.escrow, account, self.token(token).address).call())

    def reputation(self, account: str, tokens: Iterable[str | Token] | None = None) -> Reputation:
        """An account's track record summed over `tokens` (default: every token known, and ETH)."""
        toks = [self.token(t) for t in tokens] if tokens is not None else list(self.tokens.values())
        addresses = [t.address for t in toks]
        records = escrow_calls.reputation_of(self.escrow, account, addresses).call()
        total = Reputation()
        for record in records:
            total = total + Reputation.from_tuple(record)
        return total

    def describe_money(self, trade: Trade) -> dict[str, str]:
        token = self.token(trade.order.token)
        m = self.money(trade)
        return {
            "deposit": token.format(m.deposit),
            "seller_received": token.format(m.seller_received),
            "buyer_refunded": token.format(m.buyer_refunded),
            "fee": token.format(m.fee),
            "locked": token.format(m.locked),
        }

    def timeline(self, trade: Trade | bytes | str) -> list[TimelineEntry]:
        """The order's history: time, actor, action or stage, location, document, money moved."""
        t = trade if isinstance(trade, Trade) else self.trade(trade)
        token = self.token(t.order.token)
        blocks: dict[int, int] = {}
        senders: dict[str, ChecksumAddress] = {}
        entries: list[TimelineEntry] = []
        for e in self.order_events(t):
            if e.block not in blocks:
                blocks[e.block] = int(self.w3.eth.get_block(e.block)["timestamp"])
            if e.tx_hash not in senders:
                tx = self.w3.eth.get_transaction(HexStr(e.tx_hash))
                sender = to_checksum_address(tx["from"])
                to = tx.get("to")
                if to and to_checksum_address(to) in self._proxies:
                    sender = to_checksum_address(to)  # a contract account's own action
                senders[e.tx_hash] = sender
            if e.name == "CheckpointRecorded":
                # What the checkpoint releases is the recorder's doing, not the relayer's.
                senders[e.tx_hash] = to_checksum_address(e.args["actor"])
            entry = timeline_entry(e, token, self, blocks[e.block], senders[e.tx_hash])
            if entry is not None:
                entries.append(entry)
        return mark_late(entries, t.terms)

    def timeline_table(self, trade: Trade | bytes | str, title: str | None = None) -> Any:
        """The timeline as a rich Table (print it with rich, or `print_timeline`)."""
        from tradelane._client.render import timeline_table

        return timeline_table(self, trade if isinstance(trade, Trade) else self.trade(trade), title)

    def print_timeline(self, trade: Trade | bytes | str, console: Any = None) -> None:
        """Print the order's timeline as a table."""
        from rich.console import Console

        (console or Console()).print(self.timeline_table(trade))
