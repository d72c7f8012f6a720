"""web3.py 8 against a node (skyr devnet or Anvil): the issue's client list — an OpenZeppelin
ERC-20 deployed, a transfer and its event, eth_getLogs, a reason string and a custom error from a
call, an estimate and a mined failed transaction, a legacy transaction, CREATE2, state at an older
block, a fresh address, the FEVM's actor precompile, SELFDESTRUCT — and a test suite's snapshot
and impersonation. Where the FEVM differs on purpose the check says so.

Usage: python web3_suite.py URL skyr|anvil ARTIFACTS.json
"""
import json
import sys
import traceback

from eth_account import Account
from web3 import Web3
from web3.exceptions import ContractCustomError, ContractLogicError

URL, TARGET, ARTIFACTS = sys.argv[1:4]
FEVM = TARGET == "skyr"
KEYS = [
    "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80",
    "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d",
    "0x5de4111afa1a4b94908f83103eb1f1706367c2e68ca870fc3fb9a804cdab365a",
]
FRESH_KEY = "0x2222222222222222222222222222222222222222222222222222222222222222"
DEPLOYER = Web3.to_checksum_address("0x4e59b44847b379578588920ca78fbf26c0b4956c")
EMPTY_HASH = bytes.fromhex("c5d2460186f7233c927e7db2dcc703c0e500b653ca82273b7bfad8045d85a470")
BIG_GAS = 200_000_000 if FEVM else 3_000_000

w3 = Web3(Web3.HTTPProvider(URL))
A = json.load(open(ARTIFACTS))
acc = [Account.from_key(k) for k in KEYS]
state = {"passed": 0, "failed": 0}


def check(label):
    def run(fn):
        try:
            fn()
            state["passed"] += 1
            print(f"ok   web3.py/{TARGET}: {label}", flush=True)
        except Exception as e:  # a failed check is reported, the suite goes on
            state["failed"] += 1
            tb = traceback.format_exc().strip().splitlines()[-3:]
            print(f"FAIL web3.py/{TARGET}: {label}: {e!r} | {' | '.join(tb)}", flush=True)
        return fn
    return run


def eq(got, want, what):
    assert got == want, f"{what}: expected {want!r}, got {got!r}"


def send(account, tx):
    """Signs and sends `tx` from `account`, filling what it lacks; returns the receipt."""
    tx = dict(tx)
    tx.setdefault("from", account.address)
    tx.setdefault("nonce", w3.eth.get_transaction_count(account.address, "pending"))
    tx.setdefault("chainId", w3.eth.chain_id)
    if "gasPrice" not in tx:
        tx.setdefault("maxPriorityFeePerGas", w3.eth.max_priority_fee)
        tx.setdefault("maxFeePerGas", w3.eth.gas_price * 2 + tx["maxPriorityFeePerGas"])
    if "gas" not in tx:
        tx["gas"] = w3.eth.estimate_gas(tx)
    signed = account.sign_transaction(tx)
    return w3.eth.wait_for_transaction_receipt(w3.eth.send_raw_transaction(signed.raw_transaction), poll_latency=0.05)


ctx = {}


@check("deploy an OpenZeppelin ERC-20 at Ethereum's CREATE address")
def _():
    factory = w3.eth.contract(abi=A["Token"]["abi"], bytecode=A["Token"]["bytecode"])
    r = send(acc[0], factory.constructor(10**24).build_transaction({"from": acc[0].address, "gas": BIG_GAS}))
    eq(r.status, 1, "status")
    eq(r.contractAddress.lower(), "0x5fbdb2315678afecb367f032d93f642f64180aa3", "address")
    ctx["token"] = w3.eth.contract(address=r.contractAddress, abi=A["Token"]["abi"])
    eq("0x" + w3.eth.get_code(r.contractAddress).hex(), A["Token"]["runtime"], "runtime code")


@check("transfer, its Transfer event, eth_getLogs")
def _():
    token = ctx["token"]
    r = send(acc[0], token.functions.transfer(acc[1].address, 5).build_transaction({"from": acc[0].address}))
    eq(r.status, 1, "status")
    ctx["block"] = r.blockNumber
    ev = token.events.Transfer().process_receipt(r)[0]
    eq(ev.args["to"], acc[1].address, "to")
    eq(ev.args["value"], 5, "value")
    logs = token.events.Transfer().get_logs(from_block=0, argument_filters={"to": acc[1].address})
    eq(len(logs), 1, "logs to acc1")
    eq(logs[0].transactionHash, r.transactionHash, "its log")


@check("a reason string and a custom error from calls and estimates")
def _():
    token = ctx["token"]
    try:
        token.functions.guarded(11).call()
        raise AssertionError("guarded(11) should revert")
    except ContractLogicError as e:
        assert "x must be below 10" in str(e), str(e)
    fn = token.functions.strictTransfer(acc[2].address, 100)
    for how in ("call", "estimate_gas"):
        try:
            getattr(fn, how)({"from": acc[1].address})
            raise AssertionError(f"{how} should revert")
        except ContractCustomError as e:
            selector = Web3.keccak(text="NotEnough(uint256,uint256)")[:4].hex()
            assert selector in str(e.data), f"{how}: {e.data}"


@check("a mined failed transaction")
def _():
    token = ctx["token"]
    tx = token.functions.strictTransfer(acc[2].address, 100).build_transaction({"from": acc[1].address, "gas": BIG_GAS})
    r = send(acc[1], tx)
    eq(r.status, 0, "status")


