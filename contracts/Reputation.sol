// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IReputation} from "./interfaces/IReputation.sol";
import {ReputationRecord} from "./types/TradeTypes.sol";

/// @title Reputation
/// @notice Each account's track record per token, in one storage slot per (account, token) so that closing an
/// order costs one warm rewrite per party. Counters wrap rather than revert and volume saturates, so a record
/// can never block a payout.
abstract contract Reputation is IReputation {
    // ---------------------------------------------------------------- state

    /// @dev Track record per account and token.
    mapping(address account => mapping(address token => ReputationRecord)) private _records;

    // ---------------------------------------------------------------- external views

    /// @inheritdoc IReputation
    function reputation(address account, address token) external view returns (ReputationRecord memory) {
        return _records[account][token];
    }

    /// @inheritdoc IReputation
    function reputationOf(address account, address[] calldata tokens)
        external
        view
        returns (ReputationRecord[] memory records)
    {
        records = new ReputationRecord[](tokens.length);
        for (uint256 i; i < tokens.length; ++i) {
            records[i] = _records[account][tokens[i]];
        }
    }

    // ---------------------------------------------------------------- internal

    /// @dev A completed trade: both parties' count and volume, and the seller's on-time record.
    function _recordCompleted(address buyer, address seller, address token, uint96 price, bool onTime) internal {
        ReputationRecord storage b = _records[buyer][token];
        ReputationRecord storage s = _records[seller][token];
        unchecked {
            b.completed += 1;
            s.completed += 1;
            if (onTime) s.onTime += 1;
        }
        b.volume = _saturatingAdd(b.volume, price);
        s.volume = _saturatingAdd(s.volume, price);
    }

    /// @dev A dispute ended with `buyerShareBps` of the disputed amount to the buyer: more than half is the
    /// buyer's win, less than half the seller's, exactly half neither's.
    function _recordDispute(address buyer, address seller, address token, bool buyerOpened, uint256 buyerShareBps)
        internal
    {
        ReputationRecord storage b = _records[buyer][token];
        ReputationRecord storage s = _records[seller][token];
        unchecked {
            if (buyerOpened) b.disputesOpened += 1;
            else s.disputesOpened += 1;
            if (buyerShareBps > 5000) {
                b.disputesWon += 1;
                s.disputesLost += 1;
            } else if (buyerShareBps < 5000) {
                s.disputesWon += 1;
                b.disputesLost += 1;
            }
        }
    }

    /// @dev An order closed by an accepted settlement: neither party's win.
    function _recordSettled(address buyer, address seller, address token) internal {
        unchecked {
            _records[buyer][token].settled += 1;
            _records[seller][token].settled += 1;
        }
    }

    /// @dev A goodwill refund given by `seller`.
    function _recordRefunded(address seller, address token) internal {
        unchecked {
            _records[seller][token].refunded += 1;
        }
    }

    function _saturatingAdd(uint96 a, uint96 b) private pure returns (uint96) {
        unchecked {
            uint256 sum = uint256(a) + b;
            return sum > type(uint96).max ? type(uint96).max : uint96(sum);
        }
    }
}
