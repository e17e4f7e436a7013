// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title Token with transfer hooks (test double)
/// @notice An ERC-20 that, like an ERC-777 token, calls `tokensReceived(from, amount)` on every receiver that
/// registered for it, after each transfer, handing the receiver control in the middle of whoever sent the tokens.
/// A failing hook fails the transfer, as it does under ERC-777.
contract HookToken is ERC20 {
    error HookFailed(address receiver);

    mapping(address account => bool) public hooked;

    constructor() ERC20("Hook Token", "HOOK") {}

    /// @notice The caller's hook is called on every transfer to it.
    function registerHook() external {
        hooked[msg.sender] = true;
    }

    /// @notice Mints `amount` to `to`.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (from != address(0) && hooked[to]) {
            // solhint-disable-next-line avoid-low-level-calls
            (bool ok,) = to.call(abi.encodeWithSignature("tokensReceived(address,uint256)", from, value));
            if (!ok) revert HookFailed(to);
        }
    }
}
