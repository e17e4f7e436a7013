// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {Order, Terms, Milestone} from "../types/TradeTypes.sol";

/// @title EIP-712 hashing of orders
/// @notice The order identifier is the EIP-712 struct hash of
/// `Order(address buyer,address seller,address token,uint96 price,Terms terms)`, shared by the escrow and the
/// tracker so both derive the same identifier from the same fields.
library OrderHashing {
    string internal constant MILESTONE_TYPE = "Milestone(uint8 stage,uint16 bps)";
    string internal constant TERMS_TYPE = "Terms(address carrier,address arbitrator,uint8 incoterm,uint32 shipWithin,"
        "uint32 deliverWithin,uint32 inspectionWindow,uint64 validUntil,uint256 nonce,bytes32 documentHash,"
        "Milestone[] milestones,bytes arbitratorExtraData)";

    bytes32 internal constant MILESTONE_TYPEHASH = keccak256(bytes(MILESTONE_TYPE));
    bytes32 internal constant TERMS_TYPEHASH = keccak256(abi.encodePacked(TERMS_TYPE, MILESTONE_TYPE));
    bytes32 internal constant ORDER_TYPEHASH = keccak256(
        abi.encodePacked(
            "Order(address buyer,address seller,address token,uint96 price,Terms terms)", MILESTONE_TYPE, TERMS_TYPE
        )
    );

    /// @notice EIP-712 struct hash of the terms.
    function hashTerms(Terms calldata t) internal pure returns (bytes32) {
        // EIP-712 encodes the fields one after another; encoding them in two parts keeps the stack shallow.
        bytes memory head = abi.encode(
            TERMS_TYPEHASH,
            t.carrier,
            t.arbitrator,
            t.incoterm,
            t.shipWithin,
            t.deliverWithin,
            t.inspectionWindow,
            t.validUntil
        );
        bytes memory tail =
            abi.encode(t.nonce, t.documentHash, hashMilestones(t.milestones), keccak256(t.arbitratorExtraData));
        return keccak256(bytes.concat(head, tail));
    }

    /// @notice EIP-712 hash of the milestone array.
    function hashMilestones(Milestone[] calldata ms) internal pure returns (bytes32) {
        bytes32[] memory hashes = new bytes32[](ms.length);
        for (uint256 i; i < ms.length; ++i) {
            hashes[i] = keccak256(abi.encode(MILESTONE_TYPEHASH, ms[i].stage, ms[i].bps));
        }
        return keccak256(abi.encodePacked(hashes));
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
