// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

/// @title Tradelane shared types
/// @notice Every enum and struct the suite shares, in one place. The EIP-712 type of an order is
/// `Order(address buyer,address seller,address token,uint96 price,Terms terms)` with the `Terms` and
/// `Milestone` types below; the Solidity `Order` struct carries the money-relevant head and functions that
/// do not need the rest take the EIP-712 hash of the `Terms` instead.

/// @notice Where an order stands. Terminal states: Completed, Refunded, Resolved, Cancelled.
enum Status {
    None, //           0: unknown order (or an unused quote)
    Created, //        1: registered by the buyer, waiting for the seller to accept
    Accepted, //       2: accepted by the seller, waiting for the buyer's funds
    Funded, //         3: money in escrow, goods not yet picked up
    InTransit, //      4: the carrier recorded picked_up (or a later stage)
    Delivered, //      5: the carrier recorded delivered; the inspection window runs
    Disputed, //       6: a party opened a dispute; money frozen until a ruling or a fee default
    Completed, //      7: terminal, the seller was paid (buyer confirmed or inspection lapsed)
    Refunded, //       8: terminal, the buyer took back what was not released (a missed deadline)
    Resolved, //       9: terminal, a ruling, a fee default or an accepted settlement split the locked amount
    Cancelled //      10: terminal, cancelled before funding (or an unused quote withdrawn by its seller)
}

/// @notice Logistics stages in the order goods pass them, aligned with the DCSA Track & Trace event model.
/// Stages only move forward; any may be skipped.
enum Stage {
    None, //           0: nothing recorded yet
    Booked, //         1: carrier booking confirmed (DCSA transport/equipment event "booked")
    PickedUp, //       2: goods handed to the carrier (DCSA "gate out" of the shipper's premises)
    ExportCleared, //  3: export customs clearance granted (customs)
    Loaded, //         4: loaded on board at the port of loading (DCSA "LOAD")
    Departed, //       5: vessel or vehicle departed (DCSA "DEPA")
    Arrived, //        6: arrived at the port of discharge (DCSA "ARRI")
    Unloaded, //       7: discharged at the port of discharge (DCSA "DISC")
    ImportCleared, //  8: import customs clearance granted (customs)
    OutForDelivery, // 9: on the last leg to the consignee
    Delivered //      10: delivered to the consignee; starts the inspection window
}

/// @notice What a checkpoint records. Values 1..10 are the forward-only stages of {Stage}; the rest are events
/// that do not move the stage.
enum CheckpointKind {
    None, //               0: invalid
    Booked, //             1: carrier
    PickedUp, //           2: carrier
    ExportCleared, //      3: customs
    Loaded, //             4: carrier
    Departed, //           5: carrier
    Arrived, //            6: carrier
    Unloaded, //           7: carrier
    ImportCleared, //      8: customs
    OutForDelivery, //     9: carrier
    Delivered, //         10: carrier
    Exception, //         11: carrier: something went wrong in transit (damage, delay, loss)
    CustomsHold, //       12: customs: freezes milestone release and settlement
    CustomsRelease, //    13: customs: lifts the hold and releases the tranches it held back
    InspectionPassed, //  14: inspector: the goods passed inspection (document = certificate hash)
    InspectionFailed //   15: inspector: the goods failed inspection (document = report hash)
}

/// @notice Incoterms 2020, the eleven rules. The rule decides where risk passes to the buyer.
enum Incoterm {
    EXW, //  0: Ex Works (risk passes at the seller's site)
    FCA, //  1: Free Carrier (at handover to the carrier)
    CPT, //  2: Carriage Paid To (at handover to the first carrier)
    CIP, //  3: Carriage and Insurance Paid To (at handover to the first carrier)
    DAP, //  4: Delivered At Place (at destination)
    DPU, //  5: Delivered at Place Unloaded (at destination, unloaded)
    DDP, //  6: Delivered Duty Paid (at destination, import-cleared)
    FAS, //  7: Free Alongside Ship (alongside the vessel at the port of loading)
    FOB, //  8: Free On Board (on board at the port of loading)
    CFR, //  9: Cost and Freight (on board at the port of loading)
    CIF //  10: Cost, Insurance and Freight (on board at the port of loading)
}

/// @notice The money-relevant head of an order. Its identifier is the EIP-712 struct hash of
/// `Order(buyer, seller, token, price, terms)`.
struct Order {
    address buyer; //  the importer, who funds the order
    address seller; // the exporter, who is paid as the goods move
    address token; //  the ERC-20 paid in, or address(0) for ETH
    uint96 price; //   the amount escrowed, in the token's smallest unit
}

