// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

interface IRulable {
    function rule(uint256 disputeId, uint256 ruling) external;
    function onArbitrationRefund(uint256 disputeId) external payable;
}

/// @title Outsider posing as an arbitrator (test double)
/// @notice Speaks ERC-792 well enough to be named in an order (`arbitrationCost`, `createDispute` returning
/// whatever identifier it is told), and lets anyone make it call `rule` on any arbitrable contract with any
/// dispute identifier and ruling.
contract ImpostorArbitrator {
    uint256 public nextId;
    uint256 public cost;

    constructor(uint256 cost_) {
        cost = cost_;
    }

    /// @notice The identifier the next `createDispute` returns.
    function setNextId(uint256 id) external {
        nextId = id;
    }

    function arbitrationCost(bytes calldata) external view returns (uint256) {
        return cost;
    }

    function createDispute(uint256, bytes calldata) external payable returns (uint256) {
        return nextId;
    }

    /// @notice Calls `arbitrable.rule(disputeId, ruling)` as this contract; bubbles up a revert.
    /// @notice What appeals were paid, in total.
    uint256 public appealed;

    /// @notice Takes any appeal (a test arbitrator that supports them).
    function appeal(uint256, bytes calldata) external payable {
        appealed += msg.value;
    }

    /// @notice Changes the cost (as a real arbitrator's may change between two fee payments).
    function setCost(uint256 cost_) external {
        cost = cost_;
    }

    /// @notice Refunds `msg.value` of the fee of `disputeId` to `arbitrable`.
    function refund(address arbitrable, uint256 disputeId) external payable {
        IRulable(arbitrable).onArbitrationRefund{value: msg.value}(disputeId);
    }

    function ruleOn(address arbitrable, uint256 disputeId, uint256 ruling) external {
        IRulable(arbitrable).rule(disputeId, ruling);
    }
}
