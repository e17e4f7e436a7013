"""The embedded eth-tester chain: py-evm with the dev accounts, a gas estimate in two runs and
a transaction lookup through py-evm's hash index."""

from __future__ import annotations

import contextlib
from typing import Any

from eth_typing import ChecksumAddress
from eth_utils.address import to_checksum_address
from web3 import EthereumTesterProvider, Web3

from tradelane.anvil import DEV_BALANCE_ETH, DEV_HD_PATH, DEV_MNEMONIC


def _quick_gas_estimate(state: Any, transaction: Any) -> int:
    """A gas estimate for py-evm in two runs instead of about thirteen.

    py-evm's default estimator binary-searches between the intrinsic gas and the block gas
    limit, running the transaction each time; on eth-tester that is three quarters of the
    cost of every transact(). Here: run once with the block gas limit (an error there is
    raised as py-evm does), then check that what it consumed plus a quarter is enough, and
    binary-search only when it is not (a contract that checks gasleft(), a calldata floor).
    """
    from eth.estimators.gas import binary_gas_search_intrinsic_tolerance
    from eth.vm.spoof import SpoofTransaction

    def run(gas: int) -> Any:
        snapshot = state.snapshot()
        try:
            return state.apply_transaction(SpoofTransaction(transaction, gas=gas, gas_price=0))
        finally:
            state.revert(snapshot)

    computation = run(state.gas_limit)
    if computation.is_error:
        raise computation.error
    used = int(state.gas_limit - computation.get_gas_remaining())
    candidate = min(int(state.gas_limit), used + used // 4 + 10_000)
    with contextlib.suppress(Exception):
        if not run(candidate).is_error:
            return candidate
    return int(binary_gas_search_intrinsic_tolerance(state, transaction))


def _transaction_by_hash(chain: Any, transaction_hash: bytes) -> Any:
    """eth-tester's lookup of a mined transaction, through py-evm's hash index instead of a
    scan of every block from the head down (which made each receipt, and so eth_getLogs,
    cost time in proportion to the chain's length). The block found is checked; anything
    unexpected falls back to eth-tester's own scan."""
    head = chain.get_block()
    for index, transaction in enumerate(head.transactions):
        if transaction.hash == transaction_hash:
            return head, transaction, index
    try:
        number, index = chain.chaindb.get_transaction_index(transaction_hash)
        block = chain.get_canonical_block_by_number(number)
        transaction = block.transactions[index]
    except Exception:
        transaction = None
    if transaction is not None and transaction.hash == transaction_hash:
        return block, transaction, index
    return _SCAN_TRANSACTION[0](chain, transaction_hash)


_SCAN_TRANSACTION: list[Any] = []  # eth-tester's own lookup, kept for the fallback


def _index_transaction_lookups() -> None:
    from eth_tester.backends.pyevm import main as pyevm_main

    if not _SCAN_TRANSACTION:
        _SCAN_TRANSACTION.append(pyevm_main._get_transaction_by_hash)
        pyevm_main._get_transaction_by_hash = _transaction_by_hash


def new_eth_tester(accounts: int) -> tuple[Web3, Any, dict[ChecksumAddress, str]]:
    """A fresh py-evm chain with `accounts` dev accounts: (its Web3, its EthereumTester, the
    dev accounts' private keys by address); tradelane.chain wraps them in a Chain."""
    from eth_tester import EthereumTester, PyEVMBackend

    _index_transaction_lookups()

    backend = PyEVMBackend.from_mnemonic(
        DEV_MNEMONIC,
        num_accounts=accounts,
        hd_path=DEV_HD_PATH,
        genesis_state_overrides={"balance": DEV_BALANCE_ETH * 10**18},
    )
    # py-evm copies the estimator onto each chain instance; later instances (a revert to the
    # genesis snapshot makes one) take it from the class.
    type(backend.chain).gas_estimator = staticmethod(_quick_gas_estimate)
    backend.chain.gas_estimator = _quick_gas_estimate
    tester = EthereumTester(backend)
    w3 = Web3(EthereumTesterProvider(tester))
    keys = {
        to_checksum_address(k.public_key.to_checksum_address()): k.to_hex()
        for k in backend.account_keys
    }
    return w3, tester, keys
