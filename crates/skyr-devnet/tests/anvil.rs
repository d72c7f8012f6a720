//! Anvil's and Hardhat's test methods on the devnet, over HTTP as a test suite sends them:
//! snapshots and reverts (chain, pool and time come back; a used snapshot is gone), time moves
//! seen in block timestamps, balance, nonce, code and storage set by hand and then used by real
//! transactions, impersonation (a keyless address sends; a contract cannot), the pool's drops,
//! reset, and interval mining. Needs the official v18 bundle in `../shared/bundles`; says
//! SKIPPED loudly without it.
mod common;

use std::time::{Duration, Instant};

use serde_json::{json, Value};
use skyr_devnet::accounts::{dev_keys, DEFAULT_MNEMONIC};

use common::*;

fn count_of(c: &mut Client, at: &str) -> u64 {
    num(&c.ok(
        "eth_call",
        json!([{"to": at, "data": h(&selector("count()"))}, "latest"]),
    ))
}

fn block_number(c: &mut Client) -> u64 {
    num(&c.ok("eth_blockNumber", json!([])))
}

fn head_timestamp(c: &mut Client) -> u64 {
    num(&c.ok("eth_getBlockByNumber", json!(["latest", false]))["timestamp"])
}

/// Sends a transaction and returns its receipt (mined at once: automine).
fn send(c: &mut Client, tx: Value) -> Value {
    let hash = c.ok("eth_sendTransaction", json!([tx]));
    c.ok("eth_getTransactionReceipt", json!([hash]))
}

