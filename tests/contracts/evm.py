"""Two ways to run the very same suite bytecode (build/ artifacts) for the invariant machine.

- `TesterBackend`: the session's chain (eth-tester, or Anvil), through web3, as every other
  contract test runs it. About 30-50 transactions a second. Each transaction runs at the exact
  timestamp the machine asks for: eth-tester's pending header is set to it (Anvil:
  `evm_setNextBlockTimestamp`), so deadlines are tried at the second.
- `RevmBackend`: pyrevm, an in-process revm. Not a chain (no RPC, no blocks beyond what it is
  told), but it executes the same deployment bytecode as the same transactions, tens of
  thousands a second: it carries the deep profile (`make fuzz`).

Both run every transaction at an exact block timestamp (`at`) and speak raw calldata, so the
machine encodes each call once with eth_abi and decodes revert data into the custom error's
name and fields with the suite's ABIs.
"""

from __future__ import annotations

import ast
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from eth_abi import decode, encode
from eth_account import Account
from eth_utils import function_signature_to_4byte_selector, to_checksum_address

from tradelane.compiler import Artifact
from tradelane.deploy import DEFAULT_PARAMS, create_address

from .desk import _abi_type, _revert_data, error_table
from .revert_log import seen

START_TIME = 1_800_000_000
CHAIN_ID = 31_337
USDC_UNIT = 10**6


class Abi:
    """Selectors and types of one contract's functions, for fast encoding without web3."""

    def __init__(self, abi: Sequence[dict[str, Any]]) -> None:
        self.abi = list(abi)
        self.fns: dict[str, tuple[bytes, list[str], list[str]]] = {}
        for item in abi:
            if item["type"] != "function":
                continue
            ins = [_abi_type(i) for i in item["inputs"]]
            outs = [_abi_type(o) for o in item["outputs"]]
            sel = function_signature_to_4byte_selector(f"{item['name']}({','.join(ins)})")
            self.fns[item["name"]] = (sel, ins, outs)

    def enc(self, name: str, *args: Any) -> bytes:
        sel, ins, _ = self.fns[name]
        return sel + encode(ins, list(args))

    def dec(self, name: str, data: bytes) -> Any:
        outs = self.fns[name][2]
        values = decode(outs, data)
        return values[0] if len(values) == 1 else values


@dataclass
class Outcome:
    """What a transaction did: success, or the decoded custom error."""

    ok: bool
    error: str = ""
    args: tuple[Any, ...] = ()
    timestamp: int = 0
    gas_cost: int = 0


class Backend:
    """The common shape; see the two implementations below."""

    __test__ = False

    chain_id: int
    addresses: dict[str, str]  # contract name -> address
    accounts: dict[str, str]  # party name -> address
    errors: dict[bytes, tuple[str, list[str]]]
    abis: dict[str, Abi]
    #: Whether a transaction the model expects to revert is still sent (pyrevm: yes; the
    #: session chain: no, its eth_call reverted first, so nothing changed).
    sends_refusals = True

    def tx(
        self, sender: str, to: str, data: bytes, value: int, at: int, gas: int | None = None
    ) -> Outcome:
        """Runs a transaction in a block of its own at timestamp `at` (later than now())."""
        raise NotImplementedError

    def view(self, to: str, data: bytes) -> bytes:
        raise NotImplementedError

    def eth(self, address: str) -> int:
        raise NotImplementedError

    def now(self) -> int:
        raise NotImplementedError

    def sign_hash(self, signer: str, digest: bytes) -> bytes:
        raise NotImplementedError

    # helpers over the above
    def call(self, contract: str, fn: str, *args: Any) -> Any:
        abi = self.abis[contract]
        return abi.dec(fn, self.view(self.addresses[contract], abi.enc(fn, *args)))

    def words(self, contract: str, fn: str, *args: Any, key: Any = None) -> list[int]:
        """A view's static return words as integers, its calldata encoded once per `key` (the
        arguments when they are hashable): the invariants read the same views every step."""
        cache: dict[Any, bytes] = self.__dict__.setdefault("_calldata", {})
        key = (contract, fn, args if key is None else key)
        data = cache.get(key)
        if data is None:
            data = cache[key] = self.abis[contract].enc(fn, *args)
        raw = self.view(self.addresses[contract], data)
        return [int.from_bytes(raw[k : k + 32], "big") for k in range(0, len(raw), 32)]

    def word(self, contract: str, fn: str, *args: Any, key: Any = None) -> int:
        return self.words(contract, fn, *args, key=key)[0]

    def send(self, sender: str, contract: str, fn: str, *args: Any, value: int = 0) -> Outcome:
        data = self.abis[contract].enc(fn, *args)
        return self.tx(sender, self.addresses[contract], data, value, self.now() + 1)

    def decode_error(self, raw: bytes) -> tuple[str, tuple[Any, ...]]:
        if len(raw) >= 4 and raw[:4] in self.errors:
            name, types = self.errors[raw[:4]]
            seen(name)
            values = tuple(
                to_checksum_address(v) if t == "address" else v
                for t, v in zip(types, decode(types, raw[4:]), strict=True)
            )
            return name, values
        return f"<undecoded 0x{raw.hex()}>", ()


