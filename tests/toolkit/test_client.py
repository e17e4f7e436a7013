"""The typed client: EIP-712 hashes equal the contracts', reverts become named exceptions
with their fields (the same on eth-tester and Anvil), preflight raises the contract's own
error, orders rebuild from events, timelines and money add up."""

from __future__ import annotations

import pytest
from eth_abi import encode
from eth_utils import keccak

from tradelane import client as client_module
from tradelane._client import eip712
from tradelane._client.reverts import ContractRevert, ErrorDecoder, UnknownRevert, revert_data
from tradelane.client import TradeClient, document_hash
from tradelane.errors import TradelaneError
from tradelane.types import CheckpointKind, Incoterm, Stage, Status


@pytest.fixture
def trade(client, buyer, seller, carrier, judge, customs):
    return client.new_trade(
        buyer=buyer,
        seller=seller,
        carrier=carrier,
        price="1.5 ETH",
        incoterm="CIF",
        ship_within="5d",
        deliver_within="20d",
        inspection="2d",
        milestones={"export_cleared": "30%", "arrived": "20%"},
        panel=[judge],
        document="PO-1",
        terms_uri="ipfs://po-1",
        customs=[customs],
    )


def test_order_id_and_terms_hash_match_the_contract(client, trade):
    escrow = client.escrow.functions
    assert bytes(escrow.hashTerms(trade.terms.as_tuple()).call()) == trade.terms_hash
    assert bytes(escrow.orderId(trade.order.as_tuple(), trade.terms_hash).call()) == trade.id


def test_quote_digest_matches_the_contract(client, trade):
    quote = client.sign_quote(trade)
    assert quote.digest == bytes(client.escrow.functions.quoteDigest(trade.id).call())
    assert quote.signer == trade.order.seller


def test_checkpoint_digest_matches_the_tracker(client, trade):
    location, document = b"CNSHA", document_hash("BL-1")
    ours = eip712.checkpoint_digest(
        trade.id,
        3,
        location,
        document,
        "ipfs://bl",
        123,
        7,
        client.chain_id,
        client.tracker.address,
    )
    theirs = client.tracker.functions.checkpointDigest(
        trade.id, (3, location, document, "ipfs://bl"), 123, 7
    ).call()
    assert ours == bytes(theirs)


def test_document_text_is_hashed_with_keccak():
    assert document_hash("BL-0042") == keccak(text="BL-0042")
    assert document_hash("0x" + "11" * 32) == b"\x11" * 32
    assert document_hash(None) == b"\x00" * 32


def test_quote_funds_and_milestones_release(client, chain, trade, customs, carrier, seller):
    client.grant_customs(customs)
    client.fund(trade, quote=client.sign_quote(trade))
    assert client.status(trade) == Status.FUNDED
    client.checkpoint(trade, "picked_up", location="CNSHA", document="BL-1")
    result = client.checkpoint(trade, "export_cleared", by=customs, location="CNSHA", signed=True)
    released = result.event("MilestoneReleased")
    assert released is not None and released.args["toSeller"] == 45 * 10**16
    state = client.state(trade)
    assert (state.status, state.stage, state.clearance, state.released_bps) == (
        Status.IN_TRANSIT,
        Stage.PICKED_UP,  # the carrier's track
        Stage.EXPORT_CLEARED,  # customs' track
        3000,
    )
    money = client.money(trade)
    assert (money.deposit, money.seller_received, money.locked) == (
        15 * 10**17,
        45 * 10**16,
        105 * 10**16,
    )
    actions = [e.action for e in client.timeline(trade)]
    assert actions == [
        "registered",
        "funded",
        "picked_up",
        "export_cleared",
        "milestone released (export_cleared)",
    ]
    entries = client.timeline(trade)
    assert entries[2].location == "CNSHA" and entries[2].actor == carrier
    assert entries[3].actor == customs  # the signer, though the operator relayed it


def test_trade_rebuilds_from_events(chain, suite, artifacts, client, trade):
    client.register(trade)
    fresh = TradeClient(chain, suite, artifacts=artifacts)
    rebuilt = fresh.trade(trade.id_hex)
    assert rebuilt.order == trade.order
    assert rebuilt.terms == trade.terms
    assert rebuilt.id == trade.id
    assert fresh.state(rebuilt).status == Status.CREATED


# ---------------------------------------------------------------------------- reverts


def test_contract_revert_is_named_with_fields(client, trade, buyer):
    client.preflight = False
    client.register(trade)
    with pytest.raises(ContractRevert) as info:
        client.accept(trade, by=buyer)
    exc = info.value
    assert type(exc).__name__ == "OrderUnauthorized"
    assert isinstance(exc, client_module.OrderUnauthorized)
    assert isinstance(exc, TradelaneError)
    assert exc.orderId == trade.id and exc.caller == buyer
    assert exc.fields == {"orderId": trade.id, "caller": buyer}
    assert exc.contract == "TradeEscrow"
    assert exc.preflight is False


