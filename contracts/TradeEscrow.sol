// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {AccessControl} from "@openzeppelin/contracts/access/AccessControl.sol";
import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/IERC20Permit.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";
import {SignatureChecker} from "@openzeppelin/contracts/utils/cryptography/SignatureChecker.sol";
import {Address} from "@openzeppelin/contracts/utils/Address.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";

import {ITradeEscrow} from "./interfaces/ITradeEscrow.sol";
import {IArbitrator} from "./interfaces/IArbitrator.sol";
import {ILogisticsTracker} from "./interfaces/ILogisticsTracker.sol";
import {OrderRegistry} from "./OrderRegistry.sol";
import {Reputation} from "./Reputation.sol";
import {OrderHashing} from "./libraries/OrderHashing.sol";
import {Order, Terms, Permit, OrderState, Stage, Status, Incoterm} from "./types/TradeTypes.sol";

/// @title Trade escrow
/// @notice Holds each order's money and moves it only by the order's rules: milestone tranches as stages are
/// recorded, the rest on confirmation or when the inspection window lapses, refunds on missed deadlines, splits
/// by ruling. Payouts are pushed with a gas cap and credited for withdrawal when the push fails, so no receiver
/// can block a payout. The operator sets the fee (capped, snapshotted per order), the treasury and the fee
/// timeout, and may pause new registrations and funding; it can never move an order's money.
contract TradeEscrow is ITradeEscrow, AccessControl, Reputation, OrderRegistry, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    // ---------------------------------------------------------------- types

    /// @dev What a ruling needs, stored when a dispute goes to the arbitrator (the ruling arrives with only the
    /// dispute's identifier). Three slots; the token slot stays empty for ETH.
    struct DisputeContext {
        address buyer; //  the order's buyer
        uint96 amount; //  the disputed amount: what was still locked
        address seller; // the order's seller
        address token; //  the order's token
    }

    // ---------------------------------------------------------------- constants

    /// @dev Gas given to an ETH payout push; enough for a multisig's receive, too little to do harm.
    uint256 private constant ETH_PUSH_GAS = 35_000;
    /// @dev Gas given to an ERC-20 payout push (hooks included).
    uint256 private constant TOKEN_PUSH_GAS = 120_000;
    /// @dev Gas kept back to credit a payout whose push failed.
    uint256 private constant PUSH_RESERVE = 40_000;
    /// @dev ERC-792 choices: ruling r in 1..10001 gives the buyer r-1 basis points of the disputed amount.
    uint256 private constant RULING_CHOICES = BPS + 1;
    /// @dev Bounds of the arbitration fee timeout.
    uint256 private constant MIN_FEE_TIMEOUT = 1 hours;
    uint256 private constant MAX_FEE_TIMEOUT = 30 days;
    /// @dev {_refundCheck} answers.
    uint256 private constant REFUND_DUE = 0;
    uint256 private constant REFUND_NOT_YET = 1;
    uint256 private constant REFUND_WINDOW_CLOSED = 2;
    uint256 private constant REFUND_ON_TIME = 3;
    uint256 private constant REFUND_RISK_WITH_BUYER = 4;

    // ---------------------------------------------------------------- state

    /// @dev The tracker that reports checkpoints; it points back at this escrow.
    ILogisticsTracker private immutable _tracker;

    /// @dev What each account may withdraw, per token.
    mapping(address account => mapping(address token => uint256)) private _owed;
    /// @dev The context of each order's dispute while it is with the arbitrator.
    mapping(bytes32 orderId => DisputeContext) private _disputes;
    /// @dev The order of each arbitrator's dispute.
    mapping(address arbitrator => mapping(uint256 disputeId => bytes32 orderId)) private _disputeOrders;

    // ---------------------------------------------------------------- constructor

    /// @param admin The operator: sets fees, treasury and fee timeout, pauses.
    /// @param treasury_ The account platform fees are credited to.
    /// @param tracker_ The logistics tracker, deployed first with this escrow's address.
    constructor(address admin, address treasury_, ILogisticsTracker tracker_)
        OrderRegistry("Tradelane TradeEscrow", "1")
    {
        if (admin == address(0) || treasury_ == address(0) || address(tracker_) == address(0)) {
            revert EscrowZeroAddress();
        }
        address back = tracker_.escrow();
        if (back != address(this)) revert EscrowTrackerMismatch(address(tracker_), back);
        _grantRole(DEFAULT_ADMIN_ROLE, admin);
        _tracker = tracker_;
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
    function fundWithQuote(Order calldata order, Terms calldata terms, string calldata termsURI, bytes calldata signature)
        external
        payable
        nonReentrant
        whenNotPaused
        returns (bytes32 id)
    {
        OrderState storage state;
        (id, state) = _registerQuote(order, terms, termsURI, signature);
        _fund(id, order, state);
    }

    /// @inheritdoc ITradeEscrow
    function fundWithQuoteAndPermit(
        Order calldata order,
        Terms calldata terms,
        string calldata termsURI,
        bytes calldata signature,
        Permit calldata permit
    ) external nonReentrant whenNotPaused returns (bytes32 id) {
        OrderState storage state;
        (id, state) = _registerQuote(order, terms, termsURI, signature);
        _permit(order, permit);
        _fund(id, order, state);
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
    function settle(Order calldata order, Terms calldata terms) external nonReentrant {
        bytes32 id = OrderHashing.hashOrder(order, OrderHashing.hashTerms(terms));
        OrderState storage state = _orders[id];
        // Check:
        _requireStatus(id, state.status, S_DELIVERED);
        if (state.onHold) revert EscrowOnHold(id);
        uint256 endsAt = uint256(state.deliveredAt) + terms.inspectionWindow;
        if (block.timestamp <= endsAt) revert EscrowDeadlineNotReached(id, endsAt);
        _complete(id, order, state);
    }

    /// @inheritdoc ITradeEscrow
    function refund(Order calldata order, Terms calldata terms) external nonReentrant {
        bytes32 id = OrderHashing.hashOrder(order, OrderHashing.hashTerms(terms));
        OrderState storage state = _orders[id];
        // Check: a deadline missed (before delivery anyone may claim it for the buyer; after a late delivery it
        // is the buyer's choice).
        Status status = state.status;
        _requireStatus(id, status, S_ACTIVE);
        if (status == Status.Delivered && msg.sender != order.buyer) revert OrderUnauthorized(id, msg.sender);
        _requireRefundDue(id, state, terms);
        uint256 amount = order.price - _released(order.price, state.releasedBps);
        // Effect:
        state.status = Status.Refunded;
        emit OrderRefunded(id, amount);
        // Interaction:
        _pay(order.buyer, order.token, amount);
    }

    /// @inheritdoc ITradeEscrow
    function refundDue(Order calldata order, Terms calldata terms) external view returns (bool) {
        OrderState storage state = _orders[OrderHashing.hashOrder(order, OrderHashing.hashTerms(terms))];
        if ((1 << uint256(state.status)) & S_ACTIVE == 0) return false;
        (uint256 why,) = _refundCheck(state, terms);
        return why == REFUND_DUE;
    }

    // ---------------------------------------------------------------- disputes

    /// @inheritdoc ITradeEscrow
    function dispute(Order calldata order, Terms calldata terms, string calldata evidence)
        external
        payable
        nonReentrant
    {
        bytes32 id = OrderHashing.hashOrder(order, OrderHashing.hashTerms(terms));
        OrderState storage state = _orders[id];
        // Check: a party, before settlement, paying the arbitration cost.
        bool byBuyer = _requireParty(id, order);
        Status status = state.status;
        _requireStatus(id, status, S_ACTIVE);
        // While the buyer's refund is due the seller has nothing to dispute: it could only win by default.
        if (!byBuyer) {
            (uint256 why,) = _refundCheck(state, terms);
            if (why == REFUND_DUE) revert EscrowRefundDue(id);
        }
        // After delivery, within the inspection window; the window does not run while the order is on hold, so a
        // hold that never ends can still be ruled on.
        if (status == Status.Delivered && !state.onHold) {
            uint256 endsAt = uint256(state.deliveredAt) + terms.inspectionWindow;
            if (block.timestamp > endsAt) revert EscrowDeadlinePassed(id, endsAt);
        }
        // The cost is asked first: an arbitrator refuses extra data it could not rule on, so no party can open a
        // dispute the other could not join (and then win it by default).
        IArbitrator arbitrator = IArbitrator(terms.arbitrator);
        uint256 cost = arbitrator.arbitrationCost(terms.arbitratorExtraData);
        if (msg.value != cost || cost > type(uint72).max) revert EscrowWrongPayment(id, msg.value, cost);
        // Effect: the fee timeout is the one fixed when the order was funded.
        uint256 deadline = block.timestamp + state.disputeDeadline;
        state.status = Status.Disputed;
        state.buyerOpenedDispute = byBuyer;
        state.disputeDeadline = uint32(deadline);
        state.disputeDeposit = uint72(cost);
        emit DisputeOpened(id, msg.sender, cost, deadline);
        if (bytes(evidence).length != 0) emit Evidence(arbitrator, uint256(id), msg.sender, evidence);
    }

    /// @inheritdoc ITradeEscrow
    function payArbitrationFee(Order calldata order, Terms calldata terms) external payable nonReentrant {
        bytes32 id = OrderHashing.hashOrder(order, OrderHashing.hashTerms(terms));
        OrderState storage state = _orders[id];
        // Check: the other party, before its deadline, paying the arbitration cost.
        bool byBuyer = _requireParty(id, order);
        _requireStatus(id, state.status, S_DISPUTED);
        if (byBuyer == state.buyerOpenedDispute) revert OrderUnauthorized(id, msg.sender);
        if (state.withArbitrator) revert EscrowFeeAlreadyPaid(id);
        uint256 deadline = state.disputeDeadline;
        if (block.timestamp > deadline) revert EscrowDeadlinePassed(id, deadline);
        IArbitrator arbitrator = IArbitrator(terms.arbitrator);
        uint256 cost = arbitrator.arbitrationCost(terms.arbitratorExtraData);
        if (msg.value != cost) revert EscrowWrongPayment(id, msg.value, cost);
        // Effect: from now the order's ruling deadline runs.
        uint256 timeout = terms.rulingTimeout == 0 ? DEFAULT_RULING_TIMEOUT : terms.rulingTimeout;
        state.withArbitrator = true;
        state.disputeDeadline = uint32(block.timestamp + timeout);
        DisputeContext storage context = _disputes[id];
        context.buyer = order.buyer;
        context.amount = uint96(order.price - _released(order.price, state.releasedBps));
        context.seller = order.seller;
        if (order.token != address(0)) context.token = order.token;
        // Interaction: the identifier is the arbitrator's to give, so it is recorded after the call; every
        // function that could use it is guarded against re-entry.
        uint256 disputeId = arbitrator.createDispute{value: cost}(RULING_CHOICES, terms.arbitratorExtraData);
        if (_disputeOrders[address(arbitrator)][disputeId] != bytes32(0)) {
            revert EscrowDisputeIdTaken(address(arbitrator), disputeId);
        }
        _disputeOrders[address(arbitrator)][disputeId] = id;
        emit DisputeCreated(id, address(arbitrator), disputeId);
        emit Dispute(arbitrator, disputeId, uint256(id), uint256(id));
    }

    /// @inheritdoc ITradeEscrow
    function enforceFeeTimeout(Order calldata order, bytes32 termsHash) external nonReentrant {
        bytes32 id = OrderHashing.hashOrder(order, termsHash);
        OrderState storage state = _orders[id];
        // Check:
        _requireStatus(id, state.status, S_DISPUTED);
        if (state.withArbitrator) revert EscrowFeeAlreadyPaid(id);
        uint256 deadline = state.disputeDeadline;
        if (block.timestamp <= deadline) revert EscrowDeadlineNotReached(id, deadline);
        uint256 amount = order.price - _released(order.price, state.releasedBps);
        _resolve(
            id, state, order.buyer, order.seller, order.token, amount, state.buyerOpenedDispute ? BPS : 0, true
        );
    }

    /// @inheritdoc ITradeEscrow
    function enforceRulingTimeout(Order calldata order, bytes32 termsHash) external nonReentrant {
        bytes32 id = OrderHashing.hashOrder(order, termsHash);
        OrderState storage state = _orders[id];
        // Check: with the arbitrator, and its ruling deadline passed.
        _requireStatus(id, state.status, S_DISPUTED);
        if (!state.withArbitrator) revert EscrowNotWithArbitrator(id);
        uint256 deadline = state.disputeDeadline;
        if (block.timestamp <= deadline) revert EscrowDeadlineNotReached(id, deadline);
        DisputeContext memory context = _disputes[id];
        // Effect: a late ruling then finds the order ended and changes nothing.
        delete _disputes[id];
        emit RulingTimedOut(id, deadline);
        _resolve(id, state, context.buyer, context.seller, context.token, context.amount, BPS / 2, true);
    }

    /// @inheritdoc ITradeEscrow
    function submitEvidence(Order calldata order, Terms calldata terms, string calldata evidence) external {
        bytes32 id = OrderHashing.hashOrder(order, OrderHashing.hashTerms(terms));
        // Check:
        _requireParty(id, order);
        _requireStatus(id, _orders[id].status, S_DISPUTED);
        emit Evidence(IArbitrator(terms.arbitrator), uint256(id), msg.sender, evidence);
    }

    /// @notice Executes the arbitrator's ruling (ERC-792): ruling 0 (no ruling) splits the disputed amount
    /// evenly; ruling r gives the buyer r-1 basis points of it.
    function rule(uint256 disputeId, uint256 ruling) external nonReentrant {
        bytes32 id = _disputeOrders[msg.sender][disputeId];
        // Check: only the arbitrator of this dispute, once.
        if (id == bytes32(0)) revert EscrowUnknownDispute(msg.sender, disputeId);
        if (ruling > RULING_CHOICES) revert EscrowInvalidRuling(ruling);
        OrderState storage state = _orders[id];
        // A ruling after the order's ruling deadline ended the dispute changes nothing, and does not revert, so
        // the arbitrator's own bookkeeping is not stuck on it.
        if (state.status != Status.Disputed) return;
        DisputeContext memory context = _disputes[id];
        // Effect:
        delete _disputes[id];
        emit Ruling(IArbitrator(msg.sender), disputeId, ruling);
        _resolve(
            id,
            state,
            context.buyer,
            context.seller,
            context.token,
            context.amount,
            ruling == 0 ? BPS / 2 : ruling - 1,
            false
        );
    }

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
    function onStage(Order calldata order, bytes32 termsHash, Stage stage, uint256 schedule, uint256 windows)
        external
        nonReentrant
    {
        if (msg.sender != address(_tracker)) revert EscrowOnlyTracker(msg.sender);
        bytes32 id = OrderHashing.hashOrder(order, termsHash);
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
    function onHold(Order calldata order, bytes32 termsHash, bool hold, uint256 schedule) external nonReentrant {
        if (msg.sender != address(_tracker)) revert EscrowOnlyTracker(msg.sender);
        bytes32 id = OrderHashing.hashOrder(order, termsHash);
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
    function setFee(uint256 bps) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (bps > MAX_FEE_BPS) revert EscrowFeeTooHigh(bps, MAX_FEE_BPS);
        _feeBps = uint8(bps);
        emit FeeChanged(bps);
    }

    /// @inheritdoc ITradeEscrow
    function setTreasury(address treasury_) external onlyRole(DEFAULT_ADMIN_ROLE) {
        if (treasury_ == address(0)) revert EscrowZeroAddress();
        _treasury = treasury_;
        emit TreasuryChanged(treasury_);
    }

    /// @inheritdoc ITradeEscrow
    function setFeeTimeout(uint256 timeout) external onlyRole(DEFAULT_ADMIN_ROLE) {
        // Orders already funded keep the timeout they were funded with.
        if (timeout < MIN_FEE_TIMEOUT || timeout > MAX_FEE_TIMEOUT) {
            revert EscrowInvalidFeeTimeout(timeout, MIN_FEE_TIMEOUT, MAX_FEE_TIMEOUT);
        }
        _feeTimeout = uint32(timeout);
        emit FeeTimeoutChanged(timeout);
    }

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
        Terms calldata terms,
        string calldata termsURI,
        bytes calldata signature
    ) private returns (bytes32 id, OrderState storage state) {
        id = OrderHashing.hashOrder(order, OrderHashing.hashTerms(terms));
        // Check: the order's identifier is its only storage key, so a used quote cannot be funded again.
        if (msg.sender != order.buyer) revert OrderUnauthorized(id, msg.sender);
        if (!_isSellerSignature(order.seller, _hashTypedDataV4(id), signature)) {
            revert OrderInvalidSignature(id, order.seller);
        }
        state = _register(id, order, terms, termsURI);
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

    /// @dev Ends a dispute: `buyerShareBps` of `amount` to the buyer, the rest (less the fee) to the seller, and
    /// the opener's arbitration deposit to the winner (half each on an even split).
    function _resolve(
        bytes32 id,
        OrderState storage state,
        address buyer,
        address seller,
        address token,
        uint256 amount,
        uint256 buyerShareBps,
        bool byDefault
    ) private {
        uint256 toBuyer = amount * buyerShareBps / BPS;
        (uint256 toSeller, uint256 fee) = _split(amount - toBuyer, state.feeBps);
        uint256 deposit = state.disputeDeposit;
        // Effect:
        state.status = Status.Resolved;
        state.disputeDeadline = 0;
        state.disputeDeposit = 0;
        _recordDispute(buyer, seller, token, state.buyerOpenedDispute, buyerShareBps);
        emit DisputeResolved(id, buyerShareBps, toBuyer, toSeller, fee, byDefault);
        uint256 depositToSeller = buyerShareBps > BPS / 2 ? 0 : buyerShareBps < BPS / 2 ? deposit : deposit / 2;
        uint256 depositToBuyer = deposit - depositToSeller;
        // Interaction: in an ETH order each party's share and deposit go in one push.
        _payFee(token, fee);
        if (token == address(0)) {
            _pay(buyer, token, toBuyer + depositToBuyer);
            _pay(seller, token, toSeller + depositToSeller);
        } else {
            _pay(buyer, token, toBuyer);
            _pay(seller, token, toSeller);
            _pay(buyer, address(0), depositToBuyer);
            _pay(seller, address(0), depositToSeller);
        }
    }

    /// @dev Credits the platform fee to the treasury.
    function _payFee(address token, uint256 fee) private {
        if (fee != 0) _owed[_treasury][token] += fee;
    }

    /// @dev Pushes `amount` to `to` with a gas cap; credits it for withdrawal if the push fails.
    function _pay(address to, address token, uint256 amount) private {
        if (amount == 0) return;
        uint256 cap = token == address(0) ? ETH_PUSH_GAS : TOKEN_PUSH_GAS;
        // A push must get its whole cap, or a caller could starve it on purpose to force a credit.
        uint256 needed = cap + PUSH_RESERVE;
        if (gasleft() < needed) revert EscrowInsufficientGas(gasleft(), needed);
        bool ok;
        if (token == address(0)) {
            assembly ("memory-safe") {
                ok := call(cap, to, amount, 0, 0, 0, 0)
            }
        } else {
            ok = _tryTransfer(token, to, amount, cap);
        }
        if (!ok) {
            _owed[to][token] += amount;
            emit PaymentDeferred(to, token, amount);
        }
    }

    /// @dev `IERC20.transfer` with a gas cap, ignoring return data past one word; true when the token accepted
    /// it (returned true, or returned nothing and has code).
    function _tryTransfer(address token, address to, uint256 amount, uint256 cap) private returns (bool ok) {
        bytes memory data = abi.encodeCall(IERC20.transfer, (to, amount));
        assembly ("memory-safe") {
            mstore(0, 0)
            let success := call(cap, token, 0, add(data, 0x20), mload(data), 0, 0x20)
            let size := returndatasize()
            ok := and(success, or(and(iszero(size), gt(extcodesize(token), 0)), and(gt(size, 31), eq(mload(0), 1))))
        }
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

    /// @dev The caller must be the order's buyer or seller; returns whether it is the buyer.
    function _requireParty(bytes32 id, Order calldata order) private view returns (bool byBuyer) {
        byBuyer = msg.sender == order.buyer;
        if (!byBuyer && msg.sender != order.seller) revert OrderUnauthorized(id, msg.sender);
    }

    /// @dev The part of `price` released at cumulative share `bps`. Tranches are differences of this, so they
    /// add up to the price exactly.
    function _released(uint256 price, uint256 bps) private pure returns (uint256) {
        return price * bps / BPS;
    }

    /// @dev Splits a seller's amount into what the seller receives and the platform fee.
    function _split(uint256 amount, uint256 feeBps_) private pure returns (uint256 toSeller, uint256 fee) {
        fee = amount * feeBps_ / BPS;
        toSeller = amount - fee;
    }

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

    /// @dev Why a refund is or is not due, with the deadline that matters: a missed ship-by (no pickup by then,
    /// or a late one) refunds in full under any Incoterm; a missed deliver-by under DAP, DPU or DDP refunds what
    /// was not released; after delivery either stays the buyer's choice during the inspection window (which does
    /// not run on hold). The caller checked that the order is active.
    function _refundCheck(OrderState storage state, Terms calldata terms)
        private
        view
        returns (uint256 why, uint256 deadline)
    {
        uint256 fundedAt = state.fundedAt;
        bool late = state.pickedUpLate;
        bool dTerm = terms.incoterm >= uint8(Incoterm.DAP) && terms.incoterm <= uint8(Incoterm.DDP);
        if (state.status == Status.Delivered) {
            if (!state.onHold) {
                deadline = uint256(state.deliveredAt) + terms.inspectionWindow;
                if (block.timestamp > deadline) return (REFUND_WINDOW_CLOSED, deadline);
            }
            if (late || (dTerm && !state.deliveredOnTime)) return (REFUND_DUE, deadline);
            return (dTerm ? REFUND_ON_TIME : REFUND_RISK_WITH_BUYER, 0);
        }
        if (late || state.stage < Stage.PickedUp) {
            deadline = fundedAt + terms.shipWithin;
            if (block.timestamp > deadline) return (REFUND_DUE, deadline);
            return (REFUND_NOT_YET, deadline);
        }
        if (!dTerm) return (REFUND_RISK_WITH_BUYER, 0);
        deadline = fundedAt + terms.deliverWithin;
        return (block.timestamp > deadline ? REFUND_DUE : REFUND_NOT_YET, deadline);
    }

    /// @dev Reverts with the reason a refund is not due.
    function _requireRefundDue(bytes32 id, OrderState storage state, Terms calldata terms) private view {
        (uint256 why, uint256 deadline) = _refundCheck(state, terms);
        if (why == REFUND_DUE) return;
        if (why == REFUND_NOT_YET) revert EscrowDeadlineNotReached(id, deadline);
        if (why == REFUND_WINDOW_CLOSED) revert EscrowDeadlinePassed(id, deadline);
        if (why == REFUND_ON_TIME) revert EscrowNoRefundDue(id);
        revert EscrowRiskWithBuyer(id, terms.incoterm);
    }

    // ---------------------------------------------------------------- overrides

    /// @dev Both AccessControl and the registry's interfaces are reported.
    function supportsInterface(bytes4 interfaceId) public view override returns (bool) {
        return interfaceId == type(ITradeEscrow).interfaceId || super.supportsInterface(interfaceId);
    }
}
