// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IDisputeArbitration} from "./interfaces/IDisputeArbitration.sol";
import {IArbitrator} from "./interfaces/IArbitrator.sol";
import {IArbitrable} from "./interfaces/IArbitrable.sol";

/// @title Panel arbitration
/// @notice An ERC-792 arbitrator: each dispute is decided by the panel named in its extra data, by strict
/// majority, executed in the vote that reaches it. The cost is fixed at deployment, so no one can price a party
/// out of a dispute it has already opened; the fee is shared by the panel.
contract DisputeArbitration is IDisputeArbitration, AccessControl, ReentrancyGuardTransient {
    // ---------------------------------------------------------------- types

    /// @dev A dispute in one slot, its panel's members beside it (one slot each, no length slot).
    struct DisputeRecord {
        IArbitrable arbitrable; // who created it
        uint32 deadline; //       the panel's ruling deadline (the period is bounded, so it fits until 2106)
        bool solved; //           a ruling was given
        uint8 size; //            panel members
        uint16 votedMask; //      bit i: panel member i voted
        uint16 choices; //        rulings available besides 0
        uint16 ruling; //         the ruling, once solved
    }

    // ---------------------------------------------------------------- constants

    /// @dev Largest panel.
    uint256 private constant MAX_PANEL = 15;
    /// @dev Longest ruling period.
    uint256 private constant MAX_PERIOD = 365 days;
    /// @dev Gas given to the push of a member's fee share.
    uint256 private constant PUSH_GAS = 35_000;
    /// @dev Gas kept back to credit a fee share whose push failed.
    uint256 private constant PUSH_RESERVE = 40_000;

    // ---------------------------------------------------------------- state

    /// @dev The fee for a dispute, fixed for the arbitrator's life.
    uint256 private immutable _cost;
    /// @dev Seconds a panel has to decide.
    uint64 private immutable _period;

    /// @dev Registered arbitrators (permanent).
    mapping(address account => bool) private _registered;
    /// @dev Disputes by identifier.
    mapping(uint256 disputeId => DisputeRecord) private _disputes;
    /// @dev Each dispute's panel.
    mapping(uint256 disputeId => address[MAX_PANEL]) private _panels;
    /// @dev Votes per ruling of an undecided dispute (the deciding vote is not stored).
    mapping(uint256 disputeId => mapping(uint256 ruling => uint256)) private _votes;
    /// @dev Fee shares whose push failed.
    mapping(address account => uint256) private _owed;
    /// @dev Disputes created so far; the next identifier.
    uint256 private _count;

    // ---------------------------------------------------------------- constructor

    /// @param admin The operator, who registers arbitrators.
    /// @param cost The arbitration cost per dispute, in wei.
    /// @param period Seconds a panel has to decide.
    constructor(address admin, uint256 cost, uint64 period) {
        if (period == 0 || period > MAX_PERIOD) revert ArbitrationInvalidPeriod();
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _cost = cost;
        _period = period;
    }

    // ---------------------------------------------------------------- external views

    /// @inheritdoc IArbitrator
    /// @dev Reverts for a panel that could not decide (see {createDispute}), so an arbitrable contract that asks
    /// the cost before a party opens a dispute never lets one open what the other could not join.
    function arbitrationCost(bytes calldata extraData) external view returns (uint256) {
        _validatePanel(abi.decode(extraData, (address[])));
        return _cost;
    }

    /// @inheritdoc IArbitrator
    /// @dev Appeals are not supported: the cost is the largest number.
    function appealCost(uint256, bytes calldata) external pure returns (uint256) {
        return type(uint256).max;
    }

    /// @inheritdoc IArbitrator
    function appealPeriod(uint256) external pure returns (uint256 start, uint256 end) {
        return (0, 0);
    }

    /// @inheritdoc IArbitrator
    function disputeStatus(uint256 disputeId) external view returns (DisputeStatus) {
        return _existing(disputeId).solved ? DisputeStatus.Solved : DisputeStatus.Waiting;
    }

    /// @inheritdoc IArbitrator
    function currentRuling(uint256 disputeId) external view returns (uint256) {
        DisputeRecord storage d = _existing(disputeId);
        return d.solved ? d.ruling : 0;
    }

    /// @inheritdoc IDisputeArbitration
    function isArbitrator(address account) external view returns (bool) {
        return _registered[account];
    }

    /// @inheritdoc IDisputeArbitration
    function disputeInfo(uint256 disputeId) external view returns (DisputeInfo memory info) {
        DisputeRecord storage d = _existing(disputeId);
        address[] memory panel = new address[](d.size);
        for (uint256 i; i < panel.length; ++i) {
            panel[i] = _panels[disputeId][i];
        }
        info = DisputeInfo(d.arbitrable, d.deadline, d.solved, d.choices, d.ruling, panel);
    }

    /// @inheritdoc IDisputeArbitration
    function votes(uint256 disputeId, uint256 ruling) external view returns (uint256) {
        return _votes[disputeId][ruling];
    }

    /// @inheritdoc IDisputeArbitration
    function hasVoted(uint256 disputeId, address member) external view returns (bool) {
        DisputeRecord storage d = _disputes[disputeId];
        address[MAX_PANEL] storage panel = _panels[disputeId];
        for (uint256 i; i < d.size; ++i) {
            if (panel[i] == member) return d.votedMask & (1 << i) != 0;
        }
        return false;
    }

    /// @inheritdoc IDisputeArbitration
    function rulingPeriod() external view returns (uint256) {
        return _period;
    }

    /// @inheritdoc IDisputeArbitration
    function disputeCount() external view returns (uint256) {
        return _count;
    }

    /// @inheritdoc IDisputeArbitration
    function owed(address account) external view returns (uint256) {
        return _owed[account];
    }

    // ---------------------------------------------------------------- external mutating

    /// @inheritdoc IArbitrator
    /// @dev `extraData` is `abi.encode(address[] panel)`: an odd number of distinct registered arbitrators.
    function createDispute(uint256 choices, bytes calldata extraData)
        external
        payable
        nonReentrant
        returns (uint256 disputeId)
    {
        // Check:
        if (msg.value != _cost) revert ArbitrationFeeMismatch(msg.value, _cost);
        if (choices == 0 || choices > type(uint16).max) revert ArbitrationInvalidChoices(choices);
        address[] memory panel = abi.decode(extraData, (address[]));
        _validatePanel(panel);
        // Effect:
        disputeId = _count++;
        _disputes[disputeId] = DisputeRecord({
            arbitrable: IArbitrable(msg.sender),
            deadline: uint32(block.timestamp + _period),
            solved: false,
            size: uint8(panel.length),
            votedMask: 0,
            choices: uint16(choices),
            ruling: 0
        });
        address[MAX_PANEL] storage members = _panels[disputeId];
        for (uint256 i; i < panel.length; ++i) {
            members[i] = panel[i];
        }
        emit DisputeCreation(disputeId, IArbitrable(msg.sender));
    }

    /// @inheritdoc IArbitrator
    function appeal(uint256, bytes calldata) external payable {
        revert ArbitrationAppealsNotSupported();
    }

    /// @inheritdoc IDisputeArbitration
    function registerArbitrator(address account) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (account == address(0) || _registered[account]) revert ArbitrationInvalidMember(account);
        _registered[account] = true;
        emit ArbitratorRegistered(account);
    }

    /// @inheritdoc IDisputeArbitration
    function vote(uint256 disputeId, uint256 ruling) external nonReentrant {
        DisputeRecord storage d = _existing(disputeId);
        // Check: an open dispute, in time, a valid ruling, a member who has not voted.
        if (d.solved) revert ArbitrationDisputeSolved(disputeId);
        if (block.timestamp > d.deadline) revert ArbitrationDeadlinePassed(disputeId, d.deadline);
        if (ruling > d.choices) revert ArbitrationInvalidRuling(ruling, d.choices);
        address[MAX_PANEL] storage panel = _panels[disputeId];
        uint256 size = d.size;
        uint256 index = _memberIndex(panel, size, disputeId);
        uint256 bit = 1 << index;
        if (d.votedMask & bit != 0) revert ArbitrationAlreadyVoted(disputeId, msg.sender);
        // Effect:
        d.votedMask |= uint16(bit);
        uint256 count = _votes[disputeId][ruling] + 1;
        emit VoteCast(disputeId, msg.sender, ruling);
        if (count * 2 > size) {
            _decide(disputeId, d, panel, ruling, false);
        } else {
            _votes[disputeId][ruling] = count;
        }
    }

    /// @inheritdoc IDisputeArbitration
    function ruleByDefault(uint256 disputeId) external nonReentrant {
        DisputeRecord storage d = _existing(disputeId);
        // Check:
        if (d.solved) revert ArbitrationDisputeSolved(disputeId);
        if (block.timestamp <= d.deadline) revert ArbitrationDeadlineNotReached(disputeId, d.deadline);
        _decide(disputeId, d, _panels[disputeId], 0, true);
    }

    /// @inheritdoc IDisputeArbitration
    function withdraw() external nonReentrant {
        uint256 amount = _owed[msg.sender];
        // Check:
        if (amount == 0) revert ArbitrationNothingToWithdraw(msg.sender);
        // Effect:
        _owed[msg.sender] = 0;
        emit Withdrawn(msg.sender, amount);
        // Interaction:
        Address.sendValue(payable(msg.sender), amount);
    }

    // ---------------------------------------------------------------- private

    /// @dev Records the ruling, has the arbitrable execute it and shares the fee among the panel.
    function _decide(
        uint256 disputeId,
        DisputeRecord storage d,
        address[MAX_PANEL] storage panel,
        uint256 ruling,
        bool byDefault
    ) private {
        // Effect:
        d.solved = true;
        d.ruling = uint16(ruling);
        emit DisputeDecided(disputeId, ruling, byDefault);
        // Interaction:
        d.arbitrable.rule(disputeId, ruling);
        uint256 size = d.size;
        uint256 share = _cost / size;
        for (uint256 i; i < size; ++i) {
            _pay(panel[i], i == 0 ? _cost - share * (size - 1) : share);
        }
    }

    /// @dev Pushes a fee share with a gas cap; credits it for withdrawal if the push fails.
    function _pay(address to, uint256 amount) private {
        if (amount == 0) return;
        uint256 needed = PUSH_GAS + PUSH_RESERVE;
        if (gasleft() < needed) revert ArbitrationInsufficientGas(gasleft(), needed);
        bool ok;
        assembly ("memory-safe") {
            ok := call(PUSH_GAS, to, amount, 0, 0, 0, 0)
        }
        if (!ok) {
            _owed[to] += amount;
            emit FeeDeferred(to, amount);
        }
    }

    /// @dev The caller's index in the panel.
    function _memberIndex(address[MAX_PANEL] storage panel, uint256 size, uint256 disputeId)
        private
        view
        returns (uint256)
    {
        for (uint256 i; i < size; ++i) {
            if (panel[i] == msg.sender) return i;
        }
        revert ArbitrationNotPanelMember(disputeId, msg.sender);
    }

    /// @dev A dispute that exists.
    function _existing(uint256 disputeId) private view returns (DisputeRecord storage d) {
        d = _disputes[disputeId];
        if (address(d.arbitrable) == address(0)) revert ArbitrationUnknownDispute(disputeId);
    }

    /// @dev An odd number (at most 15) of distinct registered arbitrators.
    function _validatePanel(address[] memory panel) private view {
        uint256 size = panel.length;
        if (size == 0 || size % 2 == 0 || size > MAX_PANEL) revert ArbitrationInvalidPanel(size);
        for (uint256 i; i < size; ++i) {
            address member = panel[i];
            if (!_registered[member]) revert ArbitrationInvalidMember(member);
            for (uint256 j; j < i; ++j) {
                if (panel[j] == member) revert ArbitrationInvalidMember(member);
            }
        }
    }
}
