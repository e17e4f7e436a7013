// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Arbitration fee refund (optional, for arbitrables of DisputeArbitration)
/// @notice A panel that never voted is not paid for the default ruling it did not give: DisputeArbitration sends
/// the whole arbitration fee back to the dispute's arbitrable by calling this function with the fee as value,
/// with a gas cap (100,000), after recording the decision and before calling `rule`. An arbitrable that
/// implements it learns, before the ruling arrives, that the fee came back for `disputeId` and can share it as
/// the ruling says. When the call fails (the function is missing, reverts or runs out of gas) the fee is
/// credited to the arbitrable instead, which withdraws it with `withdraw()` or `withdrawTo(address)`; the
/// `FeeRefunded` event names the dispute either way.
interface IArbitrationRefund {
    /// @notice Receives the arbitration fee of `disputeId` back (msg.value). Called only by the arbitrator,
    /// before the ruling of that dispute is executed.
    function onArbitrationRefund(uint256 disputeId) external payable;
}