/// @notice One tranche of the price, paid to the seller as soon as its stage is recorded.
struct Milestone {
    uint8 stage; // a {Stage} from PickedUp to Delivered
    uint16 bps; //  share of the price in basis points
}

/// @notice The rest of an order's terms. Committed through the order's identifier and emitted in full when the
/// order is registered, so a client can always rebuild it from events.
struct Terms {
    address carrier; //            the only account that records the carrier's stages of this order
    address arbitrator; //         the ERC-792 arbitrator for disputes
    uint8 incoterm; //             an {Incoterm}
    uint32 shipWithin; //          seconds after funding by which the goods must be picked up
    uint32 deliverWithin; //       seconds after funding by which the goods must be delivered
    uint32 inspectionWindow; //    seconds after delivery during which the buyer may dispute
    uint64 validUntil; //          last timestamp at which the order may be registered (0: no limit)
    uint256 nonce; //              the seller's salt; makes otherwise identical orders distinct
    bytes32 documentHash; //       hash of the purchase-order document (its URI is in the registration event)
    bytes5 origin; //              UN/LOCODE where the goods start: port of loading or named place (zero: none)
    bytes5 destination; //         UN/LOCODE where they end: port of discharge or named place (zero: none)
    uint16 maxFeeBps; //           the highest platform fee the seller accepts; registration refuses a higher one
    uint32 rulingTimeout; //       seconds the arbitrator has to rule before anyone may end the dispute with an
    //                             even split (0: 180 days; otherwise 30 to 730 days)
    Milestone[] milestones; //     at most four tranches, stages strictly increasing
    bytes arbitratorExtraData; //  passed to the arbitrator (for DisputeArbitration: abi.encode(address[] panel))
    address[] customs; //          the only accounts that clear, hold and release this order (at most four)
    address[] inspectors; //       the only accounts that record this order's inspections (at most four)
}

/// @notice The live state of an order: one storage slot. Times are uint32 seconds (good until 2106).
struct OrderState {
    Status status; //             where the order stands
    Stage stage; //               carrier track: highest transport stage recorded (never a clearance)
    Stage clearance; //           customs track: highest clearance recorded (None, ExportCleared, ImportCleared)
    bool onHold; //               a customs hold is in force
    bool deliveredOnTime; //      delivered at or before the deliver-by time
    bool pickedUpLate; //         the first pickup (or later transport stage) came after the ship-by time
    bool buyerOpenedDispute; //   who opened the dispute (meaningful while Disputed or Resolved)
    bool withArbitrator; //       both arbitration fees are paid: the dispute is with the arbitrator
    uint8 feeBps; //              platform fee snapshotted at registration (at most 200, and at most the cap)
    uint16 releasedBps; //        cumulative share of the price already released to the seller
    uint32 fundedAt; //           funding time; ship-by and deliver-by count from it
    uint32 deliveredAt; //        delivery time, or the release of a later hold: the inspection window counts from it
    uint32 disputeDeadline; //    funded: the fee timeout fixed at funding (seconds); disputed: the other party's
    //                            fee deadline, then (with the arbitrator) the ruling deadline
    uint72 disputeDeposit; //     arbitration fee paid by the dispute's opener, refunded to the winner
}

/// @notice A party's track record in one token, written only by the escrow when an order closes.
struct ReputationRecord {
    uint32 completed; //       orders completed as buyer or seller
    uint32 disputesOpened; //  disputes this account opened that ended in a ruling or a fee default
    uint32 disputesWon; //     rulings (or fee defaults) that gave this account more than half
    uint32 disputesLost; //    rulings (or fee defaults) that gave this account less than half
    uint32 onTime; //          completed orders, as seller, delivered by the deliver-by time
    uint96 volume; //          completed volume in the token's smallest unit (saturates at 2^96-1)
    // A second slot, written only off the happy path (a settlement, a goodwill refund):
    uint32 settled; //         orders this account closed by an accepted settlement (neither party's win)
    uint32 refunded; //        goodwill refunds this account gave as seller
}

/// @notice An EIP-2612 permit for the order's token, so funding needs no separate approval.
struct Permit {
    uint256 deadline; // the permit's deadline
    uint8 v; //         signature v
    bytes32 r; //       signature r
    bytes32 s; //       signature s
}

/// @notice One logistics checkpoint as its recorder submits it; the block time is its time.
struct Checkpoint {
    uint8 kind; //        a {CheckpointKind}
    bytes5 location; //   UN/LOCODE, five letters (for example "CNSHA")
    bytes32 document; //  hash of the bill of lading, customs declaration or certificate (may be zero)
    string uri; //        where the document can be fetched (may be empty)
}
