// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Arbitration fee refund
/// @notice What an arbitrable implements to take back an arbitration fee its arbitrator does not keep.
interface IArbitrationRefund {
    /// @notice Receives the arbitration fee of `disputeId` back (msg.value). Called only by the arbitrator, before
    /// the ruling of that dispute is executed.
    function onArbitrationRefund(uint256 disputeId) external payable;
}
