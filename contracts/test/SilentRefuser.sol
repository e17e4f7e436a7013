// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Silent refuser (test double)
/// @notice A party whose receive reverts with no data at all (as a contract without a payable fallback does),
/// acting through its owner.
contract SilentRefuser {
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
        // solhint-disable-next-line gas-custom-errors
        assembly ("memory-safe") {
            revert(0, 0)
        }
    }
}
