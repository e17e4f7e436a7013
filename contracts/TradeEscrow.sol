// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";

import {ITradeEscrow} from "./interfaces/ITradeEscrow.sol";
import {ILogisticsTracker} from "./interfaces/ILogisticsTracker.sol";
import {EscrowCore} from "./EscrowCore.sol";
import {OrderRegistry} from "./OrderRegistry.sol";
import {OrderHashing} from "./libraries/OrderHashing.sol";
import {OrderForm} from "./libraries/OrderForm.sol";
import {Order, Permit, OrderState, Stage, Status} from "./types/TradeTypes.sol";

/// @title Trade escrow
/// @notice Holds each order's money and moves it only by the order's rules: milestone tranches as stages are
/// recorded, the rest on confirmation or when the inspection window lapses, refunds on missed deadlines, splits
/// by ruling. Payouts are pushed with a gas cap and credited for withdrawal when the push fails, so no receiver
/// can block a payout. The operator sets the fee (capped, snapshotted per order), the treasury and the fee
/// timeout, and may pause new registrations and funding; it can never move an order's money.
/// @dev Two contracts at one address: the cold paths (disputes, rulings, settlements, operator settings) are the
/// module {EscrowDisputes}, deployed first and run by delegatecall from this contract's fallback. Both inherit
/// {EscrowCore} and nothing else with storage, so they share one storage layout.
contract TradeEscrow is ITradeEscrow, EscrowCore, OrderRegistry {
    using SafeERC20 for IERC20;

    // ---------------------------------------------------------------- state

    /// @dev The tracker that reports checkpoints; it points back at this escrow.
    ILogisticsTracker private immutable _tracker;
    /// @dev The disputes module this escrow delegates its other functions to.
    address private immutable _module;

    // ---------------------------------------------------------------- constructor

    /// @param admin The operator: sets fees, treasury and fee timeout, pauses.
    /// @param treasury_ The account platform fees are credited to.
    /// @param tracker_ The logistics tracker, deployed first with this escrow's address.
    /// @param module_ The disputes module ({EscrowDisputes}), deployed before the tracker.
    constructor(address admin, address treasury_, ILogisticsTracker tracker_, address module_) {
        if (
            admin == address(0) || treasury_ == address(0) || address(tracker_) == address(0)
                || module_.code.length == 0
        ) {
            revert EscrowZeroAddress();
        }
        address back = tracker_.escrow();
        if (back != address(this)) revert EscrowTrackerMismatch(address(tracker_), back);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _tracker = tracker_;
        _module = module_;
        _treasury = treasury_;
        _feeTimeout = 2 days;
    }

    // ---------------------------------------------------------------- external views

    /// @inheritdoc ITradeEscrow
    function owed(address account, address token) external view returns (uint256) {
        return _owed[account][token];
    }

    /// @inheritdoc ITradeEscrow
    function feeBps() external view returns (uint256) {
        return _feeBps;
    }

    /// @inheritdoc ITradeEscrow
    function treasury() external view returns (address) {
        return _treasury;
    }

    /// @inheritdoc ITradeEscrow
    function feeTimeout() external view returns (uint256) {
        return _feeTimeout;
    }

    /// @inheritdoc ITradeEscrow
    function tracker() external view returns (address) {
        return address(_tracker);
    }

    /// @inheritdoc ITradeEscrow
    function disputesModule() external view returns (address) {
        return _module;
    }

    /// @inheritdoc ITradeEscrow
    function disputeOrder(address arbitrator, uint256 disputeId) external view returns (bytes32) {
        return _disputeOrders[arbitrator][disputeId];
    }

    // ---------------------------------------------------------------- funding

    /// @inheritdoc ITradeEscrow
    function fund(Order calldata order, bytes32 termsHash) external payable nonReentrant whenNotPaused {
        (bytes32 id, OrderState storage state) = _acceptedOrder(order, termsHash);
        _fund(id, order, state);
    }

    /// @inheritdoc ITradeEscrow
    function fundWithPermit(Order calldata order, bytes32 termsHash, Permit calldata permit)
        external
        nonReentrant
        whenNotPaused
    {
        (bytes32 id, OrderState storage state) = _acceptedOrder(order, termsHash);
        _permit(order, permit);
        _fund(id, order, state);
    }

    /// @inheritdoc ITradeEscrow
    function fundWithQuote(bytes calldata order, string calldata termsURI, bytes calldata signature)
        external
        payable
        nonReentrant
        whenNotPaused
        returns (bytes32 id)
    {
        Order calldata head = OrderForm.open(order);
        OrderState storage state;
        (id, state) = _registerQuote(head, order, termsURI, signature);
        _fund(id, head, state);
    }

    /// @inheritdoc ITradeEscrow
    function fundWithQuoteAndPermit(
        bytes calldata order,
        string calldata termsURI,
        bytes calldata signature,
        Permit calldata permit
    ) external nonReentrant whenNotPaused returns (bytes32 id) {
        Order calldata head = OrderForm.open(order);
        OrderState storage state;
        (id, state) = _registerQuote(head, order, termsURI, signature);
        _permit(head, permit);
        _fund(id, head, state);
    }

    // ---------------------------------------------------------------- settlement

    /// @inheritdoc ITradeEscrow
    function confirm(Order calldata order, bytes32 termsHash) external nonReentrant {
        bytes32 id = OrderHashing.hashOrder(order, termsHash);
        OrderState storage state = _orders[id];
        // Check:
        if (msg.sender != order.buyer) revert OrderUnauthorized(id, msg.sender);
        _requireStatus(id, state.status, S_ACTIVE);
        if (state.onHold) revert EscrowOnHold(id);
        _complete(id, order, state);
    }

    /// @inheritdoc ITradeEscrow
    function settle(bytes calldata order) external nonReentrant {
        Order calldata head = OrderForm.open(order);
        bytes32 id = OrderForm.id(order);
        OrderState storage state = _orders[id];
        // Check:
        _requireStatus(id, state.status, S_DELIVERED);
        if (state.onHold) revert EscrowOnHold(id);
        uint256 endsAt = uint256(state.deliveredAt) + OrderForm.inspectionWindow(order);
        if (block.timestamp <= endsAt) revert EscrowDeadlineNotReached(id, endsAt);
        _complete(id, head, state);
    }

    /// @inheritdoc ITradeEscrow
    function refund(bytes calldata order) external nonReentrant {
        Order calldata head = OrderForm.open(order);
        bytes32 id = OrderForm.id(order);
        OrderState storage state = _orders[id];
        // Check: a deadline missed (before delivery anyone may claim it for the buyer; after a late delivery it
        // is the buyer's choice).
        Status status = state.status;
        _requireStatus(id, status, S_ACTIVE);
        if (status == Status.Delivered && msg.sender != head.buyer) revert OrderUnauthorized(id, msg.sender);
        _requireRefundDue(id, state, order);
        uint256 amount = head.price - _released(head.price, state.releasedBps);
        // Effect:
        state.status = Status.Refunded;
        emit OrderRefunded(id, amount);
        // Interaction:
        _pay(head.buyer, head.token, amount);
    }

    /// @inheritdoc ITradeEscrow
    function refundDue(bytes calldata order) external view returns (bool) {
        OrderForm.check(order);
        bytes32 id = OrderForm.id(order);
        OrderState storage state = _orders[id];
        if ((1 << uint256(state.status)) & S_ACTIVE == 0) return false;
        (uint256 why,) = _refundCheck(state, order);
        return why == REFUND_DUE;
    }

    // ---------------------------------------------------------------- disputes

    // ---------------------------------------------------------------- withdrawals

    /// @inheritdoc ITradeEscrow
    function withdraw(address token) external nonReentrant {
        _withdraw(token, msg.sender);
    }

    /// @inheritdoc ITradeEscrow
    function withdrawTo(address token, address to) external nonReentrant {
        if (to == address(0)) revert EscrowZeroAddress();
        _withdraw(token, to);
    }

    // ---------------------------------------------------------------- tracker hooks

    /// @inheritdoc ITradeEscrow
    function stageReported(Order calldata order, bytes32 id, Stage stage, uint256 schedule, uint256 windows)
        external
        nonReentrant
    {
        if (msg.sender != address(_tracker)) revert EscrowOnlyTracker(msg.sender);
        // The tracker derived `id` from this very order form.
        OrderState storage state = _orders[id];
        // Check: funded and open; each track only moves forward.
        Status status = state.status;
        _requireStatus(id, status, S_ACTIVE | S_DISPUTED);
        bool customs = stage == Stage.ExportCleared || stage == Stage.ImportCleared;
        Stage current = customs ? state.clearance : state.stage;
        if (stage <= current) revert EscrowStageNotForward(id, current, stage);
        // Effect:
        if (customs) {
            state.clearance = stage;
        } else {
            uint256 fundedAt = state.fundedAt;
            // The first transport stage from pickup on meets (or misses) ship-by: a late one pays nothing.
            if (current < Stage.PickedUp && stage >= Stage.PickedUp) {
                if (block.timestamp > fundedAt + uint32(windows)) state.pickedUpLate = true;
                if (status == Status.Funded) status = Status.InTransit;
            }
            state.stage = stage;
            if (stage == Stage.Delivered) {
                state.deliveredAt = uint32(block.timestamp);
                state.deliveredOnTime = block.timestamp <= fundedAt + uint32(windows >> 32);
                if (status != Status.Disputed) status = Status.Delivered;
            }
            if (status != state.status) state.status = status;
        }
        if (status != Status.Disputed && !state.onHold) _releaseDue(id, order, state, schedule, stage);
    }

    /// @inheritdoc ITradeEscrow
    function holdReported(Order calldata order, bytes32 id, bool hold, uint256 schedule) external nonReentrant {
        if (msg.sender != address(_tracker)) revert EscrowOnlyTracker(msg.sender);
        // The tracker derived `id` from this very order form.
        OrderState storage state = _orders[id];
        // Check:
        Status status = state.status;
        _requireStatus(id, status, S_ACTIVE | S_DISPUTED);
        if (state.onHold == hold) revert EscrowHoldUnchanged(id, hold);
        // Effect: a release after delivery restarts the inspection window in full (it did not run on hold).
        state.onHold = hold;
        if (hold) return;
        if (state.stage == Stage.Delivered) state.deliveredAt = uint32(block.timestamp);
        if (status != Status.Disputed) _releaseDue(id, order, state, schedule, state.stage);
    }

    // ---------------------------------------------------------------- operator

    /// @inheritdoc ITradeEscrow
    function pause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _pause();
    }

    /// @inheritdoc ITradeEscrow
    function unpause() external onlyRole(DEFAULT_ADMIN_ROLE) {
        _unpause();
    }

    // ---------------------------------------------------------------- private: funding

    /// @dev The buyer's accepted order.
    function _acceptedOrder(Order calldata order, bytes32 termsHash)
        private
        view
        returns (bytes32 id, OrderState storage state)
    {
        id = OrderHashing.hashOrder(order, termsHash);
        state = _orders[id];
        if (msg.sender != order.buyer) revert OrderUnauthorized(id, msg.sender);
        _requireStatus(id, state.status, S_ACCEPTED);
    }

    /// @dev Registers a quote the seller signed, for its buyer.
    function _registerQuote(
        Order calldata order,
        bytes calldata form,
        string calldata termsURI,
        bytes calldata signature
    ) private returns (bytes32 id, OrderState storage state) {
        id = OrderForm.id(form);
        // Check: the order's identifier is its only storage key, so a used quote cannot be funded again.
        if (msg.sender != order.buyer) revert OrderUnauthorized(id, msg.sender);
        if (!_isSellerSignature(order.seller, _hashTypedDataV4(id), signature)) {
            revert OrderInvalidSignature(id, order.seller);
        }
        state = _register(id, order, form, termsURI);
    }

    /// @dev An EOA signature is recovered first, so the common case does not pay for a code-size lookup; a
    /// contract seller is asked through ERC-1271.
    function _isSellerSignature(address seller, bytes32 digest, bytes calldata signature)
        private
        view
        returns (bool)
    {
        (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(digest, signature);
        if (err == ECDSA.RecoverError.NoError && recovered == seller) return true;
        return SignatureChecker.isValidERC1271SignatureNowCalldata(seller, digest, signature);
    }

    /// @dev Applies an EIP-2612 permit. A permit already used by someone who saw it in the mempool fails here;
    /// the allowance it set is then checked by the transfer itself.
    function _permit(Order calldata order, Permit calldata p) private {
        try IERC20Permit(order.token).permit(order.buyer, address(this), order.price, p.deadline, p.v, p.r, p.s) {}
            catch {}
    }

    /// @dev Marks the order funded and collects the price from the buyer.
    function _fund(bytes32 id, Order calldata order, OrderState storage state) private {
        // Effect:
        state.status = Status.Funded;
        state.fundedAt = uint32(block.timestamp);
        state.disputeDeadline = _feeTimeout; // the fee timeout of this order, fixed now
        emit OrderFunded(id, order.price);
        // Interaction:
        if (order.token == address(0)) {
            if (msg.value != order.price) revert EscrowWrongPayment(id, msg.value, order.price);
            return;
        }
        if (msg.value != 0) revert EscrowWrongPayment(id, msg.value, 0);
        IERC20 token = IERC20(order.token);
        uint256 before = token.balanceOf(address(this));
        token.safeTransferFrom(order.buyer, address(this), order.price);
        uint256 balance = token.balanceOf(address(this));
        uint256 received = balance > before ? balance - before : 0;
        if (received != order.price) revert EscrowTokenShortfall(id, received, order.price);
    }

    // ---------------------------------------------------------------- private: payouts

    /// @dev Pays the seller the rest of the price and closes the order as completed.
    function _complete(bytes32 id, Order calldata order, OrderState storage state) private {
        uint256 rest = order.price - _released(order.price, state.releasedBps);
        (uint256 toSeller, uint256 fee) = _split(rest, state.feeBps);
        // Effect:
        state.status = Status.Completed;
        _recordCompleted(order.buyer, order.seller, order.token, order.price, state.deliveredOnTime);
        emit OrderCompleted(id, toSeller, fee);
        // Interaction:
        _payFee(order.token, fee);
        _pay(order.seller, order.token, toSeller);
    }

    /// @dev Releases the milestone tranches due on both tracks. Nothing is due before the goods are picked up,
    /// nor after a late pickup (the buyer's refund stays available).
    function _releaseDue(bytes32 id, Order calldata order, OrderState storage state, uint256 schedule, Stage at)
        private
    {
        Stage stage = state.stage;
        if (stage < Stage.PickedUp || state.pickedUpLate) return;
        uint256 due = _dueBps(schedule, stage, state.clearance);
        uint256 released = state.releasedBps;
        if (due <= released) return;
        uint256 tranche = _released(order.price, due) - _released(order.price, released);
        (uint256 toSeller, uint256 fee) = _split(tranche, state.feeBps);
        // Effect:
        state.releasedBps = uint16(due);
        emit MilestoneReleased(id, at, toSeller, fee);
        // Interaction:
        _payFee(order.token, fee);
        _pay(order.seller, order.token, toSeller);
    }

    /// @dev Withdraws the caller's credit in `token` to `to`. A failure reverts: the money stays credited.
    function _withdraw(address token, address to) private {
        uint256 amount = _owed[msg.sender][token];
        // Check:
        if (amount == 0) revert EscrowNothingToWithdraw(msg.sender, token);
        // Effect:
        _owed[msg.sender][token] = 0;
        emit Withdrawn(msg.sender, token, to, amount);
        // Interaction:
        if (token == address(0)) Address.sendValue(payable(to), amount);
        else IERC20(token).safeTransfer(to, amount);
    }

    // ---------------------------------------------------------------- private: arithmetic

    /// @dev Cumulative share due from the packed schedule: a tranche keyed to a clearance once customs recorded
    /// it (or a later clearance), any other once the carrier recorded its stage (or a later one).
    function _dueBps(uint256 schedule, Stage stage, Stage clearance) private pure returns (uint256 due) {
        for (uint256 i; i < 4; ++i) {
            uint256 entry = schedule >> (24 * i);
            uint256 milestoneStage = entry & 0xff;
            if (milestoneStage == 0) break;
            bool byCustoms =
                milestoneStage == uint256(Stage.ExportCleared) || milestoneStage == uint256(Stage.ImportCleared);
            if (milestoneStage <= uint256(byCustoms ? clearance : stage)) due += (entry >> 8) & 0xffff;
        }
    }

    /// @dev Reverts with the reason a refund is not due.
    function _requireRefundDue(bytes32 id, OrderState storage state, bytes calldata form) private view {
        (uint256 why, uint256 deadline) = _refundCheck(state, form);
        if (why == REFUND_DUE) return;
        if (why == REFUND_NOT_YET) revert EscrowDeadlineNotReached(id, deadline);
        if (why == REFUND_WINDOW_CLOSED) revert EscrowDeadlinePassed(id, deadline);
        if (why == REFUND_ON_TIME) revert EscrowNoRefundDue(id);
        revert EscrowRiskWithBuyer(id, OrderForm.incoterm(form));
    }

    // ---------------------------------------------------------------- module

    /// @notice Every other function of the escrow (disputes, rulings, settlements, operator settings) runs in the
    /// module {EscrowDisputes}, in this contract's storage. Plain ETH transfers revert there (it has no receive).
    // solhint-disable-next-line no-complex-fallback
    fallback() external payable {
        address module = _module;
        assembly ("memory-safe") {
            calldatacopy(0, 0, calldatasize())
            let ok := delegatecall(gas(), module, 0, calldatasize(), 0, 0)
            returndatacopy(0, 0, returndatasize())
            if iszero(ok) { revert(0, returndatasize()) }
            return(0, returndatasize())
        }
    }

    // ---------------------------------------------------------------- overrides

    /// @dev Both AccessControl and the registry's interfaces are reported.
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(ITradeEscrow).interfaceId || super.supportsInterface(interfaceId);
    }
}