def test_preflight_raises_the_contracts_own_error(client, trade, buyer):
    client.register(trade)
    client.preflight = False
    with pytest.raises(client_module.OrderUnauthorized) as on_chain:
        client.accept(trade, by=buyer)
    client.preflight = True
    with pytest.raises(client_module.OrderUnauthorized) as before:
        client.accept(trade, by=buyer)
    assert before.value.preflight is True
    assert before.value.fields == on_chain.value.fields


def test_preflight_refuses_an_arbitrator_with_no_code(client, buyer, seller, carrier, judge):
    """An order naming an account with no code as its arbitrator could never be disputed: the
    buyer's client refuses to register or fund it (the escrow itself refuses only zero)."""
    trade = client.new_trade(
        buyer=buyer, seller=seller, carrier=carrier, price="1 ETH", panel=[judge], arbitrator=judge
    )
    quote = client.sign_quote(trade)
    sent = client.w3.eth.get_transaction_count(buyer)
    for attempt in (lambda: client.fund(trade, quote=quote), lambda: client.register(trade)):
        with pytest.raises(client_module.OrderInvalidArbitrator) as info:
            attempt()
        assert info.value.preflight is True
        assert info.value.fields == {"arbitrator": judge}
    assert client.w3.eth.get_transaction_count(buyer) == sent
    assert client.state(trade).status == Status.NONE
    # without the preflight checks the escrow takes it: only the client guards this
    client.preflight = False
    client.fund(trade, quote=quote)
    assert client.state(trade).status == Status.FUNDED


def test_preflight_status_error_matches_the_contract(client, trade):
    client.register(trade)
    for preflight in (True, False):
        client.preflight = preflight
        with pytest.raises(client_module.OrderInvalidStatus) as info:
            client.confirm(trade)
        assert info.value.fields == {
            "orderId": trade.id,
            "current": int(Status.CREATED),
            "allowed": (1 << 3) | (1 << 4) | (1 << 5),
        }


def test_errors_with_several_fields(client, outsider):
    with pytest.raises(client_module.EscrowFeeTooHigh) as info:
        client.set_fee(300)
    assert (info.value.bps, info.value.cap) == (300, 200)
    with pytest.raises(client_module.AccessControlUnauthorizedAccount) as denied:
        client.pause(by=outsider)
    assert denied.value.account == outsider
    assert denied.value.neededRole == b"\x00" * 32


def test_tracker_error(client, trade, outsider):
    client.fund(trade, quote=client.sign_quote(trade))
    with pytest.raises(client_module.TrackerUnauthorized) as info:
        client.checkpoint(trade, CheckpointKind.PICKED_UP, by=outsider, location="CNSHA")
    assert info.value.fields == {"orderId": trade.id, "actor": outsider, "kind": 2}
    assert info.value.contract == "LogisticsTracker"


def test_locally_signed_accounts(client, trade, chain):
    """Accounts the client holds keys for sign their own transactions (as on a real network)."""
    payer = client.new_account("payer", eth="3")
    assert client.balance(payer) == 3 * 10**18
    other = client.new_trade(
        buyer=payer,
        seller=trade.order.seller,
        carrier=trade.terms.carrier,
        price="1 ETH",
        incoterm=Incoterm.FOB,
        panel=trade.terms.panel,
    )
    result = client.fund(other, quote=client.sign_quote(other))
    assert result.sender == payer
    assert client.status(other) == Status.FUNDED
    with pytest.raises(client_module.OrderInvalidStatus):
        client.fund(other, quote=client.sign_quote(other))


def test_withdraw_nothing_owed_is_refused(client, seller):
    with pytest.raises(client_module.EscrowNothingToWithdraw) as info:
        client.withdraw("ETH", by=seller)
    assert info.value.preflight
    client.preflight = False
    with pytest.raises(client_module.EscrowNothingToWithdraw) as on_chain:
        client.withdraw("ETH", by=seller)
    assert on_chain.value.fields == info.value.fields


# ---------------------------------------------------------------------------- decoding


ABIS = {
    "X": [
        {
            "type": "error",
            "name": "OrderUnauthorized",
            "inputs": [
                {"name": "orderId", "type": "bytes32"},
                {"name": "caller", "type": "address"},
            ],
        }
    ]
}
SELECTOR = keccak(text="OrderUnauthorized(bytes32,address)")[:4]
DATA = SELECTOR + encode(["bytes32", "address"], [b"\x01" * 32, "0x" + "ab" * 20])


