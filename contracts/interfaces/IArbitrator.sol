// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IArbitrable} from "./IArbitrable.sol";

/// @title ERC-792 arbitrator
/// @notice The interface a Kleros court implements; any arbitrator with it can replace another.
interface IArbitrator {
    /// @notice Waiting: no ruling yet. Appealable: a ruling may still be appealed. Solved: final.
    enum DisputeStatus {
        Waiting,
        Appealable,
        Solved
    }

    /// @notice Emitted when a dispute is created.
    event DisputeCreation(uint256 indexed disputeId, IArbitrable indexed arbitrable);
    /// @notice Emitted when a ruling becomes appealable.
    event AppealPossible(uint256 indexed disputeId, IArbitrable indexed arbitrable);
    /// @notice Emitted when a ruling is appealed.
    event AppealDecision(uint256 indexed disputeId, IArbitrable indexed arbitrable);

    /// @notice Creates a dispute; the caller must pay {arbitrationCost}.
    /// @param choices Number of rulings the arbitrator may give besides 0 (refusal to rule).
    /// @param extraData Arbitrator-specific data (for DisputeArbitration: the panel).
    /// @return disputeId The new dispute's identifier.
    function createDispute(uint256 choices, bytes calldata extraData) external payable returns (uint256 disputeId);

    /// @notice The fee for creating a dispute.
    function arbitrationCost(bytes calldata extraData) external view returns (uint256 cost);

    /// @notice Appeals a ruling.
    function appeal(uint256 disputeId, bytes calldata extraData) external payable;

    /// @notice The fee for appealing a ruling.
    function appealCost(uint256 disputeId, bytes calldata extraData) external view returns (uint256 cost);

    /// @notice The period in which a ruling may be appealed, (0, 0) if none.
    function appealPeriod(uint256 disputeId) external view returns (uint256 start, uint256 end);

    /// @notice Where a dispute stands.
    function disputeStatus(uint256 disputeId) external view returns (DisputeStatus status);

    /// @notice The current ruling of a dispute (0 until one is given).
    function currentRuling(uint256 disputeId) external view returns (uint256 ruling);
}
