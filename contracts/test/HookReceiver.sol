// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Re-entering receiver for every function (test double)
/// @notice A party that, whenever it is paid (ETH, or a token's `tokensReceived` hook), calls a target once with
/// each of a list of prepared payloads and records how each call ended: the first four bytes of its revert data,
/// or `bytes4(0xffffffff)` if it succeeded. It acts (calls any contract) through its owner.
contract HookReceiver {
    error Refused();

    address private immutable _owner;
    address public target;
    bytes[] private _payloads;
    bytes4[] private _results;
    uint256 public rounds;

    constructor() {
        _owner = msg.sender;
    }

    /// @notice Sets the calls made on every payment.
    function arm(address target_, bytes[] calldata payloads) external {
        require(msg.sender == _owner, Refused());
        target = target_;
        delete _payloads;
        for (uint256 i; i < payloads.length; ++i) {
            _payloads.push(payloads[i]);
        }
    }

    /// @notice How each payload's call ended in the last round.
    function results() external view returns (bytes4[] memory) {
        return _results;
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

    /// @notice The token hook.
    function tokensReceived(address, uint256) external {
        _reenter();
    }

    receive() external payable {
        _reenter();
    }

    function _reenter() private {
        if (target == address(0)) return;
        rounds += 1;
        delete _results;
        for (uint256 i; i < _payloads.length; ++i) {
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok, bytes memory out) = target.call(_payloads[i]);
            _results.push(ok ? bytes4(0xffffffff) : out.length >= 4 ? bytes4(out) : bytes4(0));
        }
    }
}
