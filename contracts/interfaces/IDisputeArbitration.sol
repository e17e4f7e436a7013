// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IArbitrator} from "./IArbitrator.sol";
import {IArbitrable} from "./IArbitrable.sol";

/// @title Panel arbitration
/// @notice An ERC-792 arbitrator whose disputes are decided by a panel of registered arbitrators named in the
/// dispute's extra data (`abi.encode(address[] panel)`, odd size), or by the deployment's default panel when the
/// extra data is empty (what ERC-792's example arbitrables send). Each member votes a ruling in 0..choices (0:
/// refuse to rule); the first ruling with a strict majority decides. A panel that has not decided by its
/// deadline yields ruling 0 (for the escrow: an even split). The decision is recorded first (`currentRuling`
/// and `disputeStatus` show it at once), then executed by a call to the arbitrable's `rule` with a gas cap; if
/// that call fails the decision stands and anyone may execute it again with {executeRuling}. The fee is shared
/// by the panel; after a default ruling only the members who voted are paid, and a panel that never voted
/// gets nothing: the fee goes back to the arbitrable (see {IArbitrationRefund}).
interface IDisputeArbitration is IArbitrator {
    /// @notice A dispute's record.
    struct DisputeInfo {
        IArbitrable arbitrable; // who created it and receives the ruling
        uint40 deadline; //       after it, anyone may end the dispute with ruling 0
        bool solved; //           a ruling was given (final: currentRuling returns it)
        bool executed; //         the arbitrable's `rule` accepted it (if not, anyone may call executeRuling)
        uint256 choices; //       rulings available besides 0
        uint256 ruling; //        the ruling, once solved
        address[] panel; //       the members who vote
    }

    // ---------------------------------------------------------------- errors

    /// @notice The fee sent (`sent`) is below the arbitration cost (`cost`). (Any excess is returned.)
    error ArbitrationFeeMismatch(uint256 sent, uint256 cost);
    /// @notice The panel must have an odd number of members, at most 15; `size` is what was given.
    error ArbitrationInvalidPanel(uint256 size);
    /// @notice `account` cannot be registered: the zero address, or already registered.
    error ArbitrationInvalidMember(address account);
    /// @notice Panel member `account` is not a registered arbitrator.
    error ArbitrationMemberNotRegistered(address account);
    /// @notice Panel member `account` appears twice in the panel.
    error ArbitrationMemberDuplicated(address account);
    /// @notice Extra data of `length` bytes is not `abi.encode(address[])`: that takes 64 + 32 * n bytes for n
    /// members (`expected`; 64 when the data is too short to hold the count).
    error ArbitrationExtraDataLength(uint256 length, uint256 expected);
    /// @notice The extra data's first word (`offset`) must be 32, as `abi.encode(address[])` writes it.
    error ArbitrationExtraDataOffset(uint256 offset);
    /// @notice Word `index` of the panel (`word`) is not an address: its upper 96 bits are not zero.
    error ArbitrationExtraDataAddress(uint256 index, uint256 word);
    /// @notice Empty extra data asks for the default panel, and the operator has not set one.
    error ArbitrationNoDefaultPanel();
    /// @notice The default panel is set once, at deployment.
    error ArbitrationDefaultPanelAlreadySet();
    /// @notice The dispute has no decision yet: there is nothing to execute.
    error ArbitrationNotDecided(uint256 disputeId);
    /// @notice The dispute's ruling was already executed by its arbitrable.
    error ArbitrationRulingAlreadyExecuted(uint256 disputeId);
    /// @notice A withdrawal needs a recipient.
    error ArbitrationZeroAddress();
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
    /// @notice A push (a member's fee share, a payer's excess, a refund) failed; it is withdrawable.
    event FeeDeferred(address indexed arbitrator, uint256 amount);
    /// @notice `account` withdrew what it was owed (to itself, or to another address with withdrawTo).
    event Withdrawn(address indexed account, uint256 amount);
    /// @notice `account`'s withdrawal went to `to`.
    event WithdrawnTo(address indexed account, address indexed to, uint256 amount);
    /// @notice The operator set the default panel, used for disputes created with empty extra data.
    event DefaultPanelSet(address[] panel);
    /// @notice `payer` sent more than the cost when creating a dispute; `amount` was returned to it.
    event ExcessReturned(uint256 indexed disputeId, address indexed payer, uint256 amount);
    /// @notice A panel that never voted ruled by default: the fee (`amount`) went back to the arbitrable.
    event FeeRefunded(uint256 indexed disputeId, address indexed arbitrable, uint256 amount);
    /// @notice {executeRuling} executed a ruling whose first execution had failed. (In the deciding transaction a
    /// successful execution is not logged here, to keep that path cheap: it is the absence of
    /// {RulingExecutionFailed} after {DisputeDecided}, and the arbitrable's own `Ruling` event.)
    event RulingExecuted(uint256 indexed disputeId, uint256 ruling);
    /// @notice The arbitrable's `rule` failed; the decision stands and {executeRuling} may be called again.
    event RulingExecutionFailed(uint256 indexed disputeId, uint256 ruling);

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

    /// @notice The default panel (empty until the operator sets it).
    function defaultPanel() external view returns (address[] memory);

    /// @notice Gas the arbitrable's `rule` gets in the deciding transaction ({executeRuling} gives it all).
    function ruleGas() external pure returns (uint256);

    // ---------------------------------------------------------------- mutating

    /// @notice The operator registers an arbitrator.
    function registerArbitrator(address account) external;

    /// @notice The operator sets, once, the panel of disputes created with empty extra data: an odd number (at
    /// most 15) of distinct registered arbitrators.
    function setDefaultPanel(address[] calldata panel) external;

    /// @notice A panel member votes a ruling in 0..choices (0: refuse to rule). The first ruling with a strict
    /// majority decides; a vote after the decision reverts with {ArbitrationDisputeSolved}.
    function vote(uint256 disputeId, uint256 ruling) external;

    /// @notice Anyone ends a dispute whose panel did not decide by the deadline: ruling 0.
    function ruleByDefault(uint256 disputeId) external;

    /// @notice Anyone executes a decided ruling whose execution failed, giving `rule` all the gas sent; a revert
    /// of `rule` reverts this call with the arbitrable's reason, and the decision stays as it was.
    function executeRuling(uint256 disputeId) external;

    /// @notice Withdraws the caller's credit (fee shares, returned excess, refunds).
    function withdraw() external;

    /// @notice Withdraws the caller's credit to `to`: for an account that cannot receive ETH.
    function withdrawTo(address to) external;
}