#: The contracts the machine deploys: their ABIs call them and decode their errors.
_CONTRACTS = (
    "TradeEscrow",
    "LogisticsTracker",
    "DisputeArbitration",
    "TestStablecoin",
    "RevertingReceiver",
    "FeeOnTransferToken",
    "ImpostorArbitrator",
)


def _abis(artifacts: dict[str, Artifact]) -> dict[str, Abi]:
    out = {n: Abi(artifacts[n].abi) for n in _CONTRACTS}
    out["USDC"] = out["TestStablecoin"]
    out["FOT"] = out["FeeOnTransferToken"]
    out["Impostor"] = out["ImpostorArbitrator"]
    return out


def _errors(artifacts: dict[str, Artifact]) -> dict[bytes, tuple[str, list[str]]]:
    class _C:  # error_table wants objects with .abi
        def __init__(self, abi: Any) -> None:
            self.abi = abi

    return error_table([_C(artifacts[n].abi) for n in _CONTRACTS])  # type: ignore[list-item]


def _tester_revert_data(exc: BaseException) -> str:
    """eth-tester's TransactionFailed carries the revert bytes as their repr."""
    text = exc.args[0] if exc.args else None
    if isinstance(text, str) and text[:2] in ("b'", 'b"'):
        raw = ast.literal_eval(text)
        return "0x" + bytes(raw).hex()
    if isinstance(text, bytes | bytearray):
        return "0x" + bytes(text).hex()
    return ""


