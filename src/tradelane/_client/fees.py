"""What a transaction pays: gas over the estimate, and the fees of one the client signs."""

from __future__ import annotations

from typing import Any

GAS_MARGIN = 1.25  # on top of eth_estimateGas: payouts check gasleft() headroom
PRIORITY_FEE = 10**9


def gas_for(estimate: int, gas_limit: int) -> int:
    """The gas a transaction is sent with: its estimate and a margin, within the block's."""
    return min(int(estimate * GAS_MARGIN) + 10_000, gas_limit)


def unsigned(tx: dict[str, Any], chain_id: int, base_fee: int) -> dict[str, Any]:
    """A transaction as the client signs it (EIP-1559, maxFee: 2x base fee), nonce apart."""
    return {
        **{k: v for k, v in tx.items() if k != "from"},
        "chainId": chain_id,
        "maxFeePerGas": base_fee * 2 + PRIORITY_FEE,
        "maxPriorityFeePerGas": PRIORITY_FEE,
        "type": 2,
    }
