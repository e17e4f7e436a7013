// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Reverting receiver (test double)
/// @notice A party that refuses every ETH payment sent to it, but can act (call any contract) through its owner.
contract RevertingReceiver {
    error Refused();

    address private immutable _owner;

    constructor() {
        _owner = msg.sender;
    }

    /// @notice Calls `target` with `data` and `msg.value` as this contract; bubbles up a revert.
    function act(address target, bytes calldata data) external payable returns (bytes memory result) {
        require(msg.sender == _owner, Refused());
        bool ok;
        (ok, result) = target.call{value: msg.value}(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
    }

    receive() external payable {
        revert Refused();
    }
}
