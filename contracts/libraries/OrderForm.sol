// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IOrderRegistry} from "../interfaces/IOrderRegistry.sol";
import {OrderHashing} from "./OrderHashing.sol";
import {Order, Stage} from "../types/TradeTypes.sol";

/// @title The order form: an order and its terms in one `bytes` argument
/// @notice Every function that needs an order's terms takes them as this form, read in place from calldata. Its
/// first 128 bytes are the ABI encoding of {Order} (buyer, seller, token, price, one word each), so the head is
/// read as an `Order calldata` at no cost; the terms follow packed, fixed fields first, then the lists:
///
///     offset  size  field                          offset  size  field
///          0    32  buyer (address, padded)           221    32  documentHash
///         32    32  seller                            253     5  origin (UN/LOCODE)
///         64    32  token (zero for ETH)              258     5  destination
///         96    32  price (uint96, padded)            263     2  maxFeeBps
///        128    20  carrier                           265     4  rulingTimeout
///        148    20  arbitrator                        269     1  m: milestones
///        168     1  incoterm                          270     1  c: customs
///        169     4  shipWithin                        271     1  i: inspectors
///        173     4  deliverWithin                     272     2  e: arbitratorExtraData bytes
///        177     4  inspectionWindow                  274    3m  milestones: stage (1), bps (2)
///        181     8  validUntil                             20c  customs, 20 bytes each
///        189    32  nonce                                  20i  inspectors, 20 bytes each
///                                                            e  arbitratorExtraData
///
/// Integers are big-endian. The form is exactly 274 + 3m + 20c + 20i + e bytes long
/// ({IOrderRegistry-OrderFormMalformed} otherwise) and the unused high bytes of the four head words are zero
/// ({IOrderRegistry-OrderFormDirtyPadding} otherwise), so every order has exactly one form. The order's
/// identifier is the same EIP-712 struct hash as for the ABI structs {Order} and {Terms}: a wallet signs the
/// typed data, and the form is only how the fields travel.
library OrderForm {
    uint256 internal constant FIXED = 274;

    uint256 private constant CARRIER = 128;
    uint256 private constant ARBITRATOR = 148;
    uint256 private constant INCOTERM = 168;
    uint256 private constant SHIP_WITHIN = 169;
    uint256 private constant DELIVER_WITHIN = 173;
    uint256 private constant INSPECTION_WINDOW = 177;
    uint256 private constant VALID_UNTIL = 181;
    uint256 private constant DOCUMENT = 221;
    uint256 private constant MAX_FEE = 263;
    uint256 private constant RULING_TIMEOUT = 265;
    uint256 private constant COUNTS = 269;

    // ---------------------------------------------------------------- shape

    /// @notice Reverts unless `f` is a well-formed order form; returns its head as an `Order calldata`.
    function open(bytes calldata f) internal pure returns (Order calldata) {
        check(f);
        return head(f);
    }

    /// @notice The form's first 128 bytes as an `Order calldata` (they are its ABI encoding), unchecked: see {open}.
    function head(bytes calldata f) internal pure returns (Order calldata o) {
        assembly ("memory-safe") {
            o := f.offset
        }
    }

    /// @notice Reverts unless `f` is a well-formed order form: exactly as long as its counts say, with clean
    /// head padding.
    function check(bytes calldata f) internal pure {
        uint256 length = f.length;
        if (length < FIXED) revert IOrderRegistry.OrderFormMalformed(length, FIXED);
        (uint256 m, uint256 c, uint256 i, uint256 e) = counts(f);
        uint256 expected = FIXED + 3 * m + 20 * (c + i) + e;
        if (length != expected) revert IOrderRegistry.OrderFormMalformed(length, expected);
        if (((word(f, 0) | word(f, 32) | word(f, 64)) >> 160) | (word(f, 96) >> 96) != 0) {
            revert IOrderRegistry.OrderFormDirtyPadding();
        }
    }

    /// @notice The form's order identifier (the form must be well formed: see {open}).
    function id(bytes calldata f) internal pure returns (bytes32) {
        return OrderHashing.hashOrder(head(f), hashTerms(f));
    }

    /// @notice The form's order identifier and terms hash (the form must be well formed: see {open}).
    function ids(bytes calldata f) internal pure returns (bytes32 orderId, bytes32 termsHash) {
        termsHash = hashTerms(f);
        orderId = OrderHashing.hashOrder(head(f), termsHash);
    }

    /// @notice The number of milestones, customs, inspectors and bytes of arbitrator extra data.
    function counts(bytes calldata f) internal pure returns (uint256 m, uint256 c, uint256 i, uint256 e) {
        uint256 w = word(f, COUNTS);
        m = w >> 248;
        c = (w >> 240) & 0xff;
        i = (w >> 232) & 0xff;
        e = (w >> 216) & 0xffff;
    }

    /// @notice The 32 bytes of `f` from byte `at` (zero past the end of calldata).
    function word(bytes calldata f, uint256 at) internal pure returns (uint256 w) {
        assembly ("memory-safe") {
            w := calldataload(add(f.offset, at))
        }
    }

    // ---------------------------------------------------------------- fields

    function carrier(bytes calldata f) internal pure returns (address) {
        return address(uint160(word(f, CARRIER) >> 96));
    }

    function arbitrator(bytes calldata f) internal pure returns (address) {
        return address(uint160(word(f, ARBITRATOR) >> 96));
    }

    function incoterm(bytes calldata f) internal pure returns (uint8) {
        return uint8(word(f, INCOTERM) >> 248);
    }

    function shipWithin(bytes calldata f) internal pure returns (uint256) {
        return word(f, SHIP_WITHIN) >> 224;
    }

    function deliverWithin(bytes calldata f) internal pure returns (uint256) {
        return word(f, DELIVER_WITHIN) >> 224;
    }

    function inspectionWindow(bytes calldata f) internal pure returns (uint256) {
        return word(f, INSPECTION_WINDOW) >> 224;
    }

    function validUntil(bytes calldata f) internal pure returns (uint256) {
        return word(f, VALID_UNTIL) >> 192;
    }

    function documentHash(bytes calldata f) internal pure returns (bytes32) {
        return bytes32(word(f, DOCUMENT));
    }

    function maxFeeBps(bytes calldata f) internal pure returns (uint256) {
        return word(f, MAX_FEE) >> 240;
    }

    function rulingTimeout(bytes calldata f) internal pure returns (uint256) {
        return word(f, RULING_TIMEOUT) >> 224;
    }

    /// @notice Milestone `j`: its stage and share in basis points.
    function milestone(bytes calldata f, uint256 j) internal pure returns (uint256 stage, uint256 bps) {
        uint256 w = word(f, FIXED + 3 * j);
        stage = w >> 248;
        bps = (w >> 232) & 0xffff;
    }

    /// @notice The milestones packed for the escrow: 24 bits each, the stage in the low 8 bits, the share above.
    function schedule(bytes calldata f) internal pure returns (uint256 packed) {
        uint256 m = word(f, COUNTS) >> 248;
        for (uint256 j; j < m; ++j) {
            (uint256 stage, uint256 bps) = milestone(f, j);
            packed |= (stage | (bps << 8)) << (24 * j);
        }
    }

    /// @notice shipWithin in the low 32 bits and deliverWithin in the next 32 (as the escrow's `stageReported` takes them).
    function windows(bytes calldata f) internal pure returns (uint256) {
        return shipWithin(f) | (deliverWithin(f) << 32);
    }

    /// @notice Whether `actor` is one of the order's customs authorities (`inspectors` false) or inspectors.
    function names(bytes calldata f, bool inspectors, address actor) internal pure returns (bool) {
        (uint256 m, uint256 c, uint256 i,) = counts(f);
        uint256 at = FIXED + 3 * m;
        uint256 n = c;
        if (inspectors) (at, n) = (at + 20 * c, i);
        for (uint256 j; j < n; ++j) {
            if (address(uint160(word(f, at + 20 * j) >> 96)) == actor) return true;
        }
        return false;
    }

    /// @notice The arbitrator extra data, as a calldata slice.
    function extraData(bytes calldata f) internal pure returns (bytes calldata) {
        (, , , uint256 e) = counts(f);
        return f[f.length - e:];
    }

    // ---------------------------------------------------------------- hashing and events

    /// @notice EIP-712 struct hash of the terms (see {OrderHashing}), computed from the packed fields.
    function hashTerms(bytes calldata f) internal pure returns (bytes32 result) {
        bytes32 termsType = OrderHashing.TERMS_TYPEHASH;
        bytes32 milestoneType = OrderHashing.MILESTONE_TYPEHASH;
        (uint256 m, uint256 c, uint256 i, uint256 e) = counts(f);
        assembly ("memory-safe") {
            // Scratch past the free memory pointer: the 18 words of the encoded terms, one milestone's encoding,
            // then the milestone hashes, or one list's padded words, or the extra data.
            let base := f.offset
            let ptr := mload(0x40)
            let entry := add(ptr, 0x240)
            let work := add(ptr, 0x2a0)
            mstore(ptr, termsType)
            mstore(add(ptr, 0x20), shr(96, calldataload(add(base, 128)))) // carrier
            mstore(add(ptr, 0x40), shr(96, calldataload(add(base, 148)))) // arbitrator
            mstore(add(ptr, 0x60), shr(248, calldataload(add(base, 168)))) // incoterm
            mstore(add(ptr, 0x80), shr(224, calldataload(add(base, 169)))) // shipWithin
            mstore(add(ptr, 0xa0), shr(224, calldataload(add(base, 173)))) // deliverWithin
            mstore(add(ptr, 0xc0), shr(224, calldataload(add(base, 177)))) // inspectionWindow
            mstore(add(ptr, 0xe0), shr(192, calldataload(add(base, 181)))) // validUntil
            mstore(add(ptr, 0x100), calldataload(add(base, 189))) // nonce
            mstore(add(ptr, 0x120), calldataload(add(base, 221))) // documentHash
            let five := not(shr(40, not(0))) // the high 5 bytes of a word
            mstore(add(ptr, 0x140), and(calldataload(add(base, 253)), five)) // origin
            mstore(add(ptr, 0x160), and(calldataload(add(base, 258)), five)) // destination
            mstore(add(ptr, 0x180), shr(240, calldataload(add(base, 263)))) // maxFeeBps
            mstore(add(ptr, 0x1a0), shr(224, calldataload(add(base, 265)))) // rulingTimeout
            // milestones: the hash of the array of their struct hashes
            let at := add(base, 274)
            mstore(entry, milestoneType)
            for { let j := 0 } lt(j, m) { j := add(j, 1) } {
                let w := calldataload(add(at, mul(3, j)))
                mstore(add(entry, 0x20), shr(248, w))
                mstore(add(entry, 0x40), and(shr(232, w), 0xffff))
                mstore(add(work, shl(5, j)), keccak256(entry, 0x60))
            }
            mstore(add(ptr, 0x1c0), keccak256(work, shl(5, m)))
            at := add(at, mul(3, m))
            // customs, then inspectors: each address as a padded word
            for { let j := 0 } lt(j, c) { j := add(j, 1) } {
                mstore(add(work, shl(5, j)), shr(96, calldataload(add(at, mul(20, j)))))
            }
            mstore(add(ptr, 0x200), keccak256(work, shl(5, c)))
            at := add(at, mul(20, c))
            for { let j := 0 } lt(j, i) { j := add(j, 1) } {
                mstore(add(work, shl(5, j)), shr(96, calldataload(add(at, mul(20, j)))))
            }
            mstore(add(ptr, 0x220), keccak256(work, shl(5, i)))
            at := add(at, mul(20, i))
            // the arbitrator extra data
            calldatacopy(work, at, e)
            mstore(add(ptr, 0x1e0), keccak256(work, e))
            result := keccak256(ptr, 0x240)
        }
    }

    /// @notice The order's fields in the layout of {IOrderRegistry-OrderRegistered}: token and price, the terms'
    /// fixed fields with the risk stage and fee snapshot after the route, then the lists (three copies).
    function packedForEvent(bytes calldata f, Stage risk, uint256 fee) internal pure returns (bytes memory out) {
        uint256 length = f.length;
        out = new bytes(length - 96);
        uint256 head = (word(f, 64) << 96) | word(f, 96); // token (20 bytes) then price (12 bytes)
        uint256 mid = (uint256(uint8(risk)) << 248) | (fee << 240) | ((word(f, MAX_FEE) >> 184) << 168);
        assembly ("memory-safe") {
            let p := add(out, 0x20)
            let base := f.offset
            mstore(p, head)
            calldatacopy(add(p, 32), add(base, CARRIER), 135) // carrier .. destination
            mstore(add(p, 167), mid) // risk, fee, maxFeeBps, rulingTimeout, m, c, i (the last 21 bytes are
            // overwritten next)
            calldatacopy(add(p, 178), add(base, FIXED), sub(length, FIXED)) // the lists and extra data
        }
    }
}
