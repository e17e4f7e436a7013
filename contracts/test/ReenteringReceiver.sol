// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Re-entering receiver (test double)
/// @notice A party that, whenever it receives ETH, calls back into a target with prepared calldata and records
/// whether the re-entry succeeded. It can act (call any contract) through its owner.
contract ReenteringReceiver {
    error Refused();

    address private immutable _owner;
    address public target;
    bytes public payload;
    uint256 public attempts;
    uint256 public successes;
    bytes public lastError;

    constructor() {
        _owner = msg.sender;
    }

    /// @notice Sets the call made on every receipt.
    function arm(address target_, bytes calldata payload_) external {
        require(msg.sender == _owner, Refused());
        target = target_;
        payload = payload_;
    }

    /// @notice Calls `target_` with `data` and `msg.value` as this contract; bubbles up a revert.
    function act(address target_, bytes calldata data) external payable returns (bytes memory result) {
        require(msg.sender == _owner, Refused());
        bool ok;
        (ok, result) = target_.call{value: msg.value}(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 0x20), mload(result))
            }
        }
    }

    receive() external payable {
        if (target == address(0)) return;
        attempts += 1;
        (bool ok, bytes memory result) = target.call(payload);
        if (ok) successes += 1;
        else lastError = result;
    }
}