@check("a legacy transaction")
def _():
    r = send(acc[0], {"to": acc[2].address, "value": 1, "gasPrice": w3.eth.gas_price * 2, "gas": BIG_GAS // 4})
    eq(r.status, 1, "status")
    eq(w3.eth.get_transaction(r.transactionHash).type, 0, "type")


@check("CREATE2 through the deployer lands where predicted")
def _():
    salt = Web3.keccak(text="web3.py")
    init = bytes.fromhex(A["Doomed"]["bytecode"][2:])
    predicted = Web3.to_checksum_address(Web3.keccak(b"\xff" + bytes.fromhex(DEPLOYER[2:]) + salt + Web3.keccak(init))[12:])
    r = send(acc[0], {"to": DEPLOYER, "data": salt + init, "gas": BIG_GAS})
    eq(r.status, 1, "status")
    eq("0x" + w3.eth.get_code(predicted).hex(), A["Doomed"]["runtime"], "code at the prediction")


@check("state at an older block")
def _():
    bal = ctx["token"].functions.balanceOf(acc[1].address)
    eq(bal.call(block_identifier=ctx["block"] - 1), 0, "before")
    eq(bal.call(block_identifier=ctx["block"]), 5, "at")


@check("value to a fresh address, then from it once funded")
def _():
    fresh = Account.from_key(FRESH_KEY)
    eq(send(acc[0], {"to": fresh.address, "value": Web3.to_wei(2, "ether")}).status, 1, "funding")
    eq(w3.eth.get_transaction_count(fresh.address), 0, "nonce")
    eq(send(fresh, {"to": acc[0].address, "value": Web3.to_wei(1, "ether")}).status, 1, "its own transaction")


@check("an actor through the 0xfe precompiles (FEVM only)")
def _():
    factory = w3.eth.contract(abi=A["Probe"]["abi"], bytecode=A["Probe"]["bytecode"])
    r = send(acc[0], factory.constructor().build_transaction({"from": acc[0].address, "gas": BIG_GAS}))
    probe = w3.eth.contract(address=r.contractAddress, abi=A["Probe"]["abi"])
    ctx["probe"] = probe
    ok, out = probe.functions.resolve(bytes.fromhex("0063")).call()
    eq(out, (99).to_bytes(32, "big") if FEVM else b"", "resolve_address of f099 (absent on Ethereum)")
    if FEVM:
        # call_actor_id by DELEGATECALL, CBOR params (codec 0x51), to the EthAccount at 0x0…0.
        f4 = w3.provider.make_request("Filecoin.EthAddressToFilecoinAddress", ["0x" + "00" * 20])["result"]
        actor = int(w3.provider.make_request("Filecoin.StateLookupID", [f4, []])["result"][2:])
        ran, out = probe.functions.callActor(3844450837, 0, 0x51, b"\x40", actor).call()
        assert ran, "call_actor_id ran"
        exit_code, _codec, _ret = w3.codec.decode(["int256", "uint64", "bytes"], out)
        eq(exit_code, 0, "the actor's exit code")
    h = probe.functions.codehash(Web3.to_checksum_address("0xfe00000000000000000000000000000000000003")).call()
    eq(h, EMPTY_HASH if FEVM else b"\0" * 32, "extcodehash of a precompile")


@check("SELFDESTRUCT, seen from the next transaction")
def _():
    factory = w3.eth.contract(abi=A["Doomed"]["abi"], bytecode=A["Doomed"]["bytecode"])
    r = send(acc[0], factory.constructor().build_transaction({"from": acc[0].address, "value": 300, "gas": BIG_GAS}))
    doomed = r.contractAddress
    heir = Web3.to_checksum_address("0x000000000000000000000000000000000000d00d")
    probe = ctx["probe"]
    tx = probe.functions.destroyThenPing(doomed, heir).build_transaction({"from": acc[0].address, "gas": BIG_GAS})
    eq(send(acc[0], tx).status, 1, "status")
    eq(w3.eth.get_balance(heir), 300, "the heir got the balance")
    code = "0x" + w3.eth.get_code(doomed).hex()
    eq(code, "0x" if FEVM else A["Doomed"]["runtime"], "code after (EIP-6780 keeps it on Ethereum)")


@check("a test suite's snapshot and revert, and impersonation")
def _():
    token = ctx["token"]
    snap = w3.provider.make_request("evm_snapshot", [])["result"]
    send(acc[0], token.functions.transfer(acc[2].address, 9).build_transaction({"from": acc[0].address}))
    eq(token.functions.balanceOf(acc[2].address).call(), 9, "after")
    eq(w3.provider.make_request("evm_revert", [snap])["result"], True, "reverted")
    eq(token.functions.balanceOf(acc[2].address).call(), 0, "back")
    whale = Web3.to_checksum_address("0x000000000000000000000000000000000000cafe")
    w3.provider.make_request("anvil_setBalance", [whale, hex(Web3.to_wei(5, "ether"))])
    w3.provider.make_request("anvil_impersonateAccount", [whale])
    h = w3.eth.send_transaction({"from": whale, "to": acc[1].address, "value": 3, "gas": BIG_GAS // 4})
    r = w3.eth.wait_for_transaction_receipt(h, poll_latency=0.05)
    eq(r.status, 1, "impersonated send")
    eq(r["from"], whale, "from")


print(f"web3.py/{TARGET}: {state['passed']} passed, {state['failed']} failed")
sys.exit(1 if state["failed"] else 0)
