// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IOrderRegistry} from "./interfaces/IOrderRegistry.sol";
import {OrderStorage} from "./OrderStorage.sol";
import {OrderHashing} from "./libraries/OrderHashing.sol";
import {OrderForm} from "./libraries/OrderForm.sol";
import {Order, Terms, OrderState, Stage, Status, Incoterm} from "./types/TradeTypes.sol";

/// @title Order registry
/// @notice Registration, acceptance and cancellation of orders, and the one guard of their state machine. An
/// order is committed by its identifier (the EIP-712 struct hash of all its fields) and its live state is one
/// storage slot; the full fields travel in calldata and in the registration event.
/// @dev Holds no state of its own: the registry's state is {OrderStorage}'s, which the escrow's disputes module
/// shares without these functions.
abstract contract OrderRegistry is IOrderRegistry, OrderStorage {
    // ---------------------------------------------------------------- external views

    /// @inheritdoc IOrderRegistry
    function orderId(Order calldata order, bytes32 termsHash) external pure returns (bytes32) {
        return OrderHashing.hashOrder(order, termsHash);
    }

    /// @inheritdoc IOrderRegistry
    function hashTerms(Terms calldata terms) external pure returns (bytes32) {
        return OrderHashing.hashTerms(terms);
    }

    /// @inheritdoc IOrderRegistry
    function orderFormId(bytes calldata order) external pure returns (bytes32 id, bytes32 termsHash) {
        OrderForm.check(order);
        return OrderForm.ids(order);
    }

    /// @inheritdoc IOrderRegistry
    function quoteDigest(bytes32 id) external view returns (bytes32) {
        return _hashTypedDataV4(id);
    }

    /// @inheritdoc IOrderRegistry
    function orderState(bytes32 id) external view returns (OrderState memory) {
        return _orders[id];
    }

    /// @inheritdoc IOrderRegistry
    function riskStage(uint8 incoterm) public pure returns (Stage) {
        if (incoterm > uint8(type(Incoterm).max)) revert OrderInvalidIncoterm(incoterm);
        Incoterm rule = Incoterm(incoterm);
        // EXW: at the buyer's disposal at the seller's site, recorded when the buyer's carrier picks up;
        // FCA, CPT, CIP: at handover to the (first) carrier.
        if (rule <= Incoterm.CIP) return Stage.PickedUp;
        // DAP, DPU, DDP: at destination.
        if (rule <= Incoterm.DDP) return Stage.Delivered;
        // FAS: alongside the vessel, after export clearance.
        if (rule == Incoterm.FAS) return Stage.ExportCleared;
        // FOB, CFR, CIF: on board at the port of loading.
        return Stage.Loaded;
    }

    // ---------------------------------------------------------------- external mutating

    /// @inheritdoc IOrderRegistry
    function register(bytes calldata order, string calldata termsURI) external whenNotPaused returns (bytes32 id) {
        // Check: the buyer registers, the seller accepts.
        Order calldata head = OrderForm.open(order);
        id = OrderForm.id(order);
        if (msg.sender != head.buyer) revert OrderUnauthorized(id, msg.sender);
        // Effect:
        _register(id, head, order, termsURI).status = Status.Created;
    }

    /// @inheritdoc IOrderRegistry
    function accept(Order calldata order, bytes32 termsHash) external whenNotPaused {
        bytes32 id = OrderHashing.hashOrder(order, termsHash);
        OrderState storage state = _orders[id];
        // Check:
        if (msg.sender != order.seller) revert OrderUnauthorized(id, msg.sender);
        _requireStatus(id, state.status, S_CREATED);
        // Effect:
        state.status = Status.Accepted;
        emit OrderAccepted(id);
    }

    /// @inheritdoc IOrderRegistry
    function cancel(Order calldata order, bytes32 termsHash) external {
        bytes32 id = OrderHashing.hashOrder(order, termsHash);
        OrderState storage state = _orders[id];
        // Check: either party, before funding; an unused quote has no state yet.
        if (msg.sender != order.buyer && msg.sender != order.seller) revert OrderUnauthorized(id, msg.sender);
        _requireStatus(id, state.status, S_NONE | S_CREATED | S_ACCEPTED);
        // Effect:
        state.status = Status.Cancelled;
        emit OrderCancelled(id, msg.sender);
    }

    // ---------------------------------------------------------------- internal

    /// @dev Validates a new order, snapshots the platform fee and emits its fields. The caller sets the status.
    function _register(bytes32 id, Order calldata order, bytes calldata form, string calldata termsURI)
        internal
        returns (OrderState storage state)
    {
        state = _orders[id];
        // Check:
        _requireStatus(id, state.status, S_NONE);
        _validate(id, order, form);
        uint8 fee = _feeBps;
        uint256 cap = OrderForm.maxFeeBps(form);
        if (fee > cap) revert OrderFeeAboveCap(fee, cap);
        // Effect:
        state.feeBps = fee;
        Stage risk = riskStage(OrderForm.incoterm(form));
        emit OrderRegistered(id, order.buyer, order.seller, OrderForm.packedForEvent(form, risk, fee));
        if (bytes(termsURI).length != 0) emit TermsDocument(id, termsURI);
    }

    /// @dev Checks the terms a party proposes.
    function _validate(bytes32 id, Order calldata order, bytes calldata form) private view {
        address carrier = OrderForm.carrier(form);
        if (
            order.buyer == address(0) || order.seller == address(0) || carrier == address(0)
                || order.buyer == order.seller
        ) revert OrderInvalidParties(order.buyer, order.seller, carrier);
        if (order.price == 0) revert OrderInvalidPrice(order.price);
        uint8 incoterm = OrderForm.incoterm(form);
        if (incoterm > uint8(type(Incoterm).max)) revert OrderInvalidIncoterm(incoterm);
        uint256 shipWithin = OrderForm.shipWithin(form);
        uint256 deliverWithin = OrderForm.deliverWithin(form);
        if (shipWithin == 0 || deliverWithin < shipWithin) {
            revert OrderInvalidWindows(uint32(shipWithin), uint32(deliverWithin));
        }
        uint256 validUntil = OrderForm.validUntil(form);
        if (validUntil != 0 && block.timestamp > validUntil) revert OrderExpired(id, uint64(validUntil));
        address arbitrator = OrderForm.arbitrator(form);
        if (arbitrator == address(0)) revert OrderInvalidArbitrator(arbitrator);
        uint256 timeout = OrderForm.rulingTimeout(form);
        if (timeout != 0 && (timeout < MIN_RULING_TIMEOUT || timeout > MAX_RULING_TIMEOUT)) {
            revert OrderInvalidRulingTimeout(timeout, MIN_RULING_TIMEOUT, MAX_RULING_TIMEOUT);
        }
        (uint256 m, uint256 customs, uint256 inspectors,) = OrderForm.counts(form);
        if (customs > MAX_RECORDERS || inspectors > MAX_RECORDERS) {
            revert OrderInvalidRecorders(customs, inspectors, MAX_RECORDERS);
        }
        if (m > MAX_MILESTONES) revert OrderInvalidMilestone(MAX_MILESTONES, 0, 0);
        uint256 total;
        uint256 previous = uint256(Stage.Booked);
        for (uint256 i; i < m; ++i) {
            (uint256 stage, uint256 bps) = OrderForm.milestone(form, i);
            total += bps;
            if (stage <= previous || stage > uint8(Stage.Delivered) || bps == 0 || total > BPS) {
                revert OrderInvalidMilestone(i, uint8(stage), uint16(bps));
            }
            previous = stage;
        }
    }
}