#[test]
fn a_test_suite_drives_the_chain() {
    let Some(mut c) = devnet() else {
        return;
    };
    let keys = dev_keys(DEFAULT_MNEMONIC, 3).expect("keys");
    let me = h(&keys[0].address);
    let init = counter_init(5);
    let r = send(&mut c, json!({"from": me, "data": h(&init)}));
    assert_eq!(r["contractAddress"], json!(COUNTER), "{r}");
    assert_eq!(count_of(&mut c, COUNTER), 5);

    // A snapshot; a transaction; the revert undoes it, and the snapshot is then gone.
    let height = block_number(&mut c);
    let snap = c.ok("evm_snapshot", json!([]));
    let r = send(
        &mut c,
        json!({"from": me, "to": COUNTER, "data": inc_call()}),
    );
    assert_eq!(r["status"], json!("0x1"));
    let mined = r["transactionHash"].clone();
    assert_eq!(count_of(&mut c, COUNTER), 6);
    assert_eq!(block_number(&mut c), height + 1);
    assert_eq!(c.ok("evm_revert", json!([snap])), json!(true));
    assert_eq!(count_of(&mut c, COUNTER), 5);
    assert_eq!(block_number(&mut c), height);
    assert_eq!(
        c.ok("eth_getTransactionReceipt", json!([mined])),
        Value::Null
    );
    assert_eq!(c.ok("evm_revert", json!([snap])), json!(false));
    // The same transaction can be sent again after the revert (nonce as before).
    let r = send(
        &mut c,
        json!({"from": me, "to": COUNTER, "data": inc_call()}),
    );
    assert_eq!(
        r["transactionHash"], mined,
        "same nonce, same fields: same hash"
    );
    assert_eq!(count_of(&mut c, COUNTER), 6);

    // Nested snapshots: reverting to the outer one removes the inner one too; the pool and
    // the pending time moves come back with the chain.
    let outer = c.ok("anvil_snapshot", json!([]));
    c.ok("evm_setAutomine", json!([false]));
    let pending = c.ok(
        "eth_sendTransaction",
        json!([{"from": me, "to": COUNTER, "data": inc_call()}]),
    );
    c.ok("evm_increaseTime", json!([500]));
    let inner = c.ok("evm_snapshot", json!([]));
    assert_ne!(inner, outer);
    c.ok("evm_mine", json!([]));
    assert_eq!(count_of(&mut c, COUNTER), 7);
    assert_eq!(c.ok("anvil_revert", json!([outer])), json!(true));
    assert_eq!(c.ok("evm_revert", json!([inner])), json!(false));
    assert_eq!(count_of(&mut c, COUNTER), 6);
    assert_eq!(
        c.ok("eth_getTransactionReceipt", json!([pending])),
        Value::Null
    );
    // At the outer snapshot the pool was empty and no time had moved.
    let before = head_timestamp(&mut c);
    c.ok("evm_mine", json!([]));
    assert_eq!(head_timestamp(&mut c), before + 30);
    assert_eq!(count_of(&mut c, COUNTER), 6);

    // A snapshot taken with the transaction pending keeps it.
    let pending = c.ok(
        "eth_sendTransaction",
        json!([{"from": me, "to": COUNTER, "data": inc_call()}]),
    );
    let snap = c.ok("evm_snapshot", json!([]));
    c.ok("evm_mine", json!([]));
    assert_eq!(c.ok("evm_revert", json!([snap])), json!(true));
    c.ok("evm_mine", json!([]));
    let r = c.ok("eth_getTransactionReceipt", json!([pending]));
    assert_eq!(r["status"], json!("0x1"), "{r}");
    assert_eq!(count_of(&mut c, COUNTER), 7);

    // The pool: a dropped transaction is never mined; dropping it again finds nothing.
    let dropped = c.ok(
        "eth_sendTransaction",
        json!([{"from": me, "to": COUNTER, "data": inc_call()}]),
    );
    assert_eq!(c.ok("anvil_dropTransaction", json!([dropped])), dropped);
    assert_eq!(c.ok("anvil_dropTransaction", json!([dropped])), Value::Null);
    c.ok("evm_mine", json!([]));
    assert_eq!(
        c.ok("eth_getTransactionReceipt", json!([dropped])),
        Value::Null
    );
    c.ok(
        "eth_sendTransaction",
        json!([{"from": me, "to": COUNTER, "data": inc_call()}]),
    );
    c.ok("anvil_dropAllTransactions", json!([]));
    c.ok("evm_mine", json!([]));
    assert_eq!(count_of(&mut c, COUNTER), 7);
    c.ok("evm_setAutomine", json!([true]));

    // Time: a jump, a set timestamp (never before the head), evm_mine's own timestamp,
    // blocks mined with a spacing, an interval between blocks.
    let t0 = head_timestamp(&mut c);
    assert_eq!(c.ok("evm_increaseTime", json!([1000])), json!(1000));
    assert_eq!(c.ok("evm_increaseTime", json!(["0x10"])), json!(1016));
    c.ok("evm_mine", json!([]));
    assert_eq!(head_timestamp(&mut c), t0 + 30 + 1016);
    c.ok("evm_mine", json!([]));
    assert_eq!(
        head_timestamp(&mut c),
        t0 + 60 + 1016,
        "a jump is taken once"
    );
    let t1 = head_timestamp(&mut c);
    c.refused(
        "evm_setNextBlockTimestamp",
        json!([t1 - 1]),
        "before the latest block",
    );
    c.ok("evm_setNextBlockTimestamp", json!([t1 + 7]));
    let r = send(
        &mut c,
        json!({"from": me, "to": COUNTER, "data": inc_call()}),
    );
    let b = c.ok("eth_getBlockByNumber", json!([r["blockNumber"], false]));
    assert_eq!(num(&b["timestamp"]), t1 + 7);
    c.ok("evm_mine", json!([t1 + 100]));
    assert_eq!(head_timestamp(&mut c), t1 + 100);
    let height = block_number(&mut c);
    c.ok("anvil_mine", json!(["0x3", "0x5"]));
    assert_eq!(block_number(&mut c), height + 3);
    assert_eq!(head_timestamp(&mut c), t1 + 100 + 30 + 5 + 5);
    c.ok("anvil_setBlockTimestampInterval", json!([7]));
    c.ok("hardhat_mine", json!([2]));
    assert_eq!(head_timestamp(&mut c), t1 + 140 + 14);
    assert_eq!(
        c.ok("anvil_removeBlockTimestampInterval", json!([])),
        json!(true)
    );
    assert_eq!(
        c.ok("anvil_removeBlockTimestampInterval", json!([])),
        json!(false)
    );
    let t2 = head_timestamp(&mut c);
    assert_eq!(c.ok("evm_setTime", json!([t2 + 1000])), json!(1000 - 30));
    c.ok("evm_mine", json!([]));
    assert_eq!(head_timestamp(&mut c), t2 + 1000);

    // Balance and impersonation: a fresh address is funded by hand and, impersonated, sends a
    // real transaction without a key; the contract sees it as the sender.
    let stranger = "0x1111111111111111111111111111111111111111";
    let ten_fil = "0x8ac7230489e80000";
    c.ok("anvil_setBalance", json!([stranger, ten_fil]));
    assert_eq!(
        c.ok("eth_getBalance", json!([stranger, "latest"])),
        json!(ten_fil)
    );
    c.ok("anvil_addBalance", json!([stranger, ten_fil]));
    assert_eq!(
        c.ok("eth_getBalance", json!([stranger, "latest"])),
        json!("0x1158e460913d00000")
    );
    c.refused(
        "eth_sendTransaction",
        json!([{"from": stranger, "to": COUNTER, "data": inc_call()}]),
        "no key",
    );
    c.ok("anvil_impersonateAccount", json!([stranger]));
    let r = send(
        &mut c,
        json!({"from": stranger, "to": COUNTER, "data": inc_call()}),
    );
    assert_eq!(r["status"], json!("0x1"), "{r}");
    assert_eq!(r["from"], json!(stranger));
    let topic = r["logs"][0]["topics"][1].as_str().expect("a topic");
    assert!(topic.ends_with(&stranger[2..]), "msg.sender: {topic}");
    let tx = c.ok("eth_getTransactionByHash", json!([r["transactionHash"]]));
    assert_eq!(tx["from"], json!(stranger));
    assert_eq!(count_of(&mut c, COUNTER), 9);
    c.ok("hardhat_stopImpersonatingAccount", json!([stranger]));
    c.refused(
        "eth_sendTransaction",
        json!([{"from": stranger, "to": COUNTER, "data": inc_call()}]),
        "no key",
    );
    c.ok("anvil_autoImpersonateAccount", json!([true]));
    let r = send(
        &mut c,
        json!({"from": stranger, "to": COUNTER, "data": inc_call()}),
    );
    assert_eq!(r["status"], json!("0x1"), "{r}");
    // A contract cannot send a message on the FVM, impersonated or not.
    c.refused(
        "eth_sendTransaction",
        json!([{"from": COUNTER, "to": stranger, "value": "0x1", "gas": "0x2000000"}]),
        "not an account",
    );
    c.ok("anvil_autoImpersonateAccount", json!([false]));

    // Nonces: an account's, then a contract's.
    let other = h(&keys[1].address);
    c.ok("anvil_setNonce", json!([other, "0x5"]));
    assert_eq!(
        c.ok("eth_getTransactionCount", json!([other, "latest"])),
        json!("0x5")
    );
    let r = send(
        &mut c,
        json!({"from": other, "to": COUNTER, "data": inc_call()}),
    );
    assert_eq!(r["status"], json!("0x1"), "{r}");
    let tx = c.ok("eth_getTransactionByHash", json!([r["transactionHash"]]));
    assert_eq!(tx["nonce"], json!("0x5"));
    c.ok("hardhat_setNonce", json!([COUNTER, "0x9"]));
    assert_eq!(
        c.ok("eth_getTransactionCount", json!([COUNTER, "latest"])),
        json!("0x9")
    );

    // Storage of a deployed contract, read back by the contract itself and by eth_getStorageAt.
    let hundred = format!("0x{:064x}", 100);
    assert_eq!(
        c.ok("anvil_setStorageAt", json!([COUNTER, "0x0", hundred])),
        json!(true)
    );
    assert_eq!(count_of(&mut c, COUNTER), 100);
    assert_eq!(
        c.ok("eth_getStorageAt", json!([COUNTER, "0x0", "latest"])),
        json!(hundred)
    );
    let r = send(
        &mut c,
        json!({"from": me, "to": COUNTER, "data": inc_call()}),
    );
    assert_eq!(r["status"], json!("0x1"));
    assert_eq!(count_of(&mut c, COUNTER), 101);

    // Code at a fresh address: it becomes a contract with empty storage, keeping its balance;
    // its storage set by hand; a transaction runs it.
    let fresh = "0x2222222222222222222222222222222222222222";
    c.ok("anvil_setBalance", json!([fresh, ten_fil]));
    let runtime = file_hex("Counter.bin-runtime");
    c.ok("anvil_setCode", json!([fresh, h(&runtime)]));
    assert_eq!(
        c.ok("eth_getCode", json!([fresh, "latest"])),
        json!(h(&runtime))
    );
    assert_eq!(
        c.ok("eth_getBalance", json!([fresh, "latest"])),
        json!(ten_fil)
    );
    assert_eq!(count_of(&mut c, fresh), 0);
    c.ok(
        "hardhat_setStorageAt",
        json!([fresh, "0x0", format!("0x{:064x}", 41)]),
    );
    let r = send(&mut c, json!({"from": me, "to": fresh, "data": inc_call()}));
    assert_eq!(r["status"], json!("0x1"), "{r}");
    assert_eq!(count_of(&mut c, fresh), 42);
    assert_eq!(r["logs"][0]["address"], json!(fresh));
    // Storage zeroed by hand reads as zero.
    c.ok(
        "anvil_setStorageAt",
        json!([fresh, "0x0", format!("0x{:064x}", 0)]),
    );
    assert_eq!(count_of(&mut c, fresh), 0);
    // New code over a contract keeps its storage.
    c.ok(
        "anvil_setStorageAt",
        json!([fresh, "0x0", format!("0x{:064x}", 3)]),
    );
    let caller = file_hex("Caller.bin-runtime");
    c.ok("anvil_setCode", json!([fresh, h(&caller)]));
    assert_eq!(
        c.ok("eth_getCode", json!([fresh, "latest"])),
        json!(h(&caller))
    );
    assert_eq!(
        c.ok("eth_getStorageAt", json!([fresh, "0x0", "latest"])),
        json!(format!("0x{:064x}", 3))
    );

    // Refusals name the problem and change nothing.
    let power = "0xff00000000000000000000000000000000000004";
    let nobody = "0xff000000000000000000000000000000ffffffff";
    let height = block_number(&mut c);
    c.refused("anvil_setCode", json!([power, "0x00"]), "built-in actor");
    c.refused("anvil_setNonce", json!([power, "0x1"]), "built-in actor");
    c.refused(
        "anvil_setBalance",
        json!([nobody, "0x1"]),
        "no actor has this masked ID",
    );
    c.refused(
        "anvil_setStorageAt",
        json!([stranger, "0x0", format!("0x{:064x}", 1)]),
        "not a contract",
    );
    c.refused(
        "anvil_setStorageAt",
        json!([COUNTER, "0x0", "0x01"]),
        "32 bytes",
    );
    c.refused("anvil_setBalance", json!([stranger]), "missing parameter 2");
    // A fork that cannot be made changes nothing (forks themselves: `fork.rs`).
    c.refused(
        "anvil_reset",
        json!([{"forking": {"jsonRpcUrl": 7}}]),
        "jsonRpcUrl",
    );
    c.refused("anvil_reset", json!([{"forking": {}}]), "jsonRpcUrl");
    c.refused("anvil_noSuchThing", json!([]), "does not exist");
    assert_eq!(block_number(&mut c), height);
    assert_eq!(count_of(&mut c, COUNTER), 101);

    // Reset: back to the genesis, dev balances as they were, contracts gone.
    c.ok("anvil_reset", json!([]));
    assert_eq!(block_number(&mut c), 0);
    assert_eq!(c.ok("eth_getCode", json!([COUNTER, "latest"])), json!("0x"));
    assert_eq!(
        c.ok("eth_getBalance", json!([me, "latest"])),
        json!("0x21e19e0c9bab2400000")
    );
    assert_eq!(
        c.ok("eth_getBalance", json!([stranger, "latest"])),
        json!("0x0")
    );
    let r = send(&mut c, json!({"from": me, "data": h(&init)}));
    assert_eq!(r["contractAddress"], json!(COUNTER), "the same nonce again");

    // A burst sent out of order: a transaction past a nonce gap waits, and is mined once the
    // gap is filled, each in a tipset of its own (automine).
    let k1 = &keys[1];
    let from1 = h(&k1.address);
    let n = num(&c.ok("eth_getTransactionCount", json!([from1, "latest"])));
    let later = sign_1559(
        k1,
        n + 1,
        Some([0x33; 20]),
        Vec::new(),
        10_000_000,
        CHAIN_ID,
    );
    let first = sign_1559(k1, n, Some([0x33; 20]), Vec::new(), 10_000_000, CHAIN_ID);
    let height = block_number(&mut c);
    let later_hash = c.ok("eth_sendRawTransaction", json!([h(&later)]));
    assert_eq!(block_number(&mut c), height, "it waits");
    assert_eq!(
        c.ok("eth_getTransactionReceipt", json!([later_hash])),
        Value::Null
    );
    assert_eq!(
        c.ok("eth_getTransactionCount", json!([from1, "pending"])),
        json!(format!("0x{n:x}")),
        "the gap is still the next nonce"
    );
    c.refused(
        "eth_sendRawTransaction",
        json!([h(&later)]),
        "nonce too low",
    );
    let first_hash = c.ok("eth_sendRawTransaction", json!([h(&first)]));
    assert_eq!(
        block_number(&mut c),
        height + 2,
        "both mined, one tipset each"
    );
    let r0 = c.ok("eth_getTransactionReceipt", json!([first_hash]));
    let r1 = c.ok("eth_getTransactionReceipt", json!([later_hash]));
    assert_eq!(num(&r0["blockNumber"]) + 1, num(&r1["blockNumber"]));
    assert_eq!(r1["status"], json!("0x1"));

    // The next block's base fee and the chain ID, set by hand; a minimum gas price is not
    // (EIP-1559 base fees, as Anvil answers).
    c.ok("anvil_setNextBlockBaseFeePerGas", json!(["0x3b9aca00"]));
    assert_eq!(c.ok("eth_baseFee", json!([])), json!("0x3b9aca00"));
    c.ok("evm_mine", json!([]));
    let b = c.ok("eth_getBlockByNumber", json!(["latest", false]));
    assert_eq!(b["baseFeePerGas"], json!("0x3b9aca00"));
    assert_ne!(
        c.ok("eth_baseFee", json!([])),
        json!("0x3b9aca00"),
        "taken once"
    );
    c.ok("anvil_setChainId", json!([1234]));
    assert_eq!(c.ok("eth_chainId", json!([])), json!("0x4d2"));
    c.ok("anvil_setChainId", json!([CHAIN_ID]));
    c.refused("anvil_setMinGasPrice", json!(["0x1"]), "EIP-1559");

    // Interval mining: blocks come without transactions, then stop when it is turned off.
    assert_eq!(c.ok("anvil_getIntervalMining", json!([])), Value::Null);
    c.ok("anvil_setIntervalMining", json!([1]));
    assert_eq!(c.ok("anvil_getAutomine", json!([])), json!(false));
    let start = block_number(&mut c);
    let deadline = Instant::now() + Duration::from_secs(30);
    while block_number(&mut c) < start + 2 {
        assert!(Instant::now() < deadline, "no block mined on the interval");
        std::thread::sleep(Duration::from_millis(100));
    }
    c.ok("anvil_setIntervalMining", json!([0]));
    // At most one block already due may still land.
    std::thread::sleep(Duration::from_millis(1500));
    let stopped = block_number(&mut c);
    std::thread::sleep(Duration::from_millis(2500));
    assert_eq!(
        block_number(&mut c),
        stopped,
        "interval mining did not stop"
    );
}
