// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IEscrowDisputes} from "./interfaces/IEscrowDisputes.sol";
import {IArbitrationRefund} from "./interfaces/IArbitrationRefund.sol";
import {IArbitrator} from "./interfaces/IArbitrator.sol";
import {IOrderRegistry} from "./interfaces/IOrderRegistry.sol";
import {EscrowCore} from "./EscrowCore.sol";
import {OrderHashing} from "./libraries/OrderHashing.sol";
import {OrderForm} from "./libraries/OrderForm.sol";
import {Order, OrderState, Status} from "./types/TradeTypes.sol";

/// @title Escrow disputes module
/// @notice The cold half of the escrow: disputes, rulings, settlements, voluntary releases and refunds, and the
/// operator's settings. TradeEscrow reaches it
/// by delegatecall from its fallback, so it runs in TradeEscrow's storage with TradeEscrow's address and
/// balance. Called at its own address each of its own functions reverts ({EscrowModuleDirectCall}); the views and
/// registry functions it inherits from {EscrowCore} only see the module's own empty storage, which holds nothing.
contract EscrowDisputes is IEscrowDisputes, EscrowCore {
    // ---------------------------------------------------------------- state

    /// @dev This module's own address, to refuse direct calls.
    address private immutable _self;

    // ---------------------------------------------------------------- constructor

    constructor() {
        _self = address(this);
    }

    // ---------------------------------------------------------------- modifiers

    /// @dev Only in the escrow's context (by its delegatecall), never at the module's own address.
    modifier onlyDelegated() {
        if (address(this) == _self) revert EscrowModuleDirectCall();
        _;
    }

    // ---------------------------------------------------------------- disputes

    /// @inheritdoc IEscrowDisputes
    function dispute(bytes calldata order, string calldata evidence) external payable onlyDelegated nonReentrant {
        Order calldata head = OrderForm.open(order);
        bytes32 id = OrderForm.id(order);
        OrderState storage state = _orders[id];
        // Check: a party, before settlement, paying the arbitration cost.
        bool byBuyer = _requireParty(id, head);
        Status status = state.status;
        _requireStatus(id, status, S_ACTIVE);
        // While the buyer's refund is due the seller has nothing to dispute: it could only win by default.
        if (!byBuyer) {
            (uint256 why,) = _refundCheck(state, order);
            if (why == REFUND_DUE) revert EscrowRefundDue(id);
        }
        // After delivery, within the inspection window; the window does not run while the order is on hold, so a
        // hold that never ends can still be ruled on.
        if (status == Status.Delivered && !state.onHold) {
            uint256 endsAt = uint256(state.deliveredAt) + OrderForm.inspectionWindow(order);
            if (block.timestamp > endsAt) revert EscrowDeadlinePassed(id, endsAt);
        }
        // The cost is asked first: an arbitrator refuses extra data it could not rule on, so no party can open a
        // dispute the other could not join (and then win it by default).
        IArbitrator arbitrator = IArbitrator(OrderForm.arbitrator(order));
        uint256 cost = arbitrator.arbitrationCost(OrderForm.extraData(order));
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

    /// @inheritdoc IEscrowDisputes
    function payArbitrationFee(bytes calldata order) external payable onlyDelegated nonReentrant {
        Order calldata head = OrderForm.open(order);
        (bytes32 id, bytes32 termsHash) = OrderForm.ids(order);
        OrderState storage state = _orders[id];
        // Check: the other party, before its deadline, paying the arbitration cost.
        bool byBuyer = _requireParty(id, head);
        _requireStatus(id, state.status, S_DISPUTED);
        if (byBuyer == state.buyerOpenedDispute) revert IOrderRegistry.OrderUnauthorized(id, msg.sender);
        if (state.withArbitrator) revert EscrowFeeAlreadyPaid(id);
        uint256 deadline = state.disputeDeadline;
        if (block.timestamp > deadline) revert EscrowDeadlinePassed(id, deadline);
        IArbitrator arbitrator = IArbitrator(OrderForm.arbitrator(order));
        bytes calldata extraData = OrderForm.extraData(order);
        uint256 cost = arbitrator.arbitrationCost(extraData);
        if (msg.value != cost) revert EscrowWrongPayment(id, msg.value, cost);
        // Effect: from now the order's ruling deadline runs.
        uint256 timeout = OrderForm.rulingTimeout(order);
        if (timeout == 0) timeout = DEFAULT_RULING_TIMEOUT;
        state.withArbitrator = true;
        state.disputeDeadline = uint32(block.timestamp + timeout);
        DisputeContext storage context = _disputes[id];
        context.buyer = head.buyer;
        context.amount = uint96(head.price - _released(head.price, state.releasedBps));
        context.seller = head.seller;
        context.secondDeposit = uint96(cost);
        if (head.token != address(0)) context.token = head.token;
        // Interaction: the identifier is the arbitrator's to give, so it is recorded after the call; every
        // function that could use it is guarded against re-entry.
        uint256 disputeId = arbitrator.createDispute{value: cost}(RULING_CHOICES, extraData);
        if (_disputeOrders[address(arbitrator)][disputeId] != bytes32(0)) {
            revert EscrowDisputeIdTaken(address(arbitrator), disputeId);
        }
        _disputeOrders[address(arbitrator)][disputeId] = id;
        emit DisputeCreated(id, address(arbitrator), disputeId);
        emit MetaEvidence(uint256(id), _metaEvidence(id, termsHash, head, OrderForm.documentHash(order)));
        emit Dispute(arbitrator, disputeId, uint256(id), uint256(id));
    }

    /// @dev The ERC-1497 MetaEvidence of the order's dispute, as a JSON data URI written here, at dispute time, so
    /// the happy path pays nothing for it. Every value in it comes from the order and the terms the seller signed:
    /// the purchase-order document is the one that hashes to `documentHash` (its URI, when the order gave one, is
    /// in {IOrderRegistry-TermsDocument}). Ruling options follow ERC-1497's "uint" type: ruling r gives the buyer
    /// r - 1 basis points of what is locked, and 0 refuses to rule (an even split). The JSON holds no "%", so
    /// percent-decoding the URI's data leaves it as it is.
    function _metaEvidence(bytes32 id, bytes32 termsHash, Order calldata order, bytes32 documentHash)
        private
        view
        returns (string memory)
    {
        return string(
            abi.encodePacked(
                "data:application/json,{\"category\":\"Cross-border trade escrow\",\"title\":\"Tradelane order ",
                _hex(id, 32),
                "\",\"description\":\"The purchase-order document is the one whose keccak-256 hash is documentHash, in "
                "the terms (termsHash) the seller signed.\",\"question\":\"What share of the amount still locked goes "
                "back to the buyer?\",\"documentHash\":\"",
                _hex(documentHash, 32),
                "\",\"termsHash\":\"",
                _hex(termsHash, 32),
                "\",\"arbitrableAddress\":\"",
                _hex(bytes20(address(this)), 20),
                "\",\"aliases\":{\"",
                _hex(bytes20(order.buyer), 20),
                "\":\"buyer\",\"",
                _hex(bytes20(order.seller), 20),
                "\":\"seller\"},\"rulingOptions\":{\"type\":\"uint\",\"precision\":0,"
                "\"titles\":[\"Buyer share, basis points\"],"
                "\"descriptions\":[\"Ruling r gives the buyer r - 1 basis points (0 to 10000) of the amount still "
                "locked, the seller the rest less the platform fee; ruling 0 refuses to rule, an even split.\"]}}"
            )
        );
    }

    /// @dev The first `length` bytes of `value` as 0x-prefixed lowercase hex. OpenZeppelin's Strings spends about
    /// 16,000 gas on a word (a bounds-checked loop); this writes each digit with one mstore8.
    function _hex(bytes32 value, uint256 length) private pure returns (bytes memory out) {
        out = new bytes(2 + 2 * length);
        bytes32 digits = "0123456789abcdef";
        assembly ("memory-safe") {
            let at := add(out, 32)
            mstore8(at, 0x30) // "0"
            mstore8(add(at, 1), 0x78) // "x"
            for { let i := 0 } lt(i, length) { i := add(i, 1) } {
                let b := byte(i, value)
                let digit := add(at, add(2, mul(2, i)))
                mstore8(digit, byte(shr(4, b), digits))
                mstore8(add(digit, 1), byte(and(b, 15), digits))
            }
        }
    }

    /// @inheritdoc IEscrowDisputes
    function enforceFeeTimeout(Order calldata order, bytes32 termsHash) external onlyDelegated nonReentrant {
        bytes32 id = OrderHashing.hashOrder(order, termsHash);
        OrderState storage state = _orders[id];
        // Check:
        _requireStatus(id, state.status, S_DISPUTED);
        if (state.withArbitrator) revert EscrowFeeAlreadyPaid(id);
        uint256 deadline = state.disputeDeadline;
        if (block.timestamp <= deadline) revert EscrowDeadlineNotReached(id, deadline);
        uint256 amount = order.price - _released(order.price, state.releasedBps);
        _resolve(
            id, state, order.buyer, order.seller, order.token, amount, state.buyerOpenedDispute ? BPS : 0, true, 0, 0
        );
    }

    /// @inheritdoc IEscrowDisputes
    function enforceRulingTimeout(Order calldata order, bytes32 termsHash) external onlyDelegated nonReentrant {
        bytes32 id = OrderHashing.hashOrder(order, termsHash);
        OrderState storage state = _orders[id];
        // Check: with the arbitrator, and its ruling deadline passed.
        _requireStatus(id, state.status, S_DISPUTED);
        if (!state.withArbitrator) revert EscrowNotWithArbitrator(id);
        uint256 deadline = state.disputeDeadline;
        if (block.timestamp <= deadline) revert EscrowDeadlineNotReached(id, deadline);
        DisputeContext storage stored = _disputes[id];
        DisputeContext memory context = stored;
        // Effect: a late ruling then finds the order ended and changes nothing; a fee the arbitrator refunds
        // later is split evenly too.
        stored.feeRefund = 0;
        stored.endedShare = uint16(BPS / 2 + 1);
        emit RulingTimedOut(id, deadline);
        _resolve(
            id,
            state,
            context.buyer,
            context.seller,
            context.token,
            context.amount,
            BPS / 2,
            true,
            context.secondDeposit,
            context.feeRefund
        );
    }

    /// @inheritdoc IEscrowDisputes
    function submitEvidence(bytes calldata order, string calldata evidence) external onlyDelegated {
        Order calldata head = OrderForm.open(order);
        bytes32 id = OrderForm.id(order);
        // Check:
        _requireParty(id, head);
        _requireStatus(id, _orders[id].status, S_DISPUTED);
        emit Evidence(IArbitrator(OrderForm.arbitrator(order)), uint256(id), msg.sender, evidence);
    }

    /// @notice Executes the arbitrator's ruling (ERC-792): ruling 0 (no ruling) splits the disputed amount
    /// evenly; ruling r gives the buyer r-1 basis points of it.
    function rule(uint256 disputeId, uint256 ruling) external onlyDelegated nonReentrant {
        bytes32 id = _disputeOrders[msg.sender][disputeId];
        // Check: only the arbitrator of this dispute, once.
        if (id == bytes32(0)) revert EscrowUnknownDispute(msg.sender, disputeId);
        if (ruling > RULING_CHOICES) revert EscrowInvalidRuling(ruling);
        OrderState storage state = _orders[id];
        // A ruling after a settlement or the order's ruling deadline ended the dispute changes nothing (it only
        // clears what was kept for a refunded fee), and does not revert, so the arbitrator is not stuck on it.
        DisputeContext memory context = _disputes[id];
        // Effect:
        delete _disputes[id];
        if (state.status != Status.Disputed) return;
        emit Ruling(IArbitrator(msg.sender), disputeId, ruling);
        _resolve(
            id,
            state,
            context.buyer,
            context.seller,
            context.token,
            context.amount,
            ruling == 0 ? BPS / 2 : ruling - 1,
            false,
            context.secondDeposit,
            context.feeRefund
        );
    }

    /// @inheritdoc IEscrowDisputes
    function appeal(bytes calldata order, uint256 disputeId) external payable onlyDelegated nonReentrant {
        Order calldata head = OrderForm.open(order);
        bytes32 id = OrderForm.id(order);
        address arbitrator = OrderForm.arbitrator(order);
        // Check: a party, while this order's dispute is with its arbitrator.
        _requireParty(id, head);
        _requireStatus(id, _orders[id].status, S_DISPUTED);
        if (_disputeOrders[arbitrator][disputeId] != id) revert EscrowUnknownDispute(arbitrator, disputeId);
        emit AppealFunded(id, msg.sender, disputeId, msg.value);
        // Interaction: the arbitrator decides whether the appeal is due and what it costs.
        IArbitrator(arbitrator).appeal{value: msg.value}(disputeId, OrderForm.extraData(order));
    }

    /// @inheritdoc IArbitrationRefund
    function onArbitrationRefund(uint256 disputeId) external payable onlyDelegated nonReentrant {
        bytes32 id = _disputeOrders[msg.sender][disputeId];
        // Check: only the arbitrator of this dispute, before its ruling was executed.
        if (id == bytes32(0)) revert EscrowUnknownDispute(msg.sender, disputeId);
        DisputeContext storage context = _disputes[id];
        address buyer = context.buyer;
        if (buyer == address(0)) revert EscrowUnknownDispute(msg.sender, disputeId);
        uint256 ended = context.endedShare;
        emit ArbitrationFeeRefunded(id, disputeId, msg.value);
        if (ended == 0) {
            // Effect: split with the ruling.
            uint256 total = context.feeRefund + msg.value;
            if (total > type(uint80).max) revert EscrowWrongPayment(id, msg.value, 0);
            context.feeRefund = uint80(total);
            return;
        }
        // Effect: a settlement or a timeout already ended the order: split as it did, credited for withdrawal
        // (the arbitrator calls with a gas cap, too little for two pushes).
        uint256 toBuyer = msg.value * (ended - 1) / BPS;
        if (toBuyer != 0) _owed[buyer][address(0)] += toBuyer;
        if (msg.value != toBuyer) _owed[context.seller][address(0)] += msg.value - toBuyer;
    }

    // ---------------------------------------------------------------- settlements

    /// @inheritdoc IEscrowDisputes
    function settlementOf(bytes32 id) external view returns (address proposer, uint256 buyerShareBps) {
        Settlement memory offer = _settlements[id];
        return (offer.proposer, offer.buyerShareBps);
    }

    /// @inheritdoc IEscrowDisputes
    function proposeSettlement(Order calldata order, bytes32 termsHash, uint256 buyerShareBps)
        external
        onlyDelegated
    {
        bytes32 id = OrderHashing.hashOrder(order, termsHash);
        // Check: a party, on a funded open order.
        _requireParty(id, order);
        _requireStatus(id, _orders[id].status, S_ACTIVE | S_DISPUTED);
        if (buyerShareBps > BPS) revert EscrowInvalidShare(id, buyerShareBps);
        // Effect: a counter-proposal replaces the proposal on the table.
        _settlements[id] = Settlement(msg.sender, uint16(buyerShareBps));
        emit SettlementProposed(id, msg.sender, buyerShareBps);
    }

    /// @inheritdoc IEscrowDisputes
    function acceptSettlement(Order calldata order, bytes32 termsHash, uint256 buyerShareBps)
        external
        onlyDelegated
        nonReentrant
    {
        bytes32 id = OrderHashing.hashOrder(order, termsHash);
        OrderState storage state = _orders[id];
        Settlement memory offer = _settlements[id];
        // Check: the other party, accepting the proposal as it stands.
        _requireParty(id, order);
        _requireStatus(id, state.status, S_ACTIVE | S_DISPUTED);
        if (offer.proposer == address(0)) revert EscrowNoSettlement(id);
        if (offer.proposer == msg.sender) revert IOrderRegistry.OrderUnauthorized(id, msg.sender);
        if (offer.buyerShareBps != buyerShareBps) {
            revert EscrowSettlementChanged(id, offer.buyerShareBps, buyerShareBps);
        }
        _settle(id, order, state, buyerShareBps);
    }

    /// @inheritdoc IEscrowDisputes
    function withdrawSettlement(Order calldata order, bytes32 termsHash) external onlyDelegated {
        bytes32 id = OrderHashing.hashOrder(order, termsHash);
        address proposer = _settlements[id].proposer;
        // Check:
        if (proposer == address(0)) revert EscrowNoSettlement(id);
        if (proposer != msg.sender) revert IOrderRegistry.OrderUnauthorized(id, msg.sender);
        // Effect:
        delete _settlements[id];
        emit SettlementWithdrawn(id, msg.sender);
    }

    /// @inheritdoc IEscrowDisputes
    function release(Order calldata order, bytes32 termsHash, uint256 bps) external onlyDelegated nonReentrant {
        (bytes32 id, OrderState storage state, uint256 amount) = _voluntary(order, termsHash, bps, order.buyer);
        (uint256 toSeller, uint256 fee) = _split(amount, state.feeBps);
        // Effect:
        state.releasedBps += uint16(bps);
        emit ReleasedEarly(id, bps, toSeller, fee);
        // Interaction:
        _payFee(order.token, fee);
        _pay(order.seller, order.token, toSeller);
    }

    /// @inheritdoc IEscrowDisputes
    function reimburse(Order calldata order, bytes32 termsHash, uint256 bps) external onlyDelegated nonReentrant {
        (bytes32 id, OrderState storage state, uint256 amount) = _voluntary(order, termsHash, bps, order.seller);
        // Effect:
        state.releasedBps += uint16(bps);
        _recordRefunded(order.seller, order.token);
        emit GoodwillRefunded(id, bps, amount);
        // Interaction:
        _pay(order.buyer, order.token, amount);
    }

    // ---------------------------------------------------------------- operator

    /// @inheritdoc IEscrowDisputes
    function setFee(uint256 bps) external onlyDelegated onlyRole(DEFAULT_ADMIN_ROLE) {
        if (bps > MAX_FEE_BPS) revert EscrowFeeTooHigh(bps, MAX_FEE_BPS);
        _feeBps = uint8(bps);
        emit FeeChanged(bps);
    }

    /// @inheritdoc IEscrowDisputes
    function setTreasury(address treasury_) external onlyDelegated onlyRole(DEFAULT_ADMIN_ROLE) {
        if (treasury_ == address(0)) revert EscrowZeroAddress();
        _treasury = treasury_;
        emit TreasuryChanged(treasury_);
    }

    /// @inheritdoc IEscrowDisputes
    function setFeeTimeout(uint256 timeout) external onlyDelegated onlyRole(DEFAULT_ADMIN_ROLE) {
        // Orders already funded keep the timeout they were funded with.
        if (timeout < MIN_FEE_TIMEOUT || timeout > MAX_FEE_TIMEOUT) {
            revert EscrowInvalidFeeTimeout(timeout, MIN_FEE_TIMEOUT, MAX_FEE_TIMEOUT);
        }
        _feeTimeout = uint32(timeout);
        emit FeeTimeoutChanged(timeout);
    }

    // ---------------------------------------------------------------- private

    /// @dev Closes an order by the accepted settlement: `buyerShareBps` of what is still locked to the buyer, the
    /// rest less the fee to the seller, the opener's deposit (if disputed) back to it.
    function _settle(bytes32 id, Order calldata order, OrderState storage state, uint256 buyerShareBps) private {
        uint256 amount = order.price - _released(order.price, state.releasedBps);
        uint256 toBuyer = amount * buyerShareBps / BPS;
        (uint256 toSeller, uint256 fee) = _split(amount - toBuyer, state.feeBps);
        uint256 deposit = state.disputeDeposit;
        uint256 depositToBuyer = state.buyerOpenedDispute ? deposit : 0;
        uint256 refund;
        // Effect: with the arbitrator, its dispute's context stays for a fee it may refund (split the same way).
        delete _settlements[id];
        if (state.withArbitrator) {
            DisputeContext storage context = _disputes[id];
            refund = context.feeRefund;
            context.feeRefund = 0;
            context.endedShare = uint16(buyerShareBps + 1);
        }
        state.status = Status.Resolved;
        state.disputeDeadline = 0;
        state.disputeDeposit = 0;
        _recordSettled(order.buyer, order.seller, order.token);
        emit SettlementAccepted(id, msg.sender, buyerShareBps, toBuyer, toSeller, fee);
        uint256 refundToBuyer = refund * buyerShareBps / BPS;
        // Interaction: the opener's deposit back to it.
        _payFee(order.token, fee);
        uint256[4] memory amounts = [
            toBuyer, toSeller, depositToBuyer + refundToBuyer, deposit - depositToBuyer + refund - refundToBuyer
        ];
        _payParties(order.buyer, order.seller, order.token, amounts);
    }

    /// @dev Checks a voluntary release or refund by `party` of `bps` more of the price; returns the amount.
    function _voluntary(Order calldata order, bytes32 termsHash, uint256 bps, address party)
        private
        view
        returns (bytes32 id, OrderState storage state, uint256 amount)
    {
        id = OrderHashing.hashOrder(order, termsHash);
        state = _orders[id];
        if (msg.sender != party) revert IOrderRegistry.OrderUnauthorized(id, msg.sender);
        _requireStatus(id, state.status, S_ACTIVE);
        uint256 released = state.releasedBps;
        if (bps == 0 || released + bps > BPS) revert EscrowInvalidShare(id, bps);
        amount = _released(order.price, released + bps) - _released(order.price, released);
    }

    /// @dev Ends a dispute: `buyerShareBps` of `amount` to the buyer, the rest (less the fee) to the seller. Of
    /// the opener's deposit (the one the escrow holds; the second payer's went to the arbitrator) the winner
    /// gets back what it paid itself, the loser the rest; on an even split each bears half of the second
    /// payment. A fee the arbitrator refunded (`refund`) is split as the amount is.
    function _resolve(
        bytes32 id,
        OrderState storage state,
        address buyer,
        address seller,
        address token,
        uint256 amount,
        uint256 buyerShareBps,
        bool byDefault,
        uint256 second,
        uint256 refund
    ) private {
        uint256 toBuyer = amount * buyerShareBps / BPS;
        (uint256 toSeller, uint256 fee) = _split(amount - toBuyer, state.feeBps);
        uint256 deposit = state.disputeDeposit;
        bool buyerOpened = state.buyerOpenedDispute;
        // Effect:
        state.status = Status.Resolved;
        state.disputeDeadline = 0;
        state.disputeDeposit = 0;
        _recordDispute(buyer, seller, token, buyerOpened, buyerShareBps);
        emit DisputeResolved(id, buyerShareBps, toBuyer, toSeller, fee, byDefault);
        // The second payer's refund: all it paid if it won, half if even, nothing if it lost; never more than
        // the escrow holds.
        bool secondWon = buyerOpened ? buyerShareBps < BPS / 2 : buyerShareBps > BPS / 2;
        uint256 toSecond = buyerShareBps == BPS / 2 ? second / 2 : secondWon ? second : 0;
        if (toSecond > deposit) toSecond = deposit;
        uint256 depositToBuyer = buyerOpened ? deposit - toSecond : toSecond;
        uint256 refundToBuyer = refund * buyerShareBps / BPS;
        uint256[4] memory amounts = [
            toBuyer, toSeller, depositToBuyer + refundToBuyer, deposit - depositToBuyer + refund - refundToBuyer
        ];
        // Interaction:
        _payFee(token, fee);
        _payParties(buyer, seller, token, amounts);
    }

    /// @dev Pays each party its share of the order's money and of the ETH deposits; in an ETH order each
    /// party's two amounts go in one push.
    function _payParties(address buyer, address seller, address token, uint256[4] memory amounts) private {
        // amounts: the buyer's and the seller's share of the order's money, then of the ETH deposits.
        if (token == address(0)) {
            _pay(buyer, token, amounts[0] + amounts[2]);
            _pay(seller, token, amounts[1] + amounts[3]);
        } else {
            _pay(buyer, token, amounts[0]);
            _pay(seller, token, amounts[1]);
            _pay(buyer, address(0), amounts[2]);
            _pay(seller, address(0), amounts[3]);
        }
    }
}
