// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";

import {ILogisticsTracker} from "./interfaces/ILogisticsTracker.sol";
import {ITradeEscrow} from "./interfaces/ITradeEscrow.sol";
import {OrderHashing} from "./libraries/OrderHashing.sol";
import {Order, Terms, Milestone, Checkpoint, CheckpointKind, Stage, Status} from "./types/TradeTypes.sol";

/// @title Logistics tracker
/// @notice Records each order's checkpoints and reports stages and holds to the escrow, which releases money as
/// the goods move. The order's carrier records transport stages and exceptions; accounts with the customs role
/// record clearances and holds; accounts with the inspector role record inspections. Any of them may instead
/// sign a checkpoint (EIP-712, with a deadline and a nonce) for anyone to relay; each signature counts once.
contract LogisticsTracker is ILogisticsTracker, AccessControl, EIP712 {
    // ---------------------------------------------------------------- constants

    /// @notice Role of customs officers: export and import clearance, holds and their release.
    bytes32 public constant CUSTOMS_ROLE = keccak256("CUSTOMS_ROLE");
    /// @notice Role of inspectors: inspection results.
    bytes32 public constant INSPECTOR_ROLE = keccak256("INSPECTOR_ROLE");

    /// @dev EIP-712 type of a relayed checkpoint.
    bytes32 private constant CHECKPOINT_TYPEHASH = keccak256(
        "Checkpoint(bytes32 orderId,uint8 kind,bytes5 location,bytes32 document,string uri,uint64 deadline,uint256 nonce)"
    );

    // ---------------------------------------------------------------- state

    /// @dev The escrow whose orders this tracker records.
    ITradeEscrow private immutable _escrow;

    /// @dev Signed checkpoints already recorded.
    mapping(bytes32 digest => bool) private _used;

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
    function signatureUsed(bytes32 digest) external view returns (bool) {
        return _used[digest];
    }

    // ---------------------------------------------------------------- external mutating

    /// @inheritdoc ILogisticsTracker
    function record(Order calldata order, Terms calldata terms, Checkpoint calldata checkpoint) external {
        bytes32 termsHash = OrderHashing.hashTerms(terms);
        _record(order, terms, termsHash, OrderHashing.hashOrder(order, termsHash), checkpoint, msg.sender);
    }

    /// @inheritdoc ILogisticsTracker
    function recordSigned(
        Order calldata order,
        Terms calldata terms,
        Checkpoint calldata checkpoint,
        address signer,
        uint64 deadline,
        uint256 nonce,
        bytes calldata signature
    ) external {
        bytes32 termsHash = OrderHashing.hashTerms(terms);
        bytes32 id = OrderHashing.hashOrder(order, termsHash);
        bytes32 digest = checkpointDigest(id, checkpoint, deadline, nonce);
        // Check: in time, once, and really the signer's.
        if (block.timestamp > deadline) revert TrackerSignatureExpired(deadline);
        if (_used[digest]) revert TrackerSignatureUsed(digest);
        if (!SignatureChecker.isValidSignatureNowCalldata(signer, digest, signature)) {
            revert TrackerInvalidSignature(signer);
        }
        // Effect:
        _used[digest] = true;
        _record(order, terms, termsHash, id, checkpoint, signer);
    }

    // ---------------------------------------------------------------- private

    /// @dev Checks that `actor` may record the checkpoint, emits it and reports it to the escrow.
    function _record(
        Order calldata order,
        Terms calldata terms,
        bytes32 termsHash,
        bytes32 id,
        Checkpoint calldata checkpoint,
        address actor
    ) private {
        uint8 kind = checkpoint.kind;
        // Check:
        if (kind == uint8(CheckpointKind.None) || kind > uint8(type(CheckpointKind).max)) {
            revert TrackerInvalidKind(kind);
        }
        if (!_mayRecord(actor, terms.carrier, CheckpointKind(kind))) revert TrackerUnauthorized(id, actor, kind);
        // Effect: the escrow reverts the whole checkpoint if it does not fit the order.
        emit CheckpointRecorded(id, kind, actor, checkpoint.location, checkpoint.document, checkpoint.uri);
        // Interaction:
        if (kind <= uint8(CheckpointKind.Delivered)) {
            _escrow.onStage(order, termsHash, Stage(kind), _schedule(terms.milestones), terms.deliverWithin);
        } else if (kind == uint8(CheckpointKind.CustomsHold) || kind == uint8(CheckpointKind.CustomsRelease)) {
            _escrow.onHold(order, termsHash, kind == uint8(CheckpointKind.CustomsHold), _schedule(terms.milestones));
        } else {
            // Exceptions and inspections move no money, but only a funded, open order has any.
            Status status = _escrow.orderState(id).status;
            if (status < Status.Funded || status > Status.Disputed) revert TrackerOrderInactive(id);
        }
    }

    /// @dev Who records what: customs clearances and holds, inspectors inspections, the carrier the rest.
    function _mayRecord(address actor, address carrier, CheckpointKind kind) private view returns (bool) {
        if (
            kind == CheckpointKind.ExportCleared || kind == CheckpointKind.ImportCleared
                || kind == CheckpointKind.CustomsHold || kind == CheckpointKind.CustomsRelease
        ) return hasRole(CUSTOMS_ROLE, actor);
        if (kind == CheckpointKind.InspectionPassed || kind == CheckpointKind.InspectionFailed) {
            return hasRole(INSPECTOR_ROLE, actor);
        }
        return actor == carrier;
    }

    /// @dev Packs the milestones for the escrow: 24 bits each, the stage in the low 8 bits, the share above.
    function _schedule(Milestone[] calldata ms) private pure returns (uint256 packed) {
        for (uint256 i; i < ms.length; ++i) {
            packed |= (uint256(ms[i].stage) | (uint256(ms[i].bps) << 8)) << (24 * i);
        }
    }
}
