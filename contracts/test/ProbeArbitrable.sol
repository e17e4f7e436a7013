// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IArbitrable} from "../interfaces/IArbitrable.sol";
import {IArbitrator} from "../interfaces/IArbitrator.sol";
import {IArbitrationRefund} from "../interfaces/IArbitrationRefund.sol";
import {IDisputeArbitration} from "../interfaces/IDisputeArbitration.sol";

/// @title Probe arbitrable (test double)
/// @notice An ERC-792 arbitrable that asks what it likes: any extra data (empty: the default panel), any number
/// of choices (Realitio's 2^256-2), any payment (overpaying on purpose). Its `rule` can be made to revert, to show
/// a failing arbitrable does not freeze a decision; it can refuse ETH, to show excess and refunds get credited.
contract ProbeArbitrable is IArbitrable, IArbitrationRefund {
    /// @notice `rule` was told to refuse this ruling.
    error ProbeRuleRefused(uint256 disputeId, uint256 ruling);
    /// @notice Only the arbitrator may rule.
    error ProbeNotArbitrator(address caller);
    /// @notice The probe was told to refuse ETH.
    error ProbeRefusesEth();
    /// @notice ETH arrived with less gas than the probe was told it needs (a wallet whose receive does work).
    error ProbeStarved(uint256 gasLeft, uint256 needed);

    /// @notice A refund callback arrived.
    event ProbeRefunded(uint256 indexed disputeId, uint256 amount);

    IArbitrator private immutable _arbitrator;
    /// @notice While true, `rule` reverts.
    bool public failing;
    /// @notice While true, ETH sent to the probe (excess, refunds) is refused.
    bool public refusesEth;
    /// @notice Gas a plain transfer to the probe needs; with less it reverts (0: no need).
    uint256 public receiveGas;
    /// @notice Gas left when the last `rule` call began.
    uint256 public ruleGasSeen;
    /// @notice Rulings executed, and the last one.
    uint256 public rulings;
    uint256 public lastDispute;
    uint256 public lastRuling;
    /// @notice ETH that came back through the refund callback, and through a plain transfer.
    uint256 public refunded;
    uint256 public received;

    constructor(IArbitrator arbitrator_) {
        _arbitrator = arbitrator_;
    }

    /// @notice Creates a dispute with whatever it is given, forwarding the value sent.
    function open(uint256 choices, bytes calldata extraData) external payable returns (uint256) {
        return _arbitrator.createDispute{value: msg.value}(choices, extraData);
    }

    /// @notice Makes `rule` revert (true) or accept (false).
    function setFailing(bool failing_) external {
        failing = failing_;
    }

    /// @notice Makes the probe refuse ETH (true) or accept it (false).
    function setRefusesEth(bool refuses) external {
        refusesEth = refuses;
    }

    /// @notice Makes a plain transfer to the probe revert when it arrives with less than `gas_` left.
    function setReceiveGas(uint256 gas_) external {
        receiveGas = gas_;
    }

    /// @notice Pulls what the arbitrator credited to the probe.
    function withdrawCredit() external {
        IDisputeArbitration(address(_arbitrator)).withdraw();
    }

    /// @inheritdoc IArbitrable
    function rule(uint256 disputeId, uint256 ruling) external {
        uint256 gasSeen = gasleft();
        if (msg.sender != address(_arbitrator)) revert ProbeNotArbitrator(msg.sender);
        if (failing) revert ProbeRuleRefused(disputeId, ruling);
        ++rulings;
        ruleGasSeen = gasSeen;
        lastDispute = disputeId;
        lastRuling = ruling;
        emit Ruling(_arbitrator, disputeId, ruling);
    }

    /// @inheritdoc IArbitrationRefund
    function onArbitrationRefund(uint256 disputeId) external payable {
        if (msg.sender != address(_arbitrator)) revert ProbeNotArbitrator(msg.sender);
        if (refusesEth) revert ProbeRefusesEth();
        refunded += msg.value;
        emit ProbeRefunded(disputeId, msg.value);
    }

    receive() external payable {
        if (refusesEth) revert ProbeRefusesEth();
        if (gasleft() < receiveGas) revert ProbeStarved(gasleft(), receiveGas);
        received += msg.value;
    }
}
