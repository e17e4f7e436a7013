// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IEscrowEvents} from "./interfaces/IEscrowEvents.sol";
import {IOrderRegistry} from "./interfaces/IOrderRegistry.sol";
import {OrderStorage} from "./OrderStorage.sol";
import {Reputation} from "./Reputation.sol";
import {OrderForm} from "./libraries/OrderForm.sol";
import {Order, OrderState, Stage, Status, Incoterm} from "./types/TradeTypes.sol";

/// @title Escrow core
/// @notice The escrow's state and the helpers both of its halves use. TradeEscrow (the hot paths) and
/// EscrowDisputes (the dispute module, run by delegatecall in TradeEscrow's storage) both inherit exactly this
/// contract and declare no storage of their own, so their storage layouts are identical by construction
/// (tests/contracts/test_escrow_split.py compares solc's storageLayout of both). Immutables are not storage:
/// each half keeps its own.
abstract contract EscrowCore is AccessControl, Reputation, OrderStorage, ReentrancyGuardTransient, IEscrowEvents {
    // ---------------------------------------------------------------- types

    /// @dev What a ruling needs, stored when a dispute goes to the arbitrator (the ruling arrives with only the
    /// dispute's identifier). Three slots; the token slot stays empty for ETH. Kept after a settlement or a ruling
    /// timeout ended the order (`endedShare` set), so that a fee the arbitrator refunds later still finds its
    /// parties; deleted when the ruling arrives.
    struct DisputeContext {
        address buyer; //          the order's buyer
        uint96 amount; //          the disputed amount: what was still locked
        address seller; //         the order's seller
        uint96 secondDeposit; //   what the second payer paid (the arbitrator's cost when the dispute was created)
        address token; //          the order's token
        uint80 feeRefund; //       arbitration fee the arbitrator refunded before the ruling, split with it
        uint16 endedShare; //      0 while disputed; 1 + the buyer's share once a settlement or timeout ended it
    }

    /// @dev A settlement on the table: `buyerShareBps` of what is still locked back to the buyer. One slot.
    struct Settlement {
        address proposer; //       the party that proposed it (zero: none)
        uint16 buyerShareBps; //   the buyer's share of what is still locked
    }

    // ---------------------------------------------------------------- constants

    /// @dev Gas given to an ETH payout push; enough for a multisig's receive, too little to do harm.
    uint256 internal constant ETH_PUSH_GAS = 35_000;
    /// @dev Gas given to an ERC-20 payout push (hooks included).
    uint256 internal constant TOKEN_PUSH_GAS = 120_000;
    /// @dev Gas kept back to credit a payout whose push failed.
    uint256 internal constant PUSH_RESERVE = 40_000;
    /// @dev ERC-792 choices: ruling r in 1..10001 gives the buyer r-1 basis points of the disputed amount.
    uint256 internal constant RULING_CHOICES = BPS + 1;
    /// @dev Bounds of the arbitration fee timeout.
    uint256 internal constant MIN_FEE_TIMEOUT = 1 hours;
    uint256 internal constant MAX_FEE_TIMEOUT = 30 days;
    /// @dev {_refundCheck} answers.
    uint256 internal constant REFUND_DUE = 0;
    uint256 internal constant REFUND_NOT_YET = 1;
    uint256 internal constant REFUND_WINDOW_CLOSED = 2;
    uint256 internal constant REFUND_ON_TIME = 3;
    uint256 internal constant REFUND_RISK_WITH_BUYER = 4;

    // ---------------------------------------------------------------- state

    /// @dev What each account may withdraw, per token.
    mapping(address account => mapping(address token => uint256)) internal _owed;
    /// @dev The context of each order's dispute while it is with the arbitrator.
    mapping(bytes32 orderId => DisputeContext) internal _disputes;
    /// @dev The order of each arbitrator's dispute.
    mapping(address arbitrator => mapping(uint256 disputeId => bytes32 orderId)) internal _disputeOrders;
    /// @dev The settlement proposed on each order, if any.
    mapping(bytes32 orderId => Settlement) internal _settlements;

    // ---------------------------------------------------------------- constructor

    constructor() OrderStorage("Tradelane TradeEscrow", "1") {}

    // ---------------------------------------------------------------- internal: payouts

    /// @dev Credits the platform fee to the treasury.
    function _payFee(address token, uint256 fee) internal {
        if (fee != 0) _owed[_treasury][token] += fee;
    }

    /// @dev Pushes `amount` to `to` with a gas cap; credits it for withdrawal if the push fails.
    function _pay(address to, address token, uint256 amount) internal {
        if (amount == 0) return;
        uint256 cap = token == address(0) ? ETH_PUSH_GAS : TOKEN_PUSH_GAS;
        // A push must get its whole cap, or a caller could starve it on purpose to force a credit.
        uint256 needed = cap + PUSH_RESERVE;
        if (gasleft() < needed) revert EscrowInsufficientGas(gasleft(), needed);
        bool ok;
        if (token == address(0)) {
            assembly ("memory-safe") {
                ok := call(cap, to, amount, 0, 0, 0, 0)
            }
        } else {
            ok = _tryTransfer(token, to, amount, cap);
        }
        if (!ok) {
            _owed[to][token] += amount;
            emit PaymentDeferred(to, token, amount);
        }
    }

    /// @dev `IERC20.transfer` with a gas cap, ignoring return data past one word; true when the token accepted
    /// it (returned true, or returned nothing and has code).
    function _tryTransfer(address token, address to, uint256 amount, uint256 cap) internal returns (bool ok) {
        bytes memory data = abi.encodeCall(IERC20.transfer, (to, amount));
        assembly ("memory-safe") {
            mstore(0, 0)
            let success := call(cap, token, 0, add(data, 0x20), mload(data), 0, 0x20)
            let size := returndatasize()
            ok := and(success, or(and(iszero(size), gt(extcodesize(token), 0)), and(gt(size, 31), eq(mload(0), 1))))
        }
    }

    // ---------------------------------------------------------------- internal: checks and arithmetic

    /// @dev The caller must be the order's buyer or seller; returns whether it is the buyer.
    function _requireParty(bytes32 id, Order calldata order) internal view returns (bool byBuyer) {
        byBuyer = msg.sender == order.buyer;
        if (!byBuyer && msg.sender != order.seller) revert IOrderRegistry.OrderUnauthorized(id, msg.sender);
    }

    /// @dev The part of `price` released at cumulative share `bps`. Tranches are differences of this, so they
    /// add up to the price exactly.
    function _released(uint256 price, uint256 bps) internal pure returns (uint256) {
        return price * bps / BPS;
    }

    /// @dev Splits a seller's amount into what the seller receives and the platform fee.
    function _split(uint256 amount, uint256 feeBps_) internal pure returns (uint256 toSeller, uint256 fee) {
        fee = amount * feeBps_ / BPS;
        toSeller = amount - fee;
    }

    /// @dev Why a refund is or is not due, with the deadline that matters: a missed ship-by (no pickup by then,
    /// or a late one) refunds in full under any Incoterm; a missed deliver-by under DAP, DPU or DDP refunds what
    /// was not released; after delivery either stays the buyer's choice during the inspection window (which does
    /// not run on hold). The caller checked that the order is active.
    function _refundCheck(OrderState storage state, bytes calldata form)
        internal
        view
        returns (uint256 why, uint256 deadline)
    {
        uint256 fundedAt = state.fundedAt;
        bool late = state.pickedUpLate;
        uint8 incoterm = OrderForm.incoterm(form);
        bool dTerm = incoterm >= uint8(Incoterm.DAP) && incoterm <= uint8(Incoterm.DDP);
        if (state.status == Status.Delivered) {
            if (!state.onHold) {
                deadline = uint256(state.deliveredAt) + OrderForm.inspectionWindow(form);
                if (block.timestamp > deadline) return (REFUND_WINDOW_CLOSED, deadline);
            }
            if (late || (dTerm && !state.deliveredOnTime)) return (REFUND_DUE, deadline);
            return (dTerm ? REFUND_ON_TIME : REFUND_RISK_WITH_BUYER, 0);
        }
        if (late || state.stage < Stage.PickedUp) {
            deadline = fundedAt + OrderForm.shipWithin(form);
            if (block.timestamp > deadline) return (REFUND_DUE, deadline);
            return (REFUND_NOT_YET, deadline);
        }
        if (!dTerm) return (REFUND_RISK_WITH_BUYER, 0);
        deadline = fundedAt + OrderForm.deliverWithin(form);
        return (block.timestamp > deadline ? REFUND_DUE : REFUND_NOT_YET, deadline);
    }
}
