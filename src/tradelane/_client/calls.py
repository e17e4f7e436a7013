"""The encoding of calls, the one place that knows the ABI: selectors, topics, argument bytes,
and every call the client makes: one function per contract function it sends or reads (the
tracker's, the arbitrator's, ERC-20 tokens', contract accounts'; the escrow's are in
`escrow_calls`), taking the contract and Python values; the function's name and the order and
encoding of its arguments are here and nowhere else.

A transaction comes back as the bound web3 ContractFunction (the sender encodes and sends
it); a view as a `ViewCall`: `.call()` is web3's call, and `Views` reads the same call with
eth_abi straight from the node, without web3's ABI matching and argument checks.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi import encode as abi_encode
from eth_utils import keccak, to_checksum_address
from web3.contract import Contract
from web3.contract.contract import ContractFunction

from tradelane.errors import TradelaneError
from tradelane.types import Trade

CUSTOMS_ROLE = keccak(text="CUSTOMS_ROLE")
INSPECTOR_ROLE = keccak(text="INSPECTOR_ROLE")


@dataclass(frozen=True)
class ViewCall:
    """A view call: the contract, the function's name and its arguments in order."""

    contract: Contract
    name: str
    args: tuple[Any, ...] = ()

    def bound(self) -> ContractFunction:
        """The same call as a web3 ContractFunction (web3 matches and checks the arguments)."""
        fn: ContractFunction = getattr(self.contract.functions, self.name)(*self.args)
        return fn

    def call(self, **kwargs: Any) -> Any:
        """web3's `call(**kwargs)` of the bound function."""
        return self.bound().call(**kwargs)


def abi_type(param: Mapping[str, Any]) -> str:
    kind = str(param["type"])
    if kind.startswith("tuple"):
        return "(" + ",".join(abi_type(c) for c in param["components"]) + ")" + kind[5:]
    return kind


def encode_call(fn: Any) -> str:
    """`fn._encode_transaction_data()` of a web3 ContractFunction with its arguments bound,
    encoded by eth_abi directly (a tenth of web3's time); web3's own encoding when the
    arguments need web3's normalising (ENS names, unusual types)."""
    try:
        types = [abi_type(p) for p in fn.abi["inputs"]]
        selector = keccak(text=f"{fn.abi['name']}({','.join(types)})")[:4]
        if fn.kwargs:
            raise ValueError("keyword arguments")
        return "0x" + (selector + abi_encode(types, list(fn.args))).hex()
    except Exception:
        return str(fn._encode_transaction_data())


def event_topic(abi: Iterable[Any], event: str) -> str:
    """The first topic of `event` (keccak of its signature), from a contract's ABI."""
    items: list[Any] = list(abi)
    item = next(i for i in items if i.get("type") == "event" and i["name"] == event)
    types = ",".join(abi_type(p) for p in item["inputs"])
    return hex_str(keccak(text=f"{event}({types})"))


def hex_str(value: bytes) -> str:
    return "0x" + bytes(value).hex()


def hex_bytes(data: bytes | str) -> bytes:
    if isinstance(data, str):
        try:
            return bytes.fromhex(data.removeprefix("0x"))
        except ValueError:
            raise TradelaneError(f"arbitrator extra data is not hex: {data!r}") from None
    return bytes(data)


def id_bytes(value: bytes | str) -> bytes:
    return bytes.fromhex(value[2:]) if isinstance(value, str) else bytes(value)


def kleros_extra_data(subcourt: int, min_jurors: int) -> bytes:
    """Kleros' arbitrator extra data: abi.encode(uint256 subcourtID, uint256 minJurors)."""
    if subcourt < 0 or min_jurors < 1:
        raise TradelaneError("a Kleros court needs a subcourt id >= 0 and at least one juror")
    return abi_encode(["uint256", "uint256"], [subcourt, min_jurors])


def panel_extra_data(panel: Sequence[str]) -> bytes:
    """DisputeArbitration's extra data naming a panel: abi.encode(address[] members)."""
    return abi_encode(["address[]"], [[to_checksum_address(p) for p in panel]])


def location_bytes(text: str | bytes | None) -> bytes:
    if not text:
        return b"\x00" * 5
    raw = text if isinstance(text, bytes) else text.strip().upper().replace(" ", "").encode()
    if len(raw) != 5:
        raise ValueError(f"a location is a five-letter UN/LOCODE such as CNSHA, not {text!r}")
    return raw


def document_hash(document: str | bytes | None) -> bytes:
    """A document as 32 bytes: a 0x-hex hash as is, text (`BL-0042`) by its keccak."""
    if document is None or document == "" or document == b"":
        return b"\x00" * 32
    if isinstance(document, bytes):
        return document if len(document) == 32 else keccak(document)
    if document.startswith("0x") and len(document) == 66:
        return bytes.fromhex(document[2:])
    return keccak(text=document)


# ------------------------------------------------------------------ LogisticsTracker

#: The tracker's Checkpoint struct: (kind, location, document hash, uri).
Checkpoint = tuple[int, bytes, bytes, str]


def checkpoint_struct(
    kind: int, location: str | bytes | None, document: str | bytes | None, uri: str
) -> Checkpoint:
    """A checkpoint as the tracker takes it: the kind's number, the location's five bytes
    (`location_bytes`), the document's 32 bytes (`document_hash`) and the URI."""
    return (int(kind), location_bytes(location), document_hash(document), uri)


