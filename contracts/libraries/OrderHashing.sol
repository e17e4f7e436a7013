// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Order, Terms, Milestone} from "../types/TradeTypes.sol";

/// @title EIP-712 hashing of orders
/// @notice The order identifier is the EIP-712 struct hash of
/// `Order(address buyer,address seller,address token,uint96 price,Terms terms)`, shared by the escrow and the
/// tracker so both derive the same identifier from the same fields.
library OrderHashing {
    string internal constant ORDER_TYPE = "Order(address buyer,address seller,address token,uint96 price,Terms terms)";
    string internal constant MILESTONE_TYPE = "Milestone(uint8 stage,uint16 bps)";
    string internal constant TERMS_TYPE = "Terms(address carrier,address arbitrator,uint8 incoterm,uint32 shipWithin,"
        "uint32 deliverWithin,uint32 inspectionWindow,uint64 validUntil,uint256 nonce,bytes32 documentHash,"
        "bytes5 origin,bytes5 destination,uint16 maxFeeBps,uint32 rulingTimeout,Milestone[] milestones,"
        "bytes arbitratorExtraData,address[] customs,address[] inspectors)";

    // The type hashes as literals: the compiler does not fold a keccak256 of concatenated strings, so a constant
    // written as one would hash the type strings again on every use (about 700 gas a use, 2,154 a checkpoint).
    // tests/contracts/test_order_form.py checks each against the keccak256 of the strings above.

    /// @dev keccak256(bytes(MILESTONE_TYPE))
    bytes32 internal constant MILESTONE_TYPEHASH = 0x9f0e3196477056c5f84e8a9d72ad99b2fb4921ad2ab4f088e86b81ab135bd9a0;
    /// @dev keccak256(abi.encodePacked(TERMS_TYPE, MILESTONE_TYPE))
    bytes32 internal constant TERMS_TYPEHASH = 0x899fffc39fe5f626657ff01fb1b57b8db439b830d7505d0923f255023e1129e3;
    /// @dev keccak256(abi.encodePacked(ORDER_TYPE, MILESTONE_TYPE, TERMS_TYPE))
    bytes32 internal constant ORDER_TYPEHASH = 0x55316140ecf89b0e4413bebb2b38233e35f33ceb1773c57ce63b369d6a68672c;

    /// @notice EIP-712 struct hash of the terms.
    /// @dev The thirteen static fields (the head words before the four offsets) are copied from calldata as they
    /// are, and so are the words of the two address lists: a field with dirty high bits hashes to an identifier
    /// no signer signed, and every path that reads such a field through Solidity reverts anyway.
    function hashTerms(Terms calldata t) internal pure returns (bytes32 result) {
        bytes32 termsType = TERMS_TYPEHASH;
        bytes32 milestoneType = MILESTONE_TYPEHASH;
        Milestone[] calldata ms = t.milestones;
        bytes calldata extra = t.arbitratorExtraData;
        address[] calldata customs = t.customs;
        address[] calldata inspectors = t.inspectors;
        assembly ("memory-safe") {
            // Scratch past the free memory pointer: 18 words of encoded terms (type hash, 13 static fields, the
            // hashes of the milestones, the extra data, the customs and the inspectors), then the milestone
            // hashes, then room for one milestone's encoding, the extra data or a list.
            let ptr := mload(0x40)
            let hashes := add(ptr, 0x240)
            let n := ms.length
            let work := add(hashes, shl(5, n))
            mstore(work, milestoneType)
            for { let i := 0 } lt(i, n) { i := add(i, 1) } {
                calldatacopy(add(work, 0x20), add(ms.offset, shl(6, i)), 0x40)
                mstore(add(hashes, shl(5, i)), keccak256(work, 0x60))
            }
            mstore(ptr, termsType)
            calldatacopy(add(ptr, 0x20), t, 0x1a0)
            mstore(add(ptr, 0x1c0), keccak256(hashes, shl(5, n)))
            calldatacopy(work, extra.offset, extra.length)
            mstore(add(ptr, 0x1e0), keccak256(work, extra.length))
            let size := shl(5, customs.length)
            calldatacopy(work, customs.offset, size)
            mstore(add(ptr, 0x200), keccak256(work, size))
            size := shl(5, inspectors.length)
            calldatacopy(work, inspectors.offset, size)
            mstore(add(ptr, 0x220), keccak256(work, size))
            result := keccak256(ptr, 0x240)
        }
    }

    /// @notice EIP-712 struct hash of the order, given the struct hash of its terms: the order identifier.
    function hashOrder(Order calldata o, bytes32 termsHash) internal pure returns (bytes32 result) {
        bytes32 typeHash = ORDER_TYPEHASH;
        address buyer = o.buyer;
        address seller = o.seller;
        address token = o.token;
        uint96 price = o.price;
        assembly ("memory-safe") {
            let ptr := mload(0x40)
            mstore(ptr, typeHash)
            mstore(add(ptr, 0x20), buyer)
            mstore(add(ptr, 0x40), seller)
            mstore(add(ptr, 0x60), token)
            mstore(add(ptr, 0x80), price)
            mstore(add(ptr, 0xa0), termsHash)
            result := keccak256(ptr, 0xc0)
        }
    }
}
