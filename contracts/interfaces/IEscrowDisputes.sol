// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IEscrowEvents} from "./IEscrowEvents.sol";
import {IArbitrable} from "./IArbitrable.sol";
import {IArbitrationRefund} from "./IArbitrationRefund.sol";
import {IEvidence} from "./IEvidence.sol";
import {Order} from "../types/TradeTypes.sol";

/// @title Trade escrow: disputes module
/// @notice The escrow's cold paths: disputes, rulings and the operator's settings. Deployed on its own and run
/// only by delegatecall from TradeEscrow's fallback, in TradeEscrow's storage; users call these functions at the
/// escrow's address (the toolkit merges both ABIs). Called at the module's own address they revert.
interface IEscrowDisputes is IArbitrable, IArbitrationRefund, IEvidence, IEscrowEvents {
    // ---------------------------------------------------------------- disputes

    /// @notice Buyer or seller opens a dispute, paying the arbitrator's cost in `msg.value`.
    /// @param order The order form (see {IOrderRegistry-register}).
    /// @param evidence An ERC-1497 evidence text or URI (may be empty).
    function dispute(bytes calldata order, string calldata evidence) external payable;

    /// @notice The other party pays its arbitration fee; the dispute goes to the arbitrator.
    function payArbitrationFee(bytes calldata order) external payable;

    /// @notice Anyone ends a dispute whose other party did not pay its fee in time: the opener wins in full.
    function enforceFeeTimeout(Order calldata order, bytes32 termsHash) external;

    /// @notice Anyone ends a dispute the arbitrator did not rule on by the order's ruling deadline (the terms'
    /// rulingTimeout after the dispute went to the arbitrator): an even split, as a refusal to rule.
    function enforceRulingTimeout(Order calldata order, bytes32 termsHash) external;

    /// @notice Buyer or seller submits ERC-1497 evidence while the dispute is open.
    function submitEvidence(bytes calldata order, string calldata evidence) external;

    /// @notice A party funds an appeal of dispute `disputeId` of this order with the arbitrator (ERC-792
    /// `appeal`, paid in `msg.value`, with the order's extra data): for arbitrators, such as Kleros', that
    /// take appeals only from the arbitrable. The order stays Disputed until the final ruling.
    function appeal(bytes calldata order, uint256 disputeId) external payable;

    // ---------------------------------------------------------------- settlements

    /// @notice The settlement proposed on order `id`: its proposer (zero if none) and the buyer's share.
    function settlementOf(bytes32 id) external view returns (address proposer, uint256 buyerShareBps);

    /// @notice Buyer or seller proposes that `buyerShareBps` of what is still locked go back to the buyer, the
    /// rest to the seller (less the platform fee), on a funded order, before or during a dispute. A proposal
    /// by either party replaces the one on the table (a counter-proposal).
    function proposeSettlement(Order calldata order, bytes32 termsHash, uint256 buyerShareBps) external;

    /// @notice The other party accepts the proposal on the table, naming its share (so a proposal replaced in
    /// the meantime is refused): the order resolves at once. During a dispute the opener's deposit goes back to
    /// it; once the dispute is with the arbitrator, the arbitrator's own fee rules apply to the fee it holds,
    /// and a later ruling changes nothing.
    function acceptSettlement(Order calldata order, bytes32 termsHash, uint256 buyerShareBps) external;

    /// @notice The proposer withdraws its proposal.
    function withdrawSettlement(Order calldata order, bytes32 termsHash) external;

    /// @notice The buyer releases `bps` more of the price to the seller now (a voluntary tranche, fee taken as
    /// for any release), while the order is active; later milestones pay only what they add beyond it.
    function release(Order calldata order, bytes32 termsHash, uint256 bps) external;

    /// @notice The seller refunds `bps` of the price to the buyer now (a goodwill refund), while the order is
    /// active; it comes off what the seller is still to receive.
    function reimburse(Order calldata order, bytes32 termsHash, uint256 bps) external;

    // ---------------------------------------------------------------- operator

    /// @notice Sets the platform fee for orders registered from now on (at most 200 basis points; an order whose
    /// terms cap the fee lower cannot be registered while it is higher).
    function setFee(uint256 bps) external;

    /// @notice Sets the account future fees are credited to.
    function setTreasury(address treasury) external;

    /// @notice Sets the arbitration fee timeout for orders funded from now on (each order keeps its own).
    function setFeeTimeout(uint256 timeout) external;
}
