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
        _countCompleted(_records[buyer][token], price, 0);
        _countCompleted(_records[seller][token], price, onTime ? 1 : 0);
    }

    /// @dev In the record's first slot, read and written once: `completed` += 1, `onTime` += `onTimeCount` (both
    /// uint32, wrapping as `unchecked` would) and `volume` += `price` saturating at 2^96-1; the dispute counts
    /// between them are kept. The slot's layout is {ReputationRecord}'s: completed in bits 0-31, disputesOpened,
    /// disputesWon and disputesLost in 32-127, onTime in 128-159, volume in 160-255.
    function _countCompleted(ReputationRecord storage r, uint96 price, uint256 onTimeCount) private {
        assembly ("memory-safe") {
            let w := sload(r.slot)
            let completed := and(add(and(w, 0xffffffff), 1), 0xffffffff)
            let onTimes := and(add(and(shr(128, w), 0xffffffff), onTimeCount), 0xffffffff)
            let volume := add(shr(160, w), price)
            if gt(volume, 0xffffffffffffffffffffffff) { volume := 0xffffffffffffffffffffffff }
            let disputes := and(w, 0xffffffffffffffffffffffff00000000)
            sstore(r.slot, or(or(completed, disputes), or(shl(128, onTimes), shl(160, volume))))
        }
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
}
