// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Order, Terms, OrderState, Stage, Status} from "../types/TradeTypes.sol";

/// @title Order registry
/// @notice An order's terms are committed by its identifier (the EIP-712 struct hash of the order) and emitted
/// in full when it is registered; its live state is one storage slot.
interface IOrderRegistry {
    // ---------------------------------------------------------------- errors

    /// @notice The order is in `current`; the call needs one of the states in the bit mask `allowed`
    /// (bit i set: Status(i) allowed).
    error OrderInvalidStatus(bytes32 orderId, Status current, uint256 allowed);
    /// @notice `caller` may not do this to the order.
    error OrderUnauthorized(bytes32 orderId, address caller);
    /// @notice The order (or quote) was valid only until `validUntil`.
    error OrderExpired(bytes32 orderId, uint64 validUntil);
    /// @notice The quote's signature is not the seller's.
    error OrderInvalidSignature(bytes32 orderId, address seller);
    /// @notice Buyer, seller and carrier must be non-zero and buyer and seller distinct.
    error OrderInvalidParties(address buyer, address seller, address carrier);
    /// @notice The price must be above zero.
    error OrderInvalidPrice(uint96 price);
    /// @notice The incoterm is not one of the eleven of Incoterms 2020.
    error OrderInvalidIncoterm(uint8 incoterm);
    /// @notice Ship-by must be above zero and no later than deliver-by.
    error OrderInvalidWindows(uint32 shipWithin, uint32 deliverWithin);
    /// @notice Milestone `index` is invalid: at most four, stages from PickedUp to Delivered strictly increasing,
    /// each share above zero and all shares at most 10,000 basis points.
    error OrderInvalidMilestone(uint256 index, uint8 stage, uint16 bps);
    /// @notice The order names no arbitrator.
    error OrderInvalidArbitrator(address arbitrator);
    /// @notice The operator's platform fee is above the highest fee the seller accepted in the terms.
    error OrderFeeAboveCap(uint256 feeBps, uint256 maxFeeBps);
    /// @notice The terms' ruling timeout is outside the bounds (0 means the 180-day default).
    error OrderInvalidRulingTimeout(uint256 timeout, uint256 min, uint256 max);
    /// @notice The terms name too many customs authorities or inspectors, or a zero address among them.
    error OrderInvalidRecorders(uint256 customs, uint256 inspectors, uint256 max);
    /// @notice The order form is `length` bytes where its counts say `expected` (docs/CONTRACTS.md, "The order
    /// form"): 274 bytes of fixed fields, then 3 per milestone, 20 per customs authority and inspector, and the
    /// arbitrator's extra data.
    error OrderFormMalformed(uint256 length, uint256 expected);
    /// @notice The order form's first four words (buyer, seller, token, price) have non-zero bytes above the
    /// address or uint96 they hold.
    error OrderFormDirtyPadding();

    // ---------------------------------------------------------------- events

    /// @notice An order was registered (by the buyer, or by funding a seller's quote). `packed` carries every
    /// other field, so the order can be rebuilt from events, in 178 + 3m + 20(c + i) bytes plus the arbitrator's
    /// extra data: token (20), price (12), carrier (20), arbitrator (20), incoterm (1), shipWithin (4),
    /// deliverWithin (4), inspectionWindow (4), validUntil (8), nonce (32), documentHash (32), origin (5),
    /// destination (5: the route's UN/LOCODEs, zero when not given), riskStage (1: the {Stage} at which risk
    /// passes to the buyer under the Incoterm), feeBps (1: the platform fee snapshotted for the order),
    /// maxFeeBps (2), rulingTimeout (4), m (1), c (1), i (1), m milestones of stage (1) and bps (2), c customs
    /// (20 each), i inspectors (20 each), then arbitratorExtraData to the end.
    event OrderRegistered(bytes32 indexed orderId, address indexed buyer, address indexed seller, bytes packed);
    /// @notice Where the order's purchase-order document lives (logged at registration when a URI is given). The
    /// document must hash to the terms' `documentHash`, which the seller signed; the ERC-1497 MetaEvidence of a
    /// dispute names that hash.
    event TermsDocument(bytes32 indexed orderId, string uri);
    /// @notice The seller accepted a registered order.
    event OrderAccepted(bytes32 indexed orderId);
    /// @notice A party cancelled the order (or the seller withdrew an unused quote) before funding.
    event OrderCancelled(bytes32 indexed orderId, address indexed by);

    // ---------------------------------------------------------------- views

    /// @notice The order's identifier: its EIP-712 struct hash.
    function orderId(Order calldata order, bytes32 termsHash) external pure returns (bytes32);

    /// @notice The EIP-712 struct hash of `terms`.
    function hashTerms(Terms calldata terms) external pure returns (bytes32);

    /// @notice The identifier and terms hash of an order form (the `order` argument of the functions that take
    /// the terms); reverts with {OrderFormMalformed} or {OrderFormDirtyPadding} on a form no order has.
    function orderFormId(bytes calldata order) external pure returns (bytes32 id, bytes32 termsHash);

    /// @notice The EIP-712 digest a seller signs to quote `order` (the order identifier in this contract's domain).
    function quoteDigest(bytes32 id) external view returns (bytes32);

    /// @notice The live state of an order.
    function orderState(bytes32 id) external view returns (OrderState memory);

    /// @notice The stage at which risk passes to the buyer under `incoterm`.
    function riskStage(uint8 incoterm) external pure returns (Stage);

    // ---------------------------------------------------------------- mutating

    /// @notice The buyer registers an order; the seller then accepts it and the buyer funds it.
    /// @param order The order form: the order and its terms packed (docs/CONTRACTS.md, "The order form").
    /// @param termsURI Where the purchase-order document lives; logged as {TermsDocument} when not empty.
    /// @return id The order's identifier.
    function register(bytes calldata order, string calldata termsURI) external returns (bytes32 id);

    /// @notice The seller accepts a registered order.
    function accept(Order calldata order, bytes32 termsHash) external;

    /// @notice Buyer or seller cancels an order before it is funded. The seller may also cancel a quote that was
    /// never used, so that it can no longer be funded.
    function cancel(Order calldata order, bytes32 termsHash) external;
}