class TesterBackend(Backend):
    """The session chain through web3 (the suite, USDC and a reverting seller are deployed)."""

    sends_refusals = False

    def __init__(
        self,
        chain: Any,
        suite: Any,
        artifacts: dict[str, Artifact],
        accounts: dict[str, str],
        extra: dict[str, str],
    ) -> None:
        self.chain = chain
        self.w3 = chain.w3
        self.chain_id = chain.chain_id
        self.accounts = accounts
        self.addresses = {name: suite[name].address for name in suite}
        self.addresses.update(extra)  # RevertingReceiver, FOT, Impostor
        self.abis = _abis(artifacts)
        self.errors = _errors(artifacts)
        self.tester = getattr(chain, "tester", None)

    def _at(self, at: int) -> None:
        """The next block's timestamp, exactly."""
        if self.tester is not None:
            backend = self.tester.backend
            backend.chain.header = backend.chain.header.copy(timestamp=at)
        else:
            self.chain._call("evm_setNextBlockTimestamp", at)

    def tx(
        self, sender: str, to: str, data: bytes, value: int, at: int, gas: int | None = None
    ) -> Outcome:
        tx = {"from": sender, "to": to, "data": data, "value": value, "gas": gas or 6_000_000}
        self._at(at)
        try:  # a call first: a revert is refused like a wallet refuses it, with its data
            if self.tester is not None:
                self.tester.call({**tx, "data": "0x" + data.hex()}, "pending")
            else:
                self.w3.eth.call(tx)  # type: ignore[arg-type]
            tx_hash = self.w3.eth.send_transaction(tx)  # type: ignore[arg-type]
        except Exception as exc:  # eth-tester raises on revert; Anvil answers an RPC error
            raw = _tester_revert_data(exc) or _revert_data(exc)
            name, args = self.decode_error(bytes.fromhex(raw[2:]) if raw.startswith("0x") else b"")
            return Outcome(False, name, args)
        receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash)
        cost = int(receipt["gasUsed"]) * int(receipt["effectiveGasPrice"])
        if receipt["status"] != 1:
            return Outcome(False, "<reverted without data>", (), gas_cost=cost)
        block = self.w3.eth.get_block(receipt["blockNumber"])
        assert int(block["timestamp"]) == at, f"block at {block['timestamp']}, asked for {at}"
        return Outcome(True, timestamp=at, gas_cost=cost)

    def view(self, to: str, data: bytes) -> bytes:
        if self.tester is not None:  # eth-tester directly: several times faster than web3
            out = self.tester.call(
                {"from": self.accounts["outsider"], "to": to, "data": "0x" + data.hex()}, "latest"
            )
            return bytes.fromhex(out[2:]) if isinstance(out, str) else bytes(out)
        return bytes(self.w3.eth.call({"to": to, "data": data}))

    def eth(self, address: str) -> int:
        if self.tester is not None:
            return int(self.tester.get_balance(address))
        return int(self.w3.eth.get_balance(address))

    def now(self) -> int:
        return int(self.chain.now())

    def sign_hash(self, signer: str, digest: bytes) -> bytes:
        key = self.chain.private_key(signer)
        return bytes(Account.unsafe_sign_hash(digest, key).signature)


