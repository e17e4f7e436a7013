"""Private helpers of tradelane.client: EIP-712 hashing, revert decoding, event decoding."""
