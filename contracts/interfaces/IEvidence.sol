// SPDX-License-Identifier: MIT
pragma solidity 0.8.30;

import {IArbitrator} from "./IArbitrator.sol";

/// @title ERC-1497 evidence standard
/// @notice Events that let any court's interface show what a dispute is about.
interface IEvidence {
    /// @notice Context of a dispute: what the parties agreed.
    event MetaEvidence(uint256 indexed metaEvidenceId, string evidence);
    /// @notice A piece of evidence submitted by a party.
    event Evidence(
        IArbitrator indexed arbitrator, uint256 indexed evidenceGroupId, address indexed party, string evidence
    );
    /// @notice Links a dispute to its meta-evidence and evidence group.
    event Dispute(
        IArbitrator indexed arbitrator, uint256 indexed disputeId, uint256 metaEvidenceId, uint256 evidenceGroupId
    );
}
