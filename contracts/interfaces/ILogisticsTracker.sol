// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Order, Terms, Checkpoint} from "../types/TradeTypes.sol";

/// @title Logistics tracker
/// @notice Records an order's logistics checkpoints (DCSA Track & Trace aligned): the order's carrier records
/// transport stages and exceptions, the customs role clearances and holds, the inspector role inspections.
/// A checkpoint may also come as an EIP-712 signature of its recorder, relayed by anyone.
interface ILogisticsTracker {
    // ---------------------------------------------------------------- errors

    /// @notice `actor` may not record a checkpoint of `kind` on the order.
    error TrackerUnauthorized(bytes32 orderId, address actor, uint8 kind);
    /// @notice `kind` is not a {CheckpointKind}.
    error TrackerInvalidKind(uint8 kind);
    /// @notice The signed checkpoint expired at `deadline`.
    error TrackerSignatureExpired(uint64 deadline);
    /// @notice The signed checkpoint `digest` was already recorded.
    error TrackerSignatureUsed(bytes32 digest);
    /// @notice The signature is not `signer`'s.
    error TrackerInvalidSignature(address signer);
    /// @notice The order is not funded or already closed.
    error TrackerOrderInactive(bytes32 orderId);
    /// @notice A zero address where an account is needed.
    error TrackerZeroAddress();

    // ---------------------------------------------------------------- events

    /// @notice A checkpoint was recorded by `actor` (the signer, for a relayed one) at the block's time.
    event CheckpointRecorded(
        bytes32 indexed orderId, uint8 indexed kind, address indexed actor, bytes5 location, bytes32 document, string uri
    );

    // ---------------------------------------------------------------- views

    /// @notice The escrow whose orders this tracker records.
    function escrow() external view returns (address);

    /// @notice The EIP-712 digest `signer` signs for a relayed checkpoint.
    function checkpointDigest(bytes32 id, Checkpoint calldata checkpoint, uint64 deadline, uint256 nonce)
        external
        view
        returns (bytes32);

    /// @notice Whether a signed checkpoint digest was already recorded.
    function signatureUsed(bytes32 digest) external view returns (bool);

    // ---------------------------------------------------------------- mutating

    /// @notice Records a checkpoint as the caller.
    function record(Order calldata order, Terms calldata terms, Checkpoint calldata checkpoint) external;

    /// @notice Records a checkpoint signed by `signer` (an EOA or an ERC-1271 contract); anyone may relay it.
    function recordSigned(
        Order calldata order,
        Terms calldata terms,
        Checkpoint calldata checkpoint,
        address signer,
        uint64 deadline,
        uint256 nonce,
        bytes calldata signature
    ) external;
}