class RevmBackend(Backend):
    """pyrevm with the suite deployed as deploy_suite and the contract fixtures deploy it, and
    the machine's doubles: a seller contract that refuses ETH, a fee-on-transfer token and an
    impostor arbitrator."""

    def __init__(self, artifacts: dict[str, Artifact]) -> None:
        from pyrevm import EVM, BlockEnv, CfgEnv, Env

        self._BlockEnv = BlockEnv
        self.chain_id = CHAIN_ID
        self.time = START_TIME
        self.block = 1
        self.evm = EVM(
            spec_id="PRAGUE",
            env=Env(
                cfg=CfgEnv(chain_id=CHAIN_ID),
                block=BlockEnv(timestamp=self.time, number=self.block, basefee=0),
            ),
        )
        self.abis = _abis(artifacts)
        self.errors = _errors(artifacts)
        names = (
            "operator",
            "treasury",
            "buyer",
            "seller",
            "carrier",
            "customs",
            "inspector",
            "arbitrator0",
            "arbitrator1",
            "arbitrator2",
            "outsider",
        )
        self.keys: dict[str, bytes] = {}
        self.accounts = {}
        for i, name in enumerate(names):
            key = (0xA11CE + i).to_bytes(32, "big")
            address = Account.from_key(key).address
            self.keys[address] = key
            self.accounts[name] = address
            self.evm.set_balance(address, 10**24)
        op = self.accounts["operator"]
        self.addresses: dict[str, str] = {}

        def deploy(name: str, artifact: str, types: list[str], args: list[Any], by: str) -> str:
            code = bytes.fromhex(artifacts[artifact].bytecode.removeprefix("0x"))
            address = to_checksum_address(self.evm.deploy(by, code + encode(types, args)))
            self.addresses[name] = address
            return address

        deploy(
            "DisputeArbitration",
            "DisputeArbitration",
            ["address", "uint256", "uint64"],
            [op, DEFAULT_PARAMS["arbitration_cost"], DEFAULT_PARAMS["ruling_period"]],
            op,
        )
        deploy("EscrowDisputes", "EscrowDisputes", [], [], op)
        nonce = self.evm.basic(op).nonce
        escrow_at = create_address(op, nonce + 1)
        deploy("LogisticsTracker", "LogisticsTracker", ["address", "address"], [op, escrow_at], op)
        deploy(
            "TradeEscrow",
            "TradeEscrow",
            ["address", "address", "address", "address"],
            [
                op,
                self.accounts["treasury"],
                self.addresses["LogisticsTracker"],
                self.addresses["EscrowDisputes"],
            ],
            op,
        )
        assert self.addresses["TradeEscrow"] == escrow_at
        deploy("USDC", "TestStablecoin", ["string", "string", "uint8"], ["USD Coin", "USDC", 6], op)
        deploy("RevertingReceiver", "RevertingReceiver", [], [], self.accounts["seller"])
        deploy("FOT", "FeeOnTransferToken", [], [], op)
        cost = DEFAULT_PARAMS["arbitration_cost"]
        deploy("Impostor", "ImpostorArbitrator", ["uint256"], [cost], op)
        for i in range(3):
            self._must(
                op, "DisputeArbitration", "registerArbitrator", self.accounts[f"arbitrator{i}"]
            )
        for role, who in (("CUSTOMS_ROLE", "customs"), ("INSPECTOR_ROLE", "inspector")):
            role_id = self.call("LogisticsTracker", role)
            self._must(op, "LogisticsTracker", "grantRole", role_id, self.accounts[who])
        for holder in ("buyer", "seller"):
            self._must(op, "USDC", "mint", self.accounts[holder], 1_000_000 * USDC_UNIT)
        self._must(op, "FOT", "mint", self.accounts["buyer"], 10**30)
        for token in ("USDC", "FOT"):
            self._must(
                self.accounts["buyer"], token, "approve", self.addresses["TradeEscrow"], 2**256 - 1
            )

    def _must(self, sender: str, contract: str, fn: str, *args: Any) -> None:
        out = self.send(sender, contract, fn, *args)
        assert out.ok, f"{contract}.{fn}: {out.error}{out.args}"

    def _advance(self) -> None:
        self.block += 1
        self.evm.set_block_env(self._BlockEnv(timestamp=self.time, number=self.block, basefee=0))

    def tx(
        self, sender: str, to: str, data: bytes, value: int, at: int, gas: int | None = None
    ) -> Outcome:
        assert at > self.time, f"time goes forward: {at} after {self.time}"
        self.time = now = at  # each transaction in a block of its own, at the asked time
        self._advance()
        try:
            self.evm.message_call(sender, to, data, value=value, gas=gas or 10_000_000)
        except RuntimeError as exc:
            text = str(exc)
            raw = b""
            if "output: 0x" in text:
                raw = bytes.fromhex(text.split("output: 0x", 1)[1].split(" ", 1)[0].rstrip("}"))
            name, args = self.decode_error(raw)
            self.evm.reset_transient_storage()
            return Outcome(False, name, args if raw else (text,))
        self.evm.reset_transient_storage()
        return Outcome(True, timestamp=now)

    def view(self, to: str, data: bytes) -> bytes:
        return bytes(self.evm.message_call(self.accounts["outsider"], to, data, is_static=True))

    def eth(self, address: str) -> int:
        return int(self.evm.get_balance(address))

    def now(self) -> int:
        return self.time

    def sign_hash(self, signer: str, digest: bytes) -> bytes:
        return bytes(Account.unsafe_sign_hash(digest, self.keys[signer]).signature)
