// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IOrderRegistry} from "./IOrderRegistry.sol";
import {IReputation} from "./IReputation.sol";
import {IEscrowEvents} from "./IEscrowEvents.sol";
import {IEvidence} from "./IEvidence.sol";
import {Order, Permit, Stage} from "../types/TradeTypes.sol";

/// @title Trade escrow
/// @notice Holds each order's money, releases it as the goods move, refunds missed deadlines, executes rulings
/// and takes the platform fee. Payouts are pushed with a gas cap; a payout that fails is credited to its
/// receiver, who withdraws it (so no receiver can block anyone else's payout). Disputes, settlements and the
/// operator's settings live in the module {IEscrowDisputes}, reached at this same address through the fallback.
interface ITradeEscrow is IOrderRegistry, IEvidence, IReputation, IEscrowEvents {
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

    /// @notice The disputes module ({IEscrowDisputes}) this escrow runs its other functions in.
    function disputesModule() external view returns (address);

    /// @notice The order a dispute of `arbitrator` belongs to (zero if none).
    function disputeOrder(address arbitrator, uint256 disputeId) external view returns (bytes32);

    // ---------------------------------------------------------------- funding

    /// @notice The buyer funds an accepted order (ETH in `msg.value`, or an ERC-20 the buyer approved).
    function fund(Order calldata order, bytes32 termsHash) external payable;

    /// @notice The buyer funds an accepted ERC-20 order with an EIP-2612 permit in the same transaction.
    function fundWithPermit(Order calldata order, bytes32 termsHash, Permit calldata permit) external;

    /// @notice The buyer registers and funds a seller's signed quote in one transaction.
    /// @param order The order form (see {register}).
    /// @param signature The seller's signature over {quoteDigest} (EOA or ERC-1271).
    function fundWithQuote(bytes calldata order, string calldata termsURI, bytes calldata signature)
        external
        payable
        returns (bytes32 id);

    /// @notice {fundWithQuote} for an ERC-20 with EIP-2612 permit: no separate approval.
    function fundWithQuoteAndPermit(
        bytes calldata order,
        string calldata termsURI,
        bytes calldata signature,
        Permit calldata permit
    ) external returns (bytes32 id);

    // ---------------------------------------------------------------- settlement

    /// @notice The buyer confirms receipt (early, or within the inspection window): the seller is paid.
    function confirm(Order calldata order, bytes32 termsHash) external;

    /// @notice Anyone settles a delivered order whose inspection window lapsed with no dispute: the seller is paid.
    function settle(bytes calldata order) external;

    /// @notice Refunds a missed deadline: not picked up by ship-by, or picked up after it (full refund), or,
    /// under DAP, DPU or DDP, not delivered by deliver-by (what was not released). Before delivery anyone may
    /// call it; once the goods are delivered (late) it is the buyer's choice, during the inspection window.
    function refund(bytes calldata order) external;

    /// @notice Whether the buyer's refund is due now (see {refund}).
    function refundDue(bytes calldata order) external view returns (bool);

    // ---------------------------------------------------------------- withdrawals

    /// @notice Withdraws everything the caller is owed in `token` to the caller.
    function withdraw(address token) external;

    /// @notice Withdraws everything the caller is owed in `token` to `to` (for receivers that cannot take it).
    function withdrawTo(address token, address to) external;

    // ---------------------------------------------------------------- tracker hooks

    /// @notice Reports a forward stage of one track (the carrier's transport stages, or customs' clearances)
    /// and releases the tranches it makes due, unless held, disputed, or picked up late.
    /// @param id The order's identifier as the tracker derived it from the very form that `order`, `schedule` and
    /// `windows` come from; the escrow takes all four from the tracker alone, so it does not hash the order again.
    /// @param schedule The order's milestones packed by the tracker: 24 bits each, stage in the low 8, share above.
    /// @param windows The order's shipWithin (low 32 bits) and deliverWithin (next 32 bits), to tell whether a
    /// pickup and a delivery were on time.
    /// @dev Named for its selector as well as its job: 0x00c500ee sorts first, and the dispatcher compares selectors
    /// in ascending order, so the call every checkpoint makes is found first (about 680 gas less than as `onStage`,
    /// the 32nd of 41).
    function stageReported(Order calldata order, bytes32 id, Stage stage, uint256 schedule, uint256 windows)
        external;

    /// @notice Reports a customs hold (`hold` true) or its release; a release pays the tranches held back and,
    /// after delivery, restarts the inspection window in full.
    /// @param id The order's identifier as the tracker derived it from the form that `order` and `schedule` come from.
    function holdReported(Order calldata order, bytes32 id, bool hold, uint256 schedule) external;

    // ---------------------------------------------------------------- operator

    /// @notice Pauses new registrations and funding. Nothing else stops.
    function pause() external;

    /// @notice Lifts a pause.
    function unpause() external;
}
