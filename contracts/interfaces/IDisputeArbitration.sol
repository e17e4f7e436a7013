// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IArbitrator} from "./IArbitrator.sol";
import {IArbitrable} from "./IArbitrable.sol";

/// @title Panel arbitration
/// @notice An ERC-792 arbitrator whose disputes are decided by a panel of registered arbitrators named in the
/// dispute's extra data (`abi.encode(address[] panel)`, odd size). Each member votes a ruling; the first ruling
/// with a strict majority decides and is executed at once. A panel that has not decided by its deadline yields
/// ruling 0 (for the escrow: an even split). The arbitration fee is shared by the panel.
interface IDisputeArbitration is IArbitrator {
    /// @notice A dispute's record.
    struct DisputeInfo {
        IArbitrable arbitrable; // who created it and receives the ruling
        uint40 deadline; //       after it, anyone may end the dispute with ruling 0
        bool solved; //           a ruling was given
        uint256 choices; //       rulings available besides 0
        uint256 ruling; //        the ruling, once solved
        address[] panel; //       the members who vote
    }

    // ---------------------------------------------------------------- errors

    /// @notice The fee sent (`sent`) is not the arbitration cost (`cost`).
    error ArbitrationFeeMismatch(uint256 sent, uint256 cost);
    /// @notice The panel must have an odd number of members, at most 15.
    error ArbitrationInvalidPanel(uint256 size);
    /// @notice `account` is not a registered arbitrator, or appears twice in the panel.
    error ArbitrationInvalidMember(address account);
    /// @notice A dispute needs at least one choice.
    error ArbitrationInvalidChoices(uint256 choices);
    /// @notice No dispute has this identifier.
    error ArbitrationUnknownDispute(uint256 disputeId);
    /// @notice The dispute already has its ruling.
    error ArbitrationDisputeSolved(uint256 disputeId);
    /// @notice `account` is not on the dispute's panel.
    error ArbitrationNotPanelMember(uint256 disputeId, address account);
    /// @notice `account` already voted on the dispute.
    error ArbitrationAlreadyVoted(uint256 disputeId, address account);
    /// @notice A ruling must lie in 0..`choices`.
    error ArbitrationInvalidRuling(uint256 ruling, uint256 choices);
    /// @notice The panel's deadline (`deadline`) has not passed yet.
    error ArbitrationDeadlineNotReached(uint256 disputeId, uint256 deadline);
    /// @notice The panel's deadline (`deadline`) has passed: the dispute can only end by default.
    error ArbitrationDeadlinePassed(uint256 disputeId, uint256 deadline);
    /// @notice Appeals are not supported by this arbitrator.
    error ArbitrationAppealsNotSupported();
    /// @notice `account` is owed nothing.
    error ArbitrationNothingToWithdraw(address account);
    /// @notice Too little gas left to push a fee share safely; send the transaction with more gas.
    error ArbitrationInsufficientGas(uint256 left, uint256 needed);
    /// @notice The ruling period must be above zero and at most 365 days.
    error ArbitrationInvalidPeriod();

    // ---------------------------------------------------------------- events

    /// @notice The operator registered an arbitrator. Registration is permanent, so no pending dispute can be
    /// blocked by removing a panel member.
    event ArbitratorRegistered(address indexed account);
    /// @notice A panel member voted.
    event VoteCast(uint256 indexed disputeId, address indexed arbitrator, uint256 ruling);
    /// @notice The dispute was decided: by a majority, or by default (ruling 0) after the deadline.
    event DisputeDecided(uint256 indexed disputeId, uint256 ruling, bool byDefault);
    /// @notice A push of a member's fee share failed; it is withdrawable.
    event FeeDeferred(address indexed arbitrator, uint256 amount);
    /// @notice `account` withdrew what it was owed.
    event Withdrawn(address indexed account, uint256 amount);

    // ---------------------------------------------------------------- views

    /// @notice Whether `account` is a registered arbitrator.
    function isArbitrator(address account) external view returns (bool);

    /// @notice A dispute's record.
    function disputeInfo(uint256 disputeId) external view returns (DisputeInfo memory);

    /// @notice Votes cast for `ruling` in a dispute.
    function votes(uint256 disputeId, uint256 ruling) external view returns (uint256);

    /// @notice Whether `member` voted in a dispute.
    function hasVoted(uint256 disputeId, address member) external view returns (bool);

    /// @notice Seconds a panel has to decide.
    function rulingPeriod() external view returns (uint256);

    /// @notice Number of disputes created.
    function disputeCount() external view returns (uint256);

    /// @notice Fees `account` may withdraw.
    function owed(address account) external view returns (uint256);

    // ---------------------------------------------------------------- mutating

    /// @notice The operator registers an arbitrator.
    function registerArbitrator(address account) external;

    /// @notice A panel member votes a ruling in 0..choices. The first ruling with a strict majority decides.
    function vote(uint256 disputeId, uint256 ruling) external;

    /// @notice Anyone ends a dispute whose panel did not decide by the deadline: ruling 0.
    function ruleByDefault(uint256 disputeId) external;

    /// @notice Withdraws the caller's fee shares.
    function withdraw() external;
}
