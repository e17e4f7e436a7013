// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Checkpoint} from "../types/TradeTypes.sol";

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
    /// @notice The signed checkpoint `digest` was already recorded, or its signer revoked it (its nonce is
    /// below the signer's next for the order).
    error TrackerSignatureUsed(bytes32 digest);
    /// @notice The signed checkpoint's nonce is past the signer's next for the order: an earlier one of the same
    /// signer must be recorded (or revoked) first.
    error TrackerNonceMismatch(address signer, uint256 expected, uint256 given);
    /// @notice The signature is not `signer`'s.
    error TrackerInvalidSignature(address signer);
    /// @notice The order is not funded or already closed.
    error TrackerOrderInactive(bytes32 orderId);
    /// @notice A zero address where an account is needed.
    error TrackerZeroAddress();

    // ---------------------------------------------------------------- events

    /// @notice `signer` cancelled its signed checkpoints for `orderId` below nonce `next`.
    event CheckpointNoncesRevoked(bytes32 indexed orderId, address indexed signer, uint256 next);

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

    /// @notice The nonce the next signed checkpoint of `signer` for order `id` must carry. Signed checkpoints of
    /// one signer and order are recorded in nonce order, each once.
    function checkpointNonce(address signer, bytes32 id) external view returns (uint256);

    /// @notice Accounts the operator accredits in `role` (CUSTOMS_ROLE, INSPECTOR_ROLE): what a client offers
    /// by default. Only the accounts an order's terms name may record its clearances, holds and inspections.
    function accredited(bytes32 role) external view returns (address[] memory);

    // ---------------------------------------------------------------- mutating

    /// @notice Records a checkpoint as the caller.
    /// @param order The order form (see {IOrderRegistry-register}).
    function record(bytes calldata order, Checkpoint calldata checkpoint) external;

    /// @notice The caller cancels its signed checkpoints for order `id` with a nonce below `next` (which must be
    /// above its current next nonce).
    function revokeCheckpointNonces(bytes32 id, uint256 next) external;

    /// @notice Records a checkpoint signed by `signer` (an EOA or an ERC-1271 contract); anyone may relay it.
    /// `nonce` must be the signer's next for the order ({checkpointNonce}).
    function recordSigned(
        bytes calldata order,
        Checkpoint calldata checkpoint,
        address signer,
        uint64 deadline,
        uint256 nonce,
        bytes calldata signature
    ) external;
}
