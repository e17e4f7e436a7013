// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {IDisputeArbitration} from "./interfaces/IDisputeArbitration.sol";
import {IArbitrator} from "./interfaces/IArbitrator.sol";
import {IArbitrable} from "./interfaces/IArbitrable.sol";
import {IArbitrationRefund} from "./interfaces/IArbitrationRefund.sol";

/// @title Panel arbitration
/// @notice An ERC-792 arbitrator: each dispute is decided by the panel named in its extra data (or the default
/// panel for empty extra data), by strict majority, recorded in the vote that reaches it and then executed. The
/// cost is fixed at deployment, so no one can price a party out of a dispute it has already opened; the fee is
/// shared by the panel.
/// @dev Choices: any number from 1 to 2^256-1. Up to 65,535 (the escrow asks 10,001) they live in the dispute's
/// slot; above, in a second slot with the ruling (one more write at creation and one at the decision).
contract DisputeArbitration is IDisputeArbitration, AccessControl, ReentrancyGuardTransient {
    // ---------------------------------------------------------------- types

    /// @dev A dispute in one slot, its panel's members beside it (one slot each, no length slot).
    struct DisputeRecord {
        IArbitrable arbitrable; // who created it
        uint32 deadline; //       the panel's ruling deadline (the period is bounded, so it fits until 2106)
        uint8 size; //            panel members
        uint8 flags; //           F_SOLVED, F_EXECUTED, F_DEFAULT_PANEL
        uint16 votedMask; //      bit i: panel member i voted
        uint16 choices; //        rulings available besides 0; 0: more than 65,535, see _wide
        uint16 ruling; //         the ruling, once solved (for a wide dispute: in _wide)
    }

    /// @dev Choices and ruling of a dispute with more than 65,535 choices.
    struct WideDispute {
        uint256 choices; // rulings available besides 0
        uint256 ruling; //  the ruling, once solved
    }

    // ---------------------------------------------------------------- constants

    /// @dev Largest panel.
    uint256 private constant MAX_PANEL = 15;
    /// @dev Longest ruling period.
    uint256 private constant MAX_PERIOD = 365 days;
    /// @dev Gas given to the push of a member's fee share or a payer's excess.
    uint256 private constant PUSH_GAS = 35_000;
    /// @dev Gas given to the refund callback of an arbitrable ({IArbitrationRefund}).
    uint256 private constant REFUND_GAS = 100_000;
    /// @dev Gas kept back to credit a push that failed.
    uint256 private constant PUSH_RESERVE = 40_000;
    /// @dev Gas given to the arbitrable's `rule` in the deciding transaction.
    uint256 private constant RULE_GAS = 600_000;
    /// @dev Gas kept back to record a failed execution.
    uint256 private constant RULE_RESERVE = 30_000;
    /// @dev Flag: the dispute has its ruling.
    uint8 private constant F_SOLVED = 1;
    /// @dev Flag: the arbitrable executed the ruling.
    uint8 private constant F_EXECUTED = 2;
    /// @dev Flag: the dispute sits with the default panel.
    uint8 private constant F_DEFAULT_PANEL = 4;

    // ---------------------------------------------------------------- state

    /// @dev The fee for a dispute, fixed for the arbitrator's life.
    uint256 private immutable _cost;
    /// @dev Seconds a panel has to decide.
    uint64 private immutable _period;

    /// @dev Registered arbitrators (permanent).
    mapping(address account => bool) private _registered;
    /// @dev Disputes by identifier.
    mapping(uint256 disputeId => DisputeRecord) private _disputes;
    /// @dev Each dispute's panel (unused for the default panel's disputes).
    mapping(uint256 disputeId => address[MAX_PANEL]) private _panels;
    /// @dev Choices and ruling of disputes with more than 65,535 choices.
    mapping(uint256 disputeId => WideDispute) private _wide;
    /// @dev Votes per ruling of an undecided dispute (the deciding vote is not stored).
    mapping(uint256 disputeId => mapping(uint256 ruling => uint256)) private _votes;
    /// @dev Pushes that failed, withdrawable.
    mapping(address account => uint256) private _owed;
    /// @dev The default panel: set once, never changed, so its disputes share it.
    address[MAX_PANEL] private _defaultPanel;
    /// @dev Members of the default panel; 0 while unset.
    uint256 private _defaultSize;
    /// @dev Disputes created so far; the next identifier.
    uint256 private _count;

    // ---------------------------------------------------------------- constructor

    /// @param admin The operator, who registers arbitrators and sets the default panel.
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
    /// @dev Reverts, with an error naming the fault, for extra data that names no panel that could decide (see
    /// {createDispute}), so an arbitrable contract that asks the cost before a party opens a dispute never lets
    /// one open what the other could not join.
    function arbitrationCost(bytes calldata extraData) external view returns (uint256) {
        _readPanel(extraData);
        return _cost;
    }

    /// @inheritdoc IArbitrator
    /// @dev Appeals are not supported: the cost is 2^250, which no one can pay and an arbitrable may still
    /// multiply (by a stake multiplier in basis points, say) without overflow.
    function appealCost(uint256, bytes calldata) external pure returns (uint256) {
        return 2 ** 250;
    }

    /// @inheritdoc IArbitrator
    /// @dev No appeal period: (0, 0).
    function appealPeriod(uint256) external pure returns (uint256 start, uint256 end) {
        return (0, 0);
    }

    /// @inheritdoc IArbitrator
    /// @dev Solved from the deciding vote (or the default ruling) on, even while its execution is pending.
    function disputeStatus(uint256 disputeId) external view returns (DisputeStatus) {
        return _existing(disputeId).flags & F_SOLVED != 0 ? DisputeStatus.Solved : DisputeStatus.Waiting;
    }

    /// @inheritdoc IArbitrator
    function currentRuling(uint256 disputeId) external view returns (uint256) {
        DisputeRecord storage d = _existing(disputeId);
        return d.flags & F_SOLVED != 0 ? _rulingOf(disputeId, d) : 0;
    }

    /// @inheritdoc IDisputeArbitration
    function isArbitrator(address account) external view returns (bool) {
        return _registered[account];
    }

    /// @inheritdoc IDisputeArbitration
    function disputeInfo(uint256 disputeId) external view returns (DisputeInfo memory info) {
        DisputeRecord storage d = _existing(disputeId);
        address[MAX_PANEL] storage members = _panelOf(disputeId, d);
        address[] memory panel = new address[](d.size);
        for (uint256 i; i < panel.length; ++i) {
            panel[i] = members[i];
        }
        uint256 flags = d.flags;
        info = DisputeInfo(
            d.arbitrable,
            d.deadline,
            flags & F_SOLVED != 0,
            flags & F_EXECUTED != 0,
            _choicesOf(disputeId, d),
            flags & F_SOLVED != 0 ? _rulingOf(disputeId, d) : 0,
            panel
        );
    }

    /// @inheritdoc IDisputeArbitration
    function votes(uint256 disputeId, uint256 ruling) external view returns (uint256) {
        return _votes[disputeId][ruling];
    }

    /// @inheritdoc IDisputeArbitration
    function hasVoted(uint256 disputeId, address member) external view returns (bool) {
        DisputeRecord storage d = _disputes[disputeId];
        address[MAX_PANEL] storage panel = _panelOf(disputeId, d);
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

    /// @inheritdoc IDisputeArbitration
    function defaultPanel() external view returns (address[] memory panel) {
        panel = new address[](_defaultSize);
        for (uint256 i; i < panel.length; ++i) {
            panel[i] = _defaultPanel[i];
        }
    }

    /// @inheritdoc IDisputeArbitration
    function ruleGas() external pure returns (uint256) {
        return RULE_GAS;
    }

    // ---------------------------------------------------------------- external mutating

    /// @inheritdoc IArbitrator
    /// @dev `extraData` is empty (the default panel) or `abi.encode(address[] panel)`: an odd number (at most 15)
    /// of distinct registered arbitrators. At least the cost must be sent; the excess is pushed back to the
    /// payer (credited for withdrawal if the push fails).
    function createDispute(uint256 choices, bytes calldata extraData)
        external
        payable
        nonReentrant
        returns (uint256 disputeId)
    {
        // Check:
        uint256 cost = _cost;
        if (msg.value < cost) revert ArbitrationFeeMismatch(msg.value, cost);
        if (choices == 0) revert ArbitrationInvalidChoices(choices);
        (uint256 start, uint256 size) = _readPanel(extraData);
        bool byDefault = start == 0;
        // Effect:
        disputeId = _count++;
        bool wide = choices > type(uint16).max;
        _disputes[disputeId] = DisputeRecord({
            arbitrable: IArbitrable(msg.sender),
            deadline: uint32(block.timestamp + _period),
            size: uint8(size),
            flags: byDefault ? F_DEFAULT_PANEL : 0,
            votedMask: 0,
            choices: wide ? 0 : uint16(choices),
            ruling: 0
        });
        if (wide) _wide[disputeId].choices = choices;
        if (!byDefault) {
            address[MAX_PANEL] storage members = _panels[disputeId];
            for (uint256 i; i < size; ++i) {
                members[i] = _memberAt(start, i);
            }
        }
        emit DisputeCreation(disputeId, IArbitrable(msg.sender));
        // Interaction:
        if (msg.value > cost) {
            emit ExcessReturned(disputeId, msg.sender, msg.value - cost);
            _pay(msg.sender, msg.value - cost);
        }
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
    function setDefaultPanel(address[] calldata panel) external onlyRole(DEFAULT_ADMIN_ROLE) {
        // Check: once, a panel that can decide.
        if (_defaultSize != 0) revert ArbitrationDefaultPanelAlreadySet();
        uint256 start;
        assembly ("memory-safe") {
            start := panel.offset
        }
        _validatePanel(start, panel.length);
        // Effect:
        for (uint256 i; i < panel.length; ++i) {
            _defaultPanel[i] = panel[i];
        }
        _defaultSize = panel.length;
        emit DefaultPanelSet(panel);
    }

    /// @inheritdoc IDisputeArbitration
    function vote(uint256 disputeId, uint256 ruling) external nonReentrant {
        DisputeRecord storage d = _existing(disputeId);
        // Check: an open dispute, in time, a valid ruling, a member who has not voted.
        if (d.flags & F_SOLVED != 0) revert ArbitrationDisputeSolved(disputeId);
        if (block.timestamp > d.deadline) revert ArbitrationDeadlinePassed(disputeId, d.deadline);
        uint256 choices = _choicesOf(disputeId, d);
        if (ruling > choices) revert ArbitrationInvalidRuling(ruling, choices);
        address[MAX_PANEL] storage panel = _panelOf(disputeId, d);
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
        if (d.flags & F_SOLVED != 0) revert ArbitrationDisputeSolved(disputeId);
        if (block.timestamp <= d.deadline) revert ArbitrationDeadlineNotReached(disputeId, d.deadline);
        _decide(disputeId, d, _panelOf(disputeId, d), 0, true);
    }

    /// @inheritdoc IDisputeArbitration
    function executeRuling(uint256 disputeId) external nonReentrant {
        DisputeRecord storage d = _existing(disputeId);
        // Check: decided, not yet executed.
        uint256 flags = d.flags;
        if (flags & F_SOLVED == 0) revert ArbitrationNotDecided(disputeId);
        if (flags & F_EXECUTED != 0) revert ArbitrationRulingAlreadyExecuted(disputeId);
        uint256 ruling = _rulingOf(disputeId, d);
        // Effect:
        d.flags = uint8(flags | F_EXECUTED);
        emit RulingExecuted(disputeId, ruling);
        // Interaction: all the gas sent; a revert bubbles up with the arbitrable's reason and undoes the effect.
        d.arbitrable.rule(disputeId, ruling);
    }

    /// @inheritdoc IDisputeArbitration
    function withdraw() external nonReentrant {
        _withdraw(msg.sender);
    }

    /// @inheritdoc IDisputeArbitration
    function withdrawTo(address to) external nonReentrant {
        if (to == address(0)) revert ArbitrationZeroAddress();
        _withdraw(to);
    }

    // ---------------------------------------------------------------- private

    /// @dev Records the ruling, pays (or refunds) the fee, then has the arbitrable execute the ruling with a
    /// gas cap: a failing `rule` leaves the decision recorded and executable by anyone later.
    function _decide(
        uint256 disputeId,
        DisputeRecord storage d,
        address[MAX_PANEL] storage panel,
        uint256 ruling,
        bool byDefault
    ) private {
        // Effect:
        d.flags |= F_SOLVED | F_EXECUTED;
        if (d.choices == 0) _wide[disputeId].ruling = ruling;
        else d.ruling = uint16(ruling);
        emit DisputeDecided(disputeId, ruling, byDefault);
        // Interaction: the fee. By majority the whole panel is paid; by default only those who voted, and a
        // panel that never voted gets nothing: the fee goes back to the arbitrable before the ruling arrives.
        IArbitrable arbitrable = d.arbitrable;
        uint256 size = d.size;
        uint256 paid = byDefault ? d.votedMask : (1 << size) - 1;
        if (paid == 0) {
            _refund(disputeId, address(arbitrable));
        } else {
            uint256 payees;
            for (uint256 bits = paid; bits != 0; bits &= bits - 1) {
                ++payees;
            }
            uint256 share = _cost / payees;
            uint256 rest = _cost - share * payees;
            for (uint256 i; i < size; ++i) {
                if (paid & (1 << i) == 0) continue;
                _pay(panel[i], share + rest);
                rest = 0;
            }
        }
        // Interaction: the ruling, with its whole cap or not at all (no caller can starve it into a failure).
        uint256 needed = RULE_GAS + RULE_GAS / 63 + RULE_RESERVE;
        if (gasleft() < needed) revert ArbitrationInsufficientGas(gasleft(), needed);
        bytes memory data = abi.encodeCall(IArbitrable.rule, (disputeId, ruling));
        bool ok;
        assembly ("memory-safe") {
            ok := call(RULE_GAS, arbitrable, 0, add(data, 0x20), mload(data), 0, 0)
        }
        if (!ok) {
            // Effect: the decision stands, its execution is pending.
            d.flags &= ~F_EXECUTED;
            emit RulingExecutionFailed(disputeId, ruling);
        }
    }

    /// @dev Sends the whole fee back to the arbitrable through {IArbitrationRefund}; credits it if that fails.
    function _refund(uint256 disputeId, address arbitrable) private {
        uint256 amount = _cost;
        if (amount == 0) return;
        emit FeeRefunded(disputeId, arbitrable, amount);
        uint256 needed = REFUND_GAS + PUSH_RESERVE;
        if (gasleft() < needed) revert ArbitrationInsufficientGas(gasleft(), needed);
        bytes memory data = abi.encodeCall(IArbitrationRefund.onArbitrationRefund, (disputeId));
        bool ok;
        assembly ("memory-safe") {
            ok := call(REFUND_GAS, arbitrable, amount, add(data, 0x20), mload(data), 0, 0)
        }
        if (!ok) {
            _owed[arbitrable] += amount;
            emit FeeDeferred(arbitrable, amount);
        }
    }

    /// @dev Pushes `amount` with a gas cap; credits it for withdrawal if the push fails.
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

    /// @dev Sends the caller's credit to `to`. A failure reverts: the money stays credited.
    function _withdraw(address to) private {
        uint256 amount = _owed[msg.sender];
        // Check:
        if (amount == 0) revert ArbitrationNothingToWithdraw(msg.sender);
        // Effect:
        _owed[msg.sender] = 0;
        emit Withdrawn(msg.sender, amount);
        if (to != msg.sender) emit WithdrawnTo(msg.sender, to, amount);
        // Interaction:
        Address.sendValue(payable(to), amount);
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

    /// @dev Where a dispute's panel is stored.
    function _panelOf(uint256 disputeId, DisputeRecord storage d)
        private
        view
        returns (address[MAX_PANEL] storage)
    {
        return d.flags & F_DEFAULT_PANEL != 0 ? _defaultPanel : _panels[disputeId];
    }

    /// @dev A dispute's number of choices.
    function _choicesOf(uint256 disputeId, DisputeRecord storage d) private view returns (uint256) {
        uint256 choices = d.choices;
        return choices != 0 ? choices : _wide[disputeId].choices;
    }

    /// @dev A solved dispute's ruling.
    function _rulingOf(uint256 disputeId, DisputeRecord storage d) private view returns (uint256) {
        return d.choices != 0 ? d.ruling : _wide[disputeId].ruling;
    }

    /// @dev The panel that `extraData` names, checked: where its members start in calldata and how many they
    /// are; (0, the default panel's size) for empty extra data.
    function _readPanel(bytes calldata extraData) private view returns (uint256 start, uint256 size) {
        uint256 length = extraData.length;
        if (length == 0) {
            size = _defaultSize;
            if (size == 0) revert ArbitrationNoDefaultPanel();
            return (0, size);
        }
        // abi.encode(address[]): the offset (32), the count n, then n words each holding an address.
        if (length < 64) revert ArbitrationExtraDataLength(length, 64);
        uint256 offset;
        assembly ("memory-safe") {
            offset := calldataload(extraData.offset)
            size := calldataload(add(extraData.offset, 32))
            start := add(extraData.offset, 64)
        }
        if (offset != 32) revert ArbitrationExtraDataOffset(offset);
        if (size != (length - 64) / 32 || length % 32 != 0) {
            revert ArbitrationExtraDataLength(length, size > MAX_PANEL ? 64 + 32 * MAX_PANEL : 64 + 32 * size);
        }
        _validatePanel(start, size);
    }

    /// @dev An odd number (at most 15) of distinct registered arbitrators, `size` words from calldata `start`.
    function _validatePanel(uint256 start, uint256 size) private view {
        if (size == 0 || size % 2 == 0 || size > MAX_PANEL) revert ArbitrationInvalidPanel(size);
        for (uint256 i; i < size; ++i) {
            uint256 word;
            assembly ("memory-safe") {
                word := calldataload(add(start, mul(32, i)))
            }
            if (word >> 160 != 0) revert ArbitrationExtraDataAddress(i, word);
            address member = address(uint160(word));
            if (!_registered[member]) revert ArbitrationMemberNotRegistered(member);
            for (uint256 j; j < i; ++j) {
                if (_memberAt(start, j) == member) revert ArbitrationMemberDuplicated(member);
            }
        }
    }

    /// @dev Member `i` of a panel checked by {_validatePanel}.
    function _memberAt(uint256 start, uint256 i) private pure returns (address member) {
        assembly ("memory-safe") {
            member := calldataload(add(start, mul(32, i)))
        }
    }
}
