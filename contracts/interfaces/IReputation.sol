// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ReputationRecord} from "../types/TradeTypes.sol";

/// @title Reputation
/// @notice Per account and token: orders completed, volume, disputes opened, won and lost, on-time deliveries.
/// Written only by the escrow when an order closes.
interface IReputation {
    /// @notice The track record of `account` in `token` (address(0) for ETH).
    function reputation(address account, address token) external view returns (ReputationRecord memory);

    /// @notice The track records of `account` in each of `tokens`, in one call.
    function reputationOf(address account, address[] calldata tokens)
        external
        view
        returns (ReputationRecord[] memory records);
}
