// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IOrderRegistry} from "./IOrderRegistry.sol";
import {IReputation} from "./IReputation.sol";
import {IArbitrable} from "./IArbitrable.sol";
import {IEvidence} from "./IEvidence.sol";
import {Order, Terms, Permit, Stage} from "../types/TradeTypes.sol";

/// @title Trade escrow
/// @notice Holds each order's money, releases it as the goods move, refunds missed deadlines, executes rulings
/// and takes the platform fee. Payouts are pushed with a gas cap; a payout that fails is credited to its
/// receiver, who withdraws it (so no receiver can block anyone else's payout).
interface ITradeEscrow is IOrderRegistry, IReputation, IArbitrable, IEvidence {
    // ---------------------------------------------------------------- errors

    /// @notice The ETH sent (`sent`) is not what the call requires (`expected`).
    error EscrowWrongPayment(bytes32 orderId, uint256 sent, uint256 expected);
    /// @notice The token delivered `received` instead of `expected` (a fee-on-transfer token): refused.
    error EscrowTokenShortfall(bytes32 orderId, uint256 received, uint256 expected);
    /// @notice The deadline this call waits for (`deadline`) has not passed yet.
    error EscrowDeadlineNotReached(bytes32 orderId, uint256 deadline);
    /// @notice The deadline this call had to meet (`deadline`) has passed.
    error EscrowDeadlinePassed(bytes32 orderId, uint256 deadline);
    /// @notice Risk passed to the buyer in transit under this Incoterm: a late delivery is no ground for a refund.
    error EscrowRiskWithBuyer(bytes32 orderId, uint8 incoterm);
    /// @notice A customs hold is in force: milestone release and settlement wait for its release.
    error EscrowOnHold(bytes32 orderId);
    /// @notice The platform fee `bps` exceeds the cap of `cap` basis points.
    error EscrowFeeTooHigh(uint256 bps, uint256 cap);
    /// @notice The fee timeout must lie between `min` and `max` seconds.
    error EscrowInvalidFeeTimeout(uint256 timeout, uint256 min, uint256 max);
    /// @notice `account` is owed nothing in `token`.
    error EscrowNothingToWithdraw(address account, address token);
    /// @notice The caller is not the arbitrator of dispute `disputeId` in any order.
    error EscrowUnknownDispute(address arbitrator, uint256 disputeId);
    /// @notice A ruling must lie in 0..10001 (0: no ruling, an even split; r: a buyer share of r-1 basis points).
    error EscrowInvalidRuling(uint256 ruling);
    /// @notice Only the logistics tracker may report checkpoints.
    error EscrowOnlyTracker(address caller);
    /// @notice The tracker given to the constructor does not point back at this escrow.
    error EscrowTrackerMismatch(address tracker, address trackerEscrow);
    /// @notice A zero address where an account is needed.
    error EscrowZeroAddress();
    /// @notice Stages only move forward: `next` is not after `current`.
    error EscrowStageNotForward(bytes32 orderId, Stage current, Stage next);
    /// @notice The other party already paid its arbitration fee: the dispute is with the arbitrator.
    error EscrowFeeAlreadyPaid(bytes32 orderId);
    /// @notice The arbitrator returned a dispute identifier it already gave another order; refused, so that no
    /// order's dispute is overwritten (the opener can still win by the other party's fee default).
    error EscrowDisputeIdTaken(address arbitrator, uint256 disputeId);
    /// @notice The transaction has too little gas left to push a payout safely; send it with more gas.
    error EscrowInsufficientGas(uint256 left, uint256 needed);
    /// @notice The seller may not open a dispute while the buyer's refund is due: the buyer's right comes first.
    error EscrowRefundDue(bytes32 orderId);
    /// @notice The order was delivered on time: no refund is due.
    error EscrowNoRefundDue(bytes32 orderId);
    /// @notice The hold is already in that state (a second hold, or a release without a hold).
    error EscrowHoldUnchanged(bytes32 orderId, bool onHold);
    /// @notice The dispute is not with the arbitrator (its other fee is not paid yet, or it already is).
    error EscrowNotWithArbitrator(bytes32 orderId);

