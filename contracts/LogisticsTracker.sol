// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControlEnumerable} from "@openzeppelin/contracts/access/extensions/AccessControlEnumerable.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {ILogisticsTracker} from "./interfaces/ILogisticsTracker.sol";
import {ITradeEscrow} from "./interfaces/ITradeEscrow.sol";
import {OrderForm} from "./libraries/OrderForm.sol";
import {Order, Checkpoint, CheckpointKind, Stage, Status} from "./types/TradeTypes.sol";

/// @title Logistics tracker
/// @notice Records each order's checkpoints and reports stages and holds to the escrow, which releases money as
/// the goods move. Who records what is in the order's terms: its carrier records transport stages and
/// exceptions, its named customs authorities clearances and holds, its named inspectors inspections. The
/// operator's customs and inspector roles are only a registry of accredited accounts that clients offer by
/// default: a role reaches no order whose terms do not name the account. Any recorder may instead sign a
/// checkpoint (EIP-712, with a deadline and its next nonce for the order) for anyone to relay; a signer's
/// checkpoints for one order are recorded in nonce order, each once, and the signer may revoke unused ones.
contract LogisticsTracker is ILogisticsTracker, AccessControlEnumerable, EIP712 {
    // ---------------------------------------------------------------- constants

    /// @notice Registry of accredited customs authorities (offered by clients; an order names its own).
    bytes32 public constant CUSTOMS_ROLE = keccak256("CUSTOMS_ROLE");
    /// @notice Registry of accredited inspectors (offered by clients; an order names its own).
    bytes32 public constant INSPECTOR_ROLE = keccak256("INSPECTOR_ROLE");

    /// @dev EIP-712 type of a relayed checkpoint.
    bytes32 private constant CHECKPOINT_TYPEHASH = keccak256(
        "Checkpoint(bytes32 orderId,uint8 kind,bytes5 location,bytes32 document,string uri,uint64 deadline,uint256 nonce)"
    );

    // ---------------------------------------------------------------- state

    /// @dev The escrow whose orders this tracker records.
    ITradeEscrow private immutable _escrow;

    /// @dev The nonce each signer's next signed checkpoint for an order must carry.
    mapping(address signer => mapping(bytes32 orderId => uint256)) private _nextNonce;

    // ---------------------------------------------------------------- constructor

    /// @param admin The operator, who grants the customs and inspector roles.
    /// @param escrow_ The escrow, deployed right after this tracker.
    constructor(address admin, address escrow_) EIP712("Tradelane LogisticsTracker", "1") {
        if (admin == address(0) || escrow_ == address(0)) revert TrackerZeroAddress();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _escrow = ITradeEscrow(escrow_);
    }

    // ---------------------------------------------------------------- external views

    /// @inheritdoc ILogisticsTracker
    function escrow() external view returns (address) {
        return address(_escrow);
    }

    /// @inheritdoc ILogisticsTracker
    function checkpointDigest(bytes32 id, Checkpoint calldata checkpoint, uint64 deadline, uint256 nonce)
        public
        view
        returns (bytes32)
    {
        return _hashTypedDataV4(
            keccak256(
                abi.encode(
                    CHECKPOINT_TYPEHASH,
                    id,
                    checkpoint.kind,
                    checkpoint.location,
                    checkpoint.document,
                    keccak256(bytes(checkpoint.uri)),
                    deadline,
                    nonce
                )
            )
        );
    }

    /// @inheritdoc ILogisticsTracker
    function checkpointNonce(address signer, bytes32 id) external view returns (uint256) {
        return _nextNonce[signer][id];
    }

    /// @inheritdoc ILogisticsTracker
    function accredited(bytes32 role) external view returns (address[] memory) {
        return getRoleMembers(role);
    }

    // ---------------------------------------------------------------- external mutating

    /// @inheritdoc ILogisticsTracker
    function record(bytes calldata order, Checkpoint calldata checkpoint) external {
        OrderForm.check(order);
        bytes32 id = OrderForm.id(order);
        _record(order, id, checkpoint, msg.sender);
    }

    /// @inheritdoc ILogisticsTracker
    function recordSigned(
        bytes calldata order,
        Checkpoint calldata checkpoint,
        address signer,
        uint64 deadline,
        uint256 nonce,
        bytes calldata signature
    ) external {
        OrderForm.check(order);
        bytes32 id = OrderForm.id(order);
        // Check: in time, in the signer's order, and really the signer's.
        if (block.timestamp > deadline) revert TrackerSignatureExpired(deadline);
        uint256 expected = _nextNonce[signer][id];
        bytes32 digest = checkpointDigest(id, checkpoint, deadline, nonce);
        if (nonce < expected) revert TrackerSignatureUsed(digest);
        if (nonce > expected) revert TrackerNonceMismatch(signer, expected, nonce);
        if (!SignatureChecker.isValidSignatureNowCalldata(signer, digest, signature)) {
            revert TrackerInvalidSignature(signer);
        }
        // Effect:
        _nextNonce[signer][id] = expected + 1;
        _record(order, id, checkpoint, signer);
    }

    /// @inheritdoc ILogisticsTracker
    function revokeCheckpointNonces(bytes32 id, uint256 next) external {
        uint256 current = _nextNonce[msg.sender][id];
        // Check: only forward, so a revocation cannot bring back a cancelled signature.
        if (next <= current) revert TrackerNonceMismatch(msg.sender, current, next);
        // Effect:
        _nextNonce[msg.sender][id] = next;
        emit CheckpointNoncesRevoked(id, msg.sender, next);
    }

    // ---------------------------------------------------------------- private

    /// @dev Checks that `actor` may record the checkpoint, emits it and reports it to the escrow.
    function _record(bytes calldata form, bytes32 id, Checkpoint calldata checkpoint, address actor) private {
        uint8 kind = checkpoint.kind;
        // Check:
        if (kind == uint8(CheckpointKind.None) || kind > uint8(type(CheckpointKind).max)) {
            revert TrackerInvalidKind(kind);
        }
        if (!_mayRecord(actor, form, CheckpointKind(kind))) revert TrackerUnauthorized(id, actor, kind);
        // Effect: the escrow reverts the whole checkpoint if it does not fit the order.
        emit CheckpointRecorded(id, kind, actor, checkpoint.location, checkpoint.document, checkpoint.uri);
        // Interaction:
        Order calldata order = OrderForm.head(form);
        if (kind <= uint8(CheckpointKind.Delivered)) {
            _escrow.stageReported(order, id, Stage(kind), OrderForm.schedule(form), OrderForm.windows(form));
        } else if (kind == uint8(CheckpointKind.CustomsHold) || kind == uint8(CheckpointKind.CustomsRelease)) {
            _escrow.holdReported(order, id, kind == uint8(CheckpointKind.CustomsHold), OrderForm.schedule(form));
        } else {
            // Exceptions and inspections move no money, but only a funded, open order has any.
            Status status = _escrow.orderState(id).status;
            if (status < Status.Funded || status > Status.Disputed) revert TrackerOrderInactive(id);
        }
    }

    /// @dev Who records what, from the order's own terms: its customs clearances and holds, its inspectors
    /// inspections, its carrier the rest. The operator's roles play no part.
    function _mayRecord(address actor, bytes calldata form, CheckpointKind kind) private pure returns (bool) {
        if (
            kind == CheckpointKind.ExportCleared || kind == CheckpointKind.ImportCleared
                || kind == CheckpointKind.CustomsHold || kind == CheckpointKind.CustomsRelease
        ) return OrderForm.names(form, false, actor);
        if (kind == CheckpointKind.InspectionPassed || kind == CheckpointKind.InspectionFailed) {
            return OrderForm.names(form, true, actor);
        }
        return actor == OrderForm.carrier(form);
    }
}
