// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Stage} from "../types/TradeTypes.sol";

/// @title Trade escrow: errors and events
/// @notice What both halves of the escrow (TradeEscrow and its dispute module EscrowDisputes, which runs in
/// TradeEscrow's storage by delegatecall) revert with and emit, so that both ABIs carry them.
interface IEscrowEvents {
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
    /// @notice A share must lie in 0..10000 basis points (1..10000 for a release or a goodwill refund) and
    /// within what is still locked.
    error EscrowInvalidShare(bytes32 orderId, uint256 bps);
    /// @notice No settlement is proposed on this order.
    error EscrowNoSettlement(bytes32 orderId);
    /// @notice The settlement on the table (`proposed`) is not the one the caller accepts (`expected`): it was
    /// replaced in the meantime.
    error EscrowSettlementChanged(bytes32 orderId, uint256 proposed, uint256 expected);
    /// @notice The disputes module was called at its own address; call it at the escrow's.
    error EscrowModuleDirectCall();
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
    /// @notice `by` proposed that `buyerShareBps` of what is still locked go back to the buyer (replacing any
    /// earlier proposal).
    event SettlementProposed(bytes32 indexed orderId, address indexed by, uint256 buyerShareBps);
    /// @notice `by` withdrew its proposal.
    event SettlementWithdrawn(bytes32 indexed orderId, address indexed by);
    /// @notice `by` accepted the settlement on the table: the order resolved without a ruling.
    event SettlementAccepted(
        bytes32 indexed orderId,
        address indexed by,
        uint256 buyerShareBps,
        uint256 toBuyer,
        uint256 toSeller,
        uint256 fee
    );
    /// @notice The buyer released `bps` of the price to the seller early (a voluntary tranche).
    event ReleasedEarly(bytes32 indexed orderId, uint256 bps, uint256 toSeller, uint256 fee);
    /// @notice The seller refunded `bps` of the price to the buyer (a goodwill refund).
    event GoodwillRefunded(bytes32 indexed orderId, uint256 bps, uint256 toBuyer);
    /// @notice The arbitrator refunded `amount` of the arbitration fee of `disputeId`; it is split as the ruling
    /// (or the settlement) splits the disputed amount.
    event ArbitrationFeeRefunded(bytes32 indexed orderId, uint256 indexed disputeId, uint256 amount);
    /// @notice `by` funded an appeal of the order's dispute with `amount`.
    event AppealFunded(bytes32 indexed orderId, address indexed by, uint256 indexed disputeId, uint256 amount);
    /// @notice The arbitrator did not rule by the order's ruling deadline; the dispute ended with an even split.
    event RulingTimedOut(bytes32 indexed orderId, uint256 deadline);
}
