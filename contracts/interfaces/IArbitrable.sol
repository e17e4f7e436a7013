// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IArbitrator} from "./IArbitrator.sol";

/// @title ERC-792 arbitrable
/// @notice A contract whose disputes an ERC-792 arbitrator rules on.
interface IArbitrable {
    /// @notice Emitted when the arbitrator's ruling has been executed.
    event Ruling(IArbitrator indexed arbitrator, uint256 indexed disputeId, uint256 ruling);

    /// @notice Executes a ruling. Only the arbitrator of the dispute may call it.
    /// @param disputeId The arbitrator's identifier of the dispute.
    /// @param ruling 0 when the arbitrator refused to rule, otherwise a choice in 1..choices.
    function rule(uint256 disputeId, uint256 ruling) external;
}