def record(tracker: Contract, trade: Trade, checkpoint: Checkpoint) -> ContractFunction:
    """`record(order form, checkpoint)`: the sender records a checkpoint of the order."""
    return tracker.functions.record(trade.form, checkpoint)


def record_signed(
    tracker: Contract,
    trade: Trade,
    checkpoint: Checkpoint,
    signer: str,
    deadline: int,
    nonce: int,
    signature: bytes,
) -> ContractFunction:
    """`recordSigned(order form, checkpoint, signer, deadline, nonce, signature)`: a relayer
    records the checkpoint `signer` signed (EIP-712)."""
    return tracker.functions.recordSigned(
        trade.form, checkpoint, signer, deadline, nonce, signature
    )


def revoke_checkpoint_nonces(tracker: Contract, order_id: bytes, below: int) -> ContractFunction:
    """`revokeCheckpointNonces(id, next)`: the sender's signed checkpoints of the order with a
    nonce below `below` can no longer be recorded."""
    return tracker.functions.revokeCheckpointNonces(order_id, below)


def checkpoint_nonce(tracker: Contract, signer: str, order_id: bytes) -> ViewCall:
    """`checkpointNonce(signer, id)`: the nonce of `signer`'s next signed checkpoint."""
    return ViewCall(tracker, "checkpointNonce", (signer, order_id))


def grant_role(tracker: Contract, role: bytes, account: str) -> ContractFunction:
    """`grantRole(role, account)`: accredit `account` (`CUSTOMS_ROLE`, `INSPECTOR_ROLE`)."""
    return tracker.functions.grantRole(role, account)


def accredited(tracker: Contract, role: bytes) -> ViewCall:
    """`accredited(role)`: the accounts holding `role`."""
    return ViewCall(tracker, "accredited", (role,))


# ------------------------------------------------------------------ the arbitrator (ERC-792)


def register_arbitrator(arbitration: Contract, account: str) -> ContractFunction:
    """`registerArbitrator(account)`: `account` may sit on panels."""
    return arbitration.functions.registerArbitrator(account)


def set_default_panel(arbitration: Contract, panel: Sequence[str]) -> ContractFunction:
    """`setDefaultPanel(members)`: the panel of disputes created with empty extra data."""
    return arbitration.functions.setDefaultPanel(panel)


def default_panel(arbitration: Contract) -> ViewCall:
    """`defaultPanel()`: the default panel's members."""
    return ViewCall(arbitration, "defaultPanel")


def arbitration_cost(arbitrator: Contract, extra_data: bytes) -> ViewCall:
    """`arbitrationCost(extraData)`: what a dispute with this extra data costs."""
    return ViewCall(arbitrator, "arbitrationCost", (extra_data,))


def vote(arbitrator: Contract, dispute_id: int, buyer_share_bps: int) -> ContractFunction:
    """`vote(disputeId, ruling)`: ruling r gives the buyer r-1 basis points of what is
    locked (0 refuses to rule), so the buyer's share is sent plus one."""
    return arbitrator.functions.vote(dispute_id, buyer_share_bps + 1)


def rule_by_default(arbitrator: Contract, dispute_id: int) -> ContractFunction:
    """`ruleByDefault(disputeId)`: end a dispute whose ruling period lapsed."""
    return arbitrator.functions.ruleByDefault(dispute_id)


def appeal_period(arbitrator: Contract, dispute_id: int) -> ViewCall:
    """`appealPeriod(disputeId)`: (start, end) of the dispute's appeal period."""
    return ViewCall(arbitrator, "appealPeriod", (dispute_id,))


def appeal_cost(arbitrator: Contract, dispute_id: int, extra_data: bytes) -> ViewCall:
    """`appealCost(disputeId, extraData)`: what appealing the dispute costs."""
    return ViewCall(arbitrator, "appealCost", (dispute_id, extra_data))


# ------------------------------------------------------------------ ERC-20 tokens (and EIP-2612)


def symbol(token: Contract) -> ViewCall:
    """`symbol()`."""
    return ViewCall(token, "symbol")


def decimals(token: Contract) -> ViewCall:
    """`decimals()`."""
    return ViewCall(token, "decimals")


def token_name(token: Contract) -> ViewCall:
    """`name()`: the name EIP-2612 permits are signed for."""
    return ViewCall(token, "name")


def permit_nonce(token: Contract, owner: str) -> ViewCall:
    """`nonces(owner)`: the nonce of `owner`'s next EIP-2612 permit."""
    return ViewCall(token, "nonces", (owner,))


def allowance(token: Contract, owner: str, spender: str) -> ViewCall:
    """`allowance(owner, spender)`: how much of `owner`'s tokens `spender` may move."""
    return ViewCall(token, "allowance", (owner, spender))


def balance_of(token: Contract, account: str) -> ViewCall:
    """`balanceOf(account)`."""
    return ViewCall(token, "balanceOf", (account,))


def mint(token: Contract, to: str, units: int) -> ContractFunction:
    """`mint(to, amount)`: TestStablecoin's open mint."""
    return token.functions.mint(to, units)


def approve(token: Contract, spender: str, units: int) -> ContractFunction:
    """`approve(spender, value)`."""
    return token.functions.approve(spender, units)


# ------------------------------------------------------------------ contract accounts


def act(account: Contract, fn: ContractFunction) -> ContractFunction:
    """`act(target, data)`: a contract account (a test double) makes the call `fn`."""
    return account.functions.act(fn.address, encode_call(fn))
