// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IOrderRegistry} from "./interfaces/IOrderRegistry.sol";
import {OrderStorage} from "./OrderStorage.sol";
import {OrderHashing} from "./libraries/OrderHashing.sol";
import {Order, Terms, Milestone, OrderState, Stage, Status, Incoterm} from "./types/TradeTypes.sol";

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
    function register(Order calldata order, Terms calldata terms, string calldata termsURI)
        external
        whenNotPaused
        returns (bytes32 id)
    {
        // Check: the buyer registers, the seller accepts.
        id = OrderHashing.hashOrder(order, OrderHashing.hashTerms(terms));
        if (msg.sender != order.buyer) revert OrderUnauthorized(id, msg.sender);
        // Effect:
        _register(id, order, terms, termsURI).status = Status.Created;
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
    function _register(bytes32 id, Order calldata order, Terms calldata terms, string calldata termsURI)
        internal
        returns (OrderState storage state)
    {
        state = _orders[id];
        // Check:
        _requireStatus(id, state.status, S_NONE);
        _validate(id, order, terms);
        uint8 fee = _feeBps;
        if (fee > terms.maxFeeBps) revert OrderFeeAboveCap(fee, terms.maxFeeBps);
        // Effect:
        state.feeBps = fee;
        emit OrderRegistered(id, order.buyer, order.seller, _packed(order, terms, riskStage(terms.incoterm), fee));
        if (bytes(termsURI).length != 0) emit TermsDocument(id, termsURI);
    }

    /// @dev The order's fields, packed for the registration event (layout in {IOrderRegistry-OrderRegistered}).
    /// Written word by word: each store's unused tail is overwritten by the next field.
    function _packed(Order calldata order, Terms calldata terms, Stage risk, uint8 fee)
        private
        pure
        returns (bytes memory out)
    {
        Milestone[] calldata ms = terms.milestones;
        bytes calldata extra = terms.arbitratorExtraData;
        address[] calldata customs = terms.customs;
        address[] calldata inspectors = terms.inspectors;
        uint256 m = ms.length;
        uint256 lists = 178 + 3 * m;
        out = new bytes(lists + 20 * (customs.length + inspectors.length) + extra.length);
        uint256 head = uint256(uint160(terms.carrier)) << 96;
        uint256 windows = (uint256(terms.incoterm) << 248) | (uint256(terms.shipWithin) << 216)
            | (uint256(terms.deliverWithin) << 184) | (uint256(terms.inspectionWindow) << 152)
            | (uint256(terms.validUntil) << 88);
        uint256 tail = (uint256(uint8(risk)) << 248) | (uint256(fee) << 240) | (uint256(terms.maxFeeBps) << 224)
            | (uint256(terms.rulingTimeout) << 192) | (m << 184) | (customs.length << 176) | (inspectors.length << 168);
        address token = order.token;
        uint96 price = order.price;
        uint256 nonce = terms.nonce;
        bytes32 document = terms.documentHash;
        // origin (5 bytes) then destination (5 bytes), left-aligned like the bytes5 they are.
        uint256 route = uint256(bytes32(terms.origin)) | (uint256(bytes32(terms.destination)) >> 40);
        address arbitrator = terms.arbitrator;
        assembly ("memory-safe") {
            let p := add(out, 0x20)
            mstore(p, or(shl(96, token), price))
            mstore(add(p, 32), head)
            mstore(add(p, 52), shl(96, arbitrator))
            mstore(add(p, 72), windows)
            mstore(add(p, 93), nonce)
            mstore(add(p, 125), document)
            mstore(add(p, 157), route)
            mstore(add(p, 167), tail)
        }
        for (uint256 i; i < m; ++i) {
            uint256 entry = (uint256(ms[i].stage) << 16 | ms[i].bps) << 232;
            assembly ("memory-safe") {
                mstore(add(add(out, 0x20), add(178, mul(3, i))), entry)
            }
        }
        uint256 at = lists;
        for (uint256 i; i < customs.length; ++i) {
            address who = customs[i];
            assembly ("memory-safe") {
                mstore(add(add(out, 0x20), at), shl(96, who))
            }
            at += 20;
        }
        for (uint256 i; i < inspectors.length; ++i) {
            address who = inspectors[i];
            assembly ("memory-safe") {
                mstore(add(add(out, 0x20), at), shl(96, who))
            }
            at += 20;
        }
        assembly ("memory-safe") {
            calldatacopy(add(add(out, 0x20), at), extra.offset, extra.length)
        }
    }

    /// @dev Checks the terms a party proposes.
    function _validate(bytes32 id, Order calldata order, Terms calldata terms) private view {
        if (
            order.buyer == address(0) || order.seller == address(0) || terms.carrier == address(0)
                || order.buyer == order.seller
        ) revert OrderInvalidParties(order.buyer, order.seller, terms.carrier);
        if (order.price == 0) revert OrderInvalidPrice(order.price);
        if (terms.incoterm > uint8(type(Incoterm).max)) revert OrderInvalidIncoterm(terms.incoterm);
        if (terms.shipWithin == 0 || terms.deliverWithin < terms.shipWithin) {
            revert OrderInvalidWindows(terms.shipWithin, terms.deliverWithin);
        }
        if (terms.validUntil != 0 && block.timestamp > terms.validUntil) revert OrderExpired(id, terms.validUntil);
        if (terms.arbitrator == address(0)) revert OrderInvalidArbitrator(terms.arbitrator);
        uint256 timeout = terms.rulingTimeout;
        if (timeout != 0 && (timeout < MIN_RULING_TIMEOUT || timeout > MAX_RULING_TIMEOUT)) {
            revert OrderInvalidRulingTimeout(timeout, MIN_RULING_TIMEOUT, MAX_RULING_TIMEOUT);
        }
        if (terms.customs.length > MAX_RECORDERS || terms.inspectors.length > MAX_RECORDERS) {
            revert OrderInvalidRecorders(terms.customs.length, terms.inspectors.length, MAX_RECORDERS);
        }
        Milestone[] calldata ms = terms.milestones;
        if (ms.length > MAX_MILESTONES) revert OrderInvalidMilestone(MAX_MILESTONES, 0, 0);
        uint256 total;
        uint256 previous = uint256(Stage.Booked);
        for (uint256 i; i < ms.length; ++i) {
            Milestone calldata m = ms[i];
            total += m.bps;
            if (m.stage <= previous || m.stage > uint8(Stage.Delivered) || m.bps == 0 || total > BPS) {
                revert OrderInvalidMilestone(i, m.stage, m.bps);
            }
            previous = m.stage;
        }
    }
}