    // ---------------------------------------------------------------- events

    /// @notice The buyer's money is in escrow.
    event OrderFunded(bytes32 indexed orderId, uint256 amount);
    /// @notice A milestone tranche was released: `toSeller` paid or credited to the seller, `fee` to the treasury.
    event MilestoneReleased(bytes32 indexed orderId, Stage indexed stage, uint256 toSeller, uint256 fee);
    /// @notice The order completed: the rest of the price released to the seller.
    event OrderCompleted(bytes32 indexed orderId, uint256 toSeller, uint256 fee);
    /// @notice A missed deadline gave the buyer back what had not been released.
    event OrderRefunded(bytes32 indexed orderId, uint256 toBuyer);
    /// @notice A party opened a dispute and paid its arbitration fee; the other must pay by `feeDeadline`.
    event DisputeOpened(bytes32 indexed orderId, address indexed by, uint256 fee, uint256 feeDeadline);
    /// @notice The other party paid too: the dispute went to the arbitrator.
    event DisputeCreated(bytes32 indexed orderId, address indexed arbitrator, uint256 indexed disputeId);
    /// @notice The dispute ended: by a ruling, or by default of the party that did not pay its fee.
    event DisputeResolved(
        bytes32 indexed orderId, uint256 buyerShareBps, uint256 toBuyer, uint256 toSeller, uint256 fee, bool byDefault
    );
    /// @notice A push payout failed and was credited to `to` instead; it is withdrawable.
    event PaymentDeferred(address indexed to, address indexed token, uint256 amount);
    /// @notice `account` withdrew what it was owed to `to`.
    event Withdrawn(address indexed account, address indexed token, address to, uint256 amount);
    /// @notice The operator changed the platform fee for future orders.
    event FeeChanged(uint256 bps);
    /// @notice The operator changed the treasury that receives fees.
    event TreasuryChanged(address treasury);
    /// @notice The operator changed the arbitration fee timeout for future disputes.
    event FeeTimeoutChanged(uint256 timeout);
    /// @notice The arbitrator did not rule by the order's ruling deadline; the dispute ended with an even split.
    event RulingTimedOut(bytes32 indexed orderId, uint256 deadline);

    // ---------------------------------------------------------------- views

    /// @notice What `account` may withdraw in `token`.
    function owed(address account, address token) external view returns (uint256);

    /// @notice The platform fee in basis points for orders registered now.
    function feeBps() external view returns (uint256);

    /// @notice The account fees are credited to.
    function treasury() external view returns (address);

    /// @notice Seconds the other party has to pay its arbitration fee once a dispute is opened.
    function feeTimeout() external view returns (uint256);

    /// @notice The logistics tracker that reports checkpoints.
    function tracker() external view returns (address);

    /// @notice The order a dispute of `arbitrator` belongs to (zero if none).
    function disputeOrder(address arbitrator, uint256 disputeId) external view returns (bytes32);

    // ---------------------------------------------------------------- funding

    /// @notice The buyer funds an accepted order (ETH in `msg.value`, or an ERC-20 the buyer approved).
    function fund(Order calldata order, bytes32 termsHash) external payable;

    /// @notice The buyer funds an accepted ERC-20 order with an EIP-2612 permit in the same transaction.
    function fundWithPermit(Order calldata order, bytes32 termsHash, Permit calldata permit) external;

    /// @notice The buyer registers and funds a seller's signed quote in one transaction.
    /// @param signature The seller's signature over {quoteDigest} (EOA or ERC-1271).
    function fundWithQuote(Order calldata order, Terms calldata terms, string calldata termsURI, bytes calldata signature)
        external
        payable
        returns (bytes32 id);