def test_decoder_names_and_fields():
    exc = ErrorDecoder(ABIS).decode(DATA)
    assert exc.name == "OrderUnauthorized"
    assert exc.orderId == b"\x01" * 32
    assert exc.caller == "0x" + "Ab" * 20 or exc.caller.lower() == "0x" + "ab" * 20


def test_decoder_unknown_and_standard_errors():
    decoder = ErrorDecoder(ABIS)
    assert isinstance(decoder.decode(b"\xde\xad\xbe\xef"), UnknownRevert)
    assert isinstance(decoder.decode(b""), UnknownRevert)
    message = decoder.decode(keccak(text="Error(string)")[:4] + encode(["string"], ["nope"]))
    assert message.name == "Error" and message.fields == {"message": "nope"}
    panic = decoder.decode(keccak(text="Panic(uint256)")[:4] + encode(["uint256"], [0x11]))
    assert panic.name == "Panic" and panic.code == 0x11


def test_revert_data_from_eth_tester_exception():
    from eth_tester.exceptions import TransactionFailed

    assert revert_data(TransactionFailed(f"execution reverted: {DATA!r}")) == DATA


def test_revert_data_from_web3_exceptions():
    from web3.exceptions import ContractCustomError, ContractLogicError, Web3RPCError

    assert revert_data(ContractCustomError("0x" + DATA.hex(), data="0x" + DATA.hex())) == DATA
    assert revert_data(ContractLogicError("execution reverted", data="0x" + DATA.hex())) == DATA
    rpc = Web3RPCError(
        "execution reverted",
        rpc_response={
            "error": {"code": 3, "message": "execution reverted", "data": "0x" + DATA.hex()}
        },
    )
    assert revert_data(rpc) == DATA
    assert revert_data(ValueError("not a revert")) is None


def test_timeline_prints_as_a_table(client, trade):
    from rich.console import Console

    client.fund(trade, quote=client.sign_quote(trade))
    client.checkpoint(trade, "picked_up", location="NLRTM", document="BL-9")
    console = Console(record=True, width=160)
    client.print_timeline(trade.id_hex, console=console)
    text = console.export_text()
    for word in ("registered", "funded", "picked_up", "NLRTM", "1.5 ETH into escrow"):
        assert word in text


def test_order_view(client, trade):
    from decimal import Decimal

    client.fund(trade, quote=client.sign_quote(trade))
    view = client.order(trade.id_hex)
    assert view.trade == trade and view.status == Status.FUNDED
    assert view.price == Decimal("1.5") and view.token_symbol == "ETH"
    assert view.amounts["locked"] == Decimal("1.5")
    assert view.amounts["seller_received"] == 0


@pytest.mark.parametrize(
    "milestones,panel_size,valid_until,token",
    [
        ({}, 0, 0, None),
        ({"picked_up": "10%", "loaded": "20%", "arrived": "30%", "delivered": "40%"}, 1, 0, None),
        ({"out_for_delivery": "0.01%"}, 3, 2**40, "USDC"),
    ],
    ids=["bare", "four-milestones", "token-valid-until"],
)
def test_hashes_match_the_contract_for_every_shape(
    client, buyer, seller, carrier, arbitrators, milestones, panel_size, valid_until, token
):
    if token:
        client.deploy_token(token, 6)
    trade = client.new_trade(
        buyer=buyer,
        seller=seller,
        carrier=carrier,
        price=f"12.5 {token or 'ETH'}",
        incoterm="DDP",
        milestones=milestones,
        panel=arbitrators[:panel_size],
        valid_until=valid_until,
        nonce=2**256 - 1,
        document=None,
    )
    escrow = client.escrow.functions
    assert bytes(escrow.hashTerms(trade.terms.as_tuple()).call()) == trade.terms_hash
    assert bytes(escrow.orderId(trade.order.as_tuple(), trade.terms_hash).call()) == trade.id
    assert client.sign_quote(trade).digest == bytes(escrow.quoteDigest(trade.id).call())


def test_default_panel_is_set_once_with_named_refusals(client, arbitrators):
    for member in arbitrators:
        client.register_arbitrator(member)
    assert client.default_panel() == []
    with pytest.raises(ContractRevert) as even:
        client.set_default_panel(arbitrators[:2])
    assert (even.value.name, even.value.fields["size"]) == ("ArbitrationInvalidPanel", 2)
    client.set_default_panel(arbitrators)
    assert client.default_panel() == arbitrators
    assert client.arbitration.functions.arbitrationCost(b"").call() > 0
    with pytest.raises(ContractRevert) as again:
        client.set_default_panel(arbitrators)
    assert again.value.name == "ArbitrationDefaultPanelAlreadySet"
    assert again.value.preflight is True
