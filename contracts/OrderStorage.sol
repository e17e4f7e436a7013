// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {EIP712} from "@openzeppelin/contracts/utils/cryptography/EIP712.sol";
import {Pausable} from "@openzeppelin/contracts/utils/Pausable.sol";
import {IOrderRegistry} from "./interfaces/IOrderRegistry.sol";
import {OrderState, Status} from "./types/TradeTypes.sol";

/// @title Order storage
/// @notice The order registry's constants, state and state-machine guard, without its functions: the escrow's
/// two halves (TradeEscrow, which is the registry, and its disputes module) both inherit it, so both see the
/// same slots.
abstract contract OrderStorage is EIP712, Pausable {
    // ---------------------------------------------------------------- constants

    /// @dev Basis points in a whole.
    uint256 internal constant BPS = 10_000;
    /// @dev The platform fee cap: 2%.
    uint256 internal constant MAX_FEE_BPS = 200;
    /// @dev At most this many milestone tranches per order.
    uint256 internal constant MAX_MILESTONES = 4;
    /// @dev At most this many customs authorities, and this many inspectors, per order.
    uint256 internal constant MAX_RECORDERS = 4;
    /// @dev The ruling timeout when the terms give 0, and the bounds of one they give.
    uint256 internal constant DEFAULT_RULING_TIMEOUT = 180 days;
    uint256 internal constant MIN_RULING_TIMEOUT = 30 days;
    uint256 internal constant MAX_RULING_TIMEOUT = 730 days;

    /// @dev Status bit masks for {_requireStatus}.
    uint256 internal constant S_NONE = 1 << uint256(Status.None);
    uint256 internal constant S_CREATED = 1 << uint256(Status.Created);
    uint256 internal constant S_ACCEPTED = 1 << uint256(Status.Accepted);
    uint256 internal constant S_FUNDED = 1 << uint256(Status.Funded);
    uint256 internal constant S_IN_TRANSIT = 1 << uint256(Status.InTransit);
    uint256 internal constant S_DELIVERED = 1 << uint256(Status.Delivered);
    uint256 internal constant S_DISPUTED = 1 << uint256(Status.Disputed);
    /// @dev Funded and not closed or disputed: the goods are on their way.
    uint256 internal constant S_ACTIVE = S_FUNDED | S_IN_TRANSIT | S_DELIVERED;

    // ---------------------------------------------------------------- state

    // The platform settings share one slot with Pausable's flag, so the pause check and the fee snapshot on
    // the funding path cost one cold read.
    /// @dev Platform fee in basis points for orders registered from now on.
    uint8 internal _feeBps;
    /// @dev Account that platform fees are credited to.
    address internal _treasury;
    /// @dev Seconds the other party has to pay its arbitration fee once a dispute is opened.
    uint32 internal _feeTimeout;

    /// @dev Live state of each order.
    mapping(bytes32 orderId => OrderState) internal _orders;

    // ---------------------------------------------------------------- constructor

    constructor(string memory name, string memory version) EIP712(name, version) {}

    // ---------------------------------------------------------------- internal

    /// @dev The one guard of the state machine: reverts unless `current` is in the mask `allowed`.
    function _requireStatus(bytes32 id, Status current, uint256 allowed) internal pure {
        if ((1 << uint256(current)) & allowed == 0) revert IOrderRegistry.OrderInvalidStatus(id, current, allowed);
    }
}