    /// @notice {fundWithQuote} for an ERC-20 with EIP-2612 permit: no separate approval.
    function fundWithQuoteAndPermit(
        Order calldata order,
        Terms calldata terms,
        string calldata termsURI,
        bytes calldata signature,
        Permit calldata permit
    ) external returns (bytes32 id);

    // ---------------------------------------------------------------- settlement

    /// @notice The buyer confirms receipt (early, or within the inspection window): the seller is paid.
    function confirm(Order calldata order, bytes32 termsHash) external;

    /// @notice Anyone settles a delivered order whose inspection window lapsed with no dispute: the seller is paid.
    function settle(Order calldata order, Terms calldata terms) external;

    /// @notice Refunds a missed deadline: not picked up by ship-by, or picked up after it (full refund), or,
    /// under DAP, DPU or DDP, not delivered by deliver-by (what was not released). Before delivery anyone may
    /// call it; once the goods are delivered (late) it is the buyer's choice, during the inspection window.
    function refund(Order calldata order, Terms calldata terms) external;

    /// @notice Whether the buyer's refund is due now (see {refund}).
    function refundDue(Order calldata order, Terms calldata terms) external view returns (bool);

    // ---------------------------------------------------------------- disputes

    /// @notice Buyer or seller opens a dispute, paying the arbitrator's cost in `msg.value`.
    /// @param evidence An ERC-1497 evidence text or URI (may be empty).
    function dispute(Order calldata order, Terms calldata terms, string calldata evidence) external payable;

    /// @notice The other party pays its arbitration fee; the dispute goes to the arbitrator.
    function payArbitrationFee(Order calldata order, Terms calldata terms) external payable;

    /// @notice Anyone ends a dispute whose other party did not pay its fee in time: the opener wins in full.
    function enforceFeeTimeout(Order calldata order, bytes32 termsHash) external;

    /// @notice Anyone ends a dispute the arbitrator did not rule on by the order's ruling deadline (the terms'
    /// rulingTimeout after the dispute went to the arbitrator): an even split, as a refusal to rule.
    function enforceRulingTimeout(Order calldata order, bytes32 termsHash) external;

    /// @notice Buyer or seller submits ERC-1497 evidence while the dispute is open.
    function submitEvidence(Order calldata order, Terms calldata terms, string calldata evidence) external;

    // ---------------------------------------------------------------- withdrawals

    /// @notice Withdraws everything the caller is owed in `token` to the caller.
    function withdraw(address token) external;

    /// @notice Withdraws everything the caller is owed in `token` to `to` (for receivers that cannot take it).
    function withdrawTo(address token, address to) external;

    // ---------------------------------------------------------------- tracker hooks

    /// @notice Reports a forward stage of one track (the carrier's transport stages, or customs' clearances)
    /// and releases the tranches it makes due, unless held, disputed, or picked up late.
    /// @param schedule The order's milestones packed by the tracker: 24 bits each, stage in the low 8, share above.
    /// @param windows The order's shipWithin (low 32 bits) and deliverWithin (next 32 bits), to tell whether a
    /// pickup and a delivery were on time.
    function onStage(Order calldata order, bytes32 termsHash, Stage stage, uint256 schedule, uint256 windows)
        external;

    /// @notice Reports a customs hold (`hold` true) or its release; a release pays the tranches held back and,
    /// after delivery, restarts the inspection window in full.
    function onHold(Order calldata order, bytes32 termsHash, bool hold, uint256 schedule) external;

    // ---------------------------------------------------------------- operator

    /// @notice Sets the platform fee for orders registered from now on (at most 200 basis points; an order whose
    /// terms cap the fee lower cannot be registered while it is higher).
    function setFee(uint256 bps) external;

    /// @notice Sets the account future fees are credited to.
    function setTreasury(address treasury) external;

    /// @notice Sets the arbitration fee timeout for orders funded from now on (each order keeps its own).
    function setFeeTimeout(uint256 timeout) external;

    /// @notice Pauses new registrations and funding. Nothing else stops.
    function pause() external;

    /// @notice Lifts a pause.
    function unpause() external;
}
