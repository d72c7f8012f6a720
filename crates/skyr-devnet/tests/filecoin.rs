//! Filecoin's own JSON-RPC on the devnet, as a Filecoin tool uses it: chain and state reads in
//! Lotus's JSON, and native messages pushed with `MpoolPush` — secp256k1 from a dev key's f1
//! account (a send, a contract call, a multisig and a miner created), BLS from the genesis
//! miner's key, delegated from an Ethereum transaction — each signature checked, and bad ones
//! refused by name without moving the chain. Needs the official v18 bundle in
//! `../shared/bundles`; says SKIPPED loudly without it.
mod common;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine as _;
use bls_signatures::Serialize as _;
use serde_json::{json, Value};
use skyr::shared::address::Address;
use skyr::shared::econ::TokenAmount;
use skyr::shared::message::Message;
use skyr_chain::genesis::{create_miner_params, f410, MINER_KEY};
use skyr_chain::ChainMessage;
use skyr_devnet::accounts::{dev_keys, DevKey, DEFAULT_MNEMONIC};
use skyr_devnet::ethtx::{cbor_bytes_params, EthTx, INVOKE_CONTRACT};
use skyr_devnet::filjson;

use common::*;

fn msg(from: Address, to: Address, method: u64, params: Vec<u8>, value: TokenAmount) -> Message {
    Message {
        version: 0,
        from,
        to,
        sequence: 0,
        value,
        method_num: method,
        params: params.into(),
        gas_limit: 0,
        gas_fee_cap: TokenAmount::default(),
        gas_premium: TokenAmount::default(),
    }
}

/// Nonce and gas filled by the node, as a wallet does before signing.
fn prepared(c: &mut Client, mut m: Message) -> Message {
    m.sequence = c
        .ok("Filecoin.MpoolGetNonce", json!([m.from.to_string()]))
        .as_u64()
        .expect("a nonce");
    let filled = c.ok(
        "Filecoin.GasEstimateMessageGas",
        json!([filjson::message(&m), null, []]),
    );
    filjson::parse_message(&filled).expect("a message")
}

fn secp_signed(key: &DevKey, m: &Message) -> Value {
    let cid = ChainMessage::Unsigned(m.clone()).cid().expect("a CID");
    let sig = key.sign_filecoin(&cid.to_bytes()).expect("signs");
    json!({"Message": filjson::message(m), "Signature": {"Type": 1, "Data": B64.encode(sig)}})
}

/// Pushes, then looks the message up: its receipt.
fn push(c: &mut Client, signed: Value) -> Value {
    let cid = c.ok("Filecoin.MpoolPush", json!([signed]));
    let found = c.ok("Filecoin.StateWaitMsg", json!([cid, 0, -1, true]));
    assert_eq!(found["Message"], cid);
    assert_eq!(
        c.ok("Filecoin.StateSearchMsg", json!([[], cid, -1, true])),
        found
    );
    found["Receipt"].clone()
}

#[test]
fn filecoin_tools_read_the_chain_and_push_native_messages() {
    let Some(mut c) = devnet() else {
        return;
    };
    let keys = dev_keys(DEFAULT_MNEMONIC, 3).expect("keys");
    let f1 = keys[0].filecoin_address().expect("an f1 address");

    let v = c.ok("Filecoin.Version", json!([]));
    assert_eq!(v["BlockDelay"], json!(30));
    assert_eq!(
        c.ok("Filecoin.StateNetworkName", json!([])),
        json!("skyr-devnet")
    );
    assert_eq!(c.ok("Filecoin.StateNetworkVersion", json!([[]])), json!(28));
    let genesis = c.ok("Filecoin.ChainGetGenesis", json!([]));
    assert_eq!(c.ok("Filecoin.ChainHead", json!([])), genesis);
    assert_eq!(genesis["Height"], json!(0));
    // The dev keys' f1 accounts are funded at genesis.
    assert_eq!(
        c.ok("Filecoin.WalletBalance", json!([f1.to_string()])),
        json!("10000000000000000000000")
    );
    let id = c.ok("Filecoin.StateLookupID", json!([f1.to_string(), []]));
    assert!(id.as_str().unwrap_or("").starts_with("f0"), "{id}");
    assert_eq!(
        c.ok("Filecoin.StateAccountKey", json!([id, []])),
        json!(f1.to_string())
    );
    let actor = c.ok("Filecoin.StateGetActor", json!([f1.to_string(), []]));
    assert_eq!(actor["Nonce"], json!(0));
    assert_eq!(actor["DelegatedAddress"], Value::Null);

    // A native send from the f1 account to a fresh Ethereum address.
    let to = f410(&[0x55; 20]);
    let m = prepared(
        &mut c,
        msg(f1, to, 0, Vec::new(), TokenAmount::from_whole(3)),
    );
    assert!(m.gas_limit > 0 && !m.gas_fee_cap.is_zero());
    let height = c.ok("eth_blockNumber", json!([]));
    // A signature from another key, and a corrupted one: refused, nothing mined.
    let wrong = secp_signed(&keys[1], &m);
    c.refused(
        "Filecoin.MpoolPush",
        json!([wrong]),
        "signature is not valid",
    );
    let mut bad = secp_signed(&keys[0], &m);
    bad["Signature"]["Data"] = json!(B64.encode([7u8; 65]));
    c.refused("Filecoin.MpoolPush", json!([bad]), "signature is not valid");
    let mut short = secp_signed(&keys[0], &m);
    short["Signature"]["Type"] = json!(9);
    c.refused("Filecoin.MpoolPush", json!([short]), "signature type");
    assert_eq!(c.ok("eth_blockNumber", json!([])), height);
    let r = push(&mut c, secp_signed(&keys[0], &m));
    assert_eq!(r["ExitCode"], json!(0), "{r}");
    assert_eq!(
        c.ok("eth_getBalance", json!([h(&[0x55; 20]), "latest"])),
        json!("0x29a2241af62c0000")
    );
    // Its block lists it as a signed message; its hash maps both ways.
    let head = c.ok("Filecoin.ChainHead", json!([]));
    let block = head["Cids"][0].clone();
    let listed = c.ok("Filecoin.ChainGetBlockMessages", json!([block]));
    assert_eq!(listed["SecpkMessages"].as_array().map(Vec::len), Some(1));
    let cid = listed["Cids"][0].clone();
    let hash = c.ok("Filecoin.EthGetTransactionHashByCid", json!([cid]));
    assert_eq!(
        c.ok("Filecoin.EthGetMessageCidByTransactionHash", json!([hash])),
        cid
    );
    assert_eq!(
        c.ok("Filecoin.ChainGetMessage", json!([cid]))["From"],
        json!(f1.to_string())
    );
    let raw = c.ok("Filecoin.ChainReadObj", json!([block]));
    assert!(!B64
        .decode(raw.as_str().unwrap_or(""))
        .expect("base64")
        .is_empty());
    assert_eq!(c.ok("Filecoin.ChainHasObj", json!([block])), json!(true));
    assert_eq!(
        c.ok(
            "Filecoin.ChainGetTipSetByHeight",
            json!([head["Height"], []])
        )["Cids"],
        head["Cids"]
    );
    assert_eq!(
        c.ok("Filecoin.ChainGetBlock", json!([block])),
        head["Blocks"][0]
    );

    // A native call into a contract deployed by an Ethereum transaction.
    let me = h(&keys[1].address);
    let init = counter_init(5);
    let deploy = c.ok(
        "eth_sendTransaction",
        json!([{"from": me, "data": h(&init)}]),
    );
    let counter = c.ok("eth_getTransactionReceipt", json!([deploy]))["contractAddress"].clone();
    let counter_eth: [u8; 20] = hex::decode(&counter.as_str().expect("an address")[2..])
        .expect("hex")
        .try_into()
        .expect("20 bytes");
    let mut calldata = selector("inc(bytes)");
    calldata.extend(word(32));
    calldata.extend(word(0));
    let m = prepared(
        &mut c,
        msg(
            f1,
            f410(&counter_eth),
            INVOKE_CONTRACT,
            cbor_bytes_params(&calldata).expect("params").to_vec(),
            TokenAmount::default(),
        ),
    );
    let r = push(&mut c, secp_signed(&keys[0], &m));
    assert_eq!(r["ExitCode"], json!(0), "{r}");
    let count = c.ok(
        "eth_call",
        json!([{"to": counter, "data": h(&selector("count()"))}, "latest"]),
    );
    assert_eq!(count, json!(h(&word(6))));
    // Its event, read through the receipt's events root.
    let events = c.ok("Filecoin.ChainGetEvents", json!([r["EventsRoot"]]));
    assert_eq!(events.as_array().map(Vec::len), Some(1), "{events}");
    assert_eq!(events[0]["Entries"].as_array().map(Vec::len), Some(4));
    assert_eq!(events[0]["Entries"][0]["Key"], json!("t1"));

    // The wallet: the dev keys' f1 accounts, which sign and send.
    assert_eq!(
        c.ok("Filecoin.WalletDefaultAddress", json!([])),
        json!(f1.to_string())
    );
    assert_eq!(
        c.ok("Filecoin.WalletList", json!([]))[0],
        json!(f1.to_string())
    );
    let sig = c.ok(
        "Filecoin.WalletSign",
        json!([f1.to_string(), B64.encode(b"hello")]),
    );
    assert_eq!(sig["Type"], json!(1));
    let sig = B64
        .decode(sig["Data"].as_str().unwrap_or(""))
        .expect("base64");
    skyr::shared::crypto::signature::ops::verify_secp256k1_sig(&sig, b"hello", &f1)
        .expect("the wallet's signature verifies");
    let sent = c.ok(
        "Filecoin.MpoolPushMessage",
        json!([
            filjson::message(&msg(f1, to, 0, Vec::new(), TokenAmount::from_atto(7u8))),
            null
        ]),
    );
    let found = c.ok(
        "Filecoin.StateSearchMsg",
        json!([[], sent["CID"], -1, true]),
    );
    assert_eq!(found["Receipt"]["ExitCode"], json!(0), "{found}");
    c.refused(
        "Filecoin.WalletSign",
        json!(["f1abjxfbp274xpdqcpuaykwkfb43omjotacm2p3za", "aGk="]),
        "no key",
    );

    // A multisig, created through init's Exec.
    let bundles = shared_bundles().expect("the bundles (the devnet runs on them)");
    let car = std::fs::read(bundles.join("v18/builtin-actors-mainnet.car")).expect("the bundle");
    let bundle =
        skyr::bundle::load_bundle(&skyr::blockstore::MemoryBlockstore::new(), &car).expect("loads");
    let multisig = *bundle
        .manifest
        .code_by_name("multisig")
        .expect("a multisig actor");
    let ctor = fvm_ipld_encoding::to_vec(&(vec![f1], 1u64, 0i64, 0i64)).expect("params");
    let exec =
        fvm_ipld_encoding::to_vec(&(multisig, serde_bytes::ByteBuf::from(ctor))).expect("params");
    let m = prepared(
        &mut c,
        msg(f1, Address::new_id(1), 2, exec, TokenAmount::from_whole(1)),
    );
    let r = push(&mut c, secp_signed(&keys[0], &m));
    assert_eq!(r["ExitCode"], json!(0), "{r}");
    let ret = B64
        .decode(r["Return"].as_str().unwrap_or(""))
        .expect("base64");
    let (ms_id, _robust): (Address, Address) =
        fvm_ipld_encoding::from_slice(&ret).expect("ExecReturn");
    let ms = c.ok("Filecoin.StateGetActor", json!([ms_id.to_string(), []]));
    assert_eq!(ms["Code"], json!({"/": multisig.to_string()}));
    assert_eq!(ms["Balance"], json!("1000000000000000000"));

    // A miner, created through power's CreateMiner (the worker must be a BLS key: the
    // genesis miner's), with the creation deposit nv28 asks for (about 32 FIL here).
    let bls = Address::new_bls(&MINER_KEY).expect("a BLS address");
    let params = create_miner_params(&f1, &bls, b"peer").expect("params");
    let m = prepared(
        &mut c,
        msg(
            f1,
            Address::new_id(4),
            2,
            params,
            TokenAmount::from_whole(40),
        ),
    );
    let r = push(&mut c, secp_signed(&keys[0], &m));
    assert_eq!(r["ExitCode"], json!(0), "{r}");

    // A BLS message from the genesis miner's owner (secret key 1), carried unsigned; its
    // account paid the genesis miner's deposit, so it is funded first.
    let m = prepared(
        &mut c,
        msg(f1, bls, 0, Vec::new(), TokenAmount::from_whole(5)),
    );
    let r = push(&mut c, secp_signed(&keys[0], &m));
    assert_eq!(r["ExitCode"], json!(0), "{r}");
    let sk = bls_signatures::PrivateKey::from_string("1").expect("a key");
    assert_eq!(sk.public_key().as_bytes(), MINER_KEY.to_vec());
    let m = prepared(
        &mut c,
        msg(bls, to, 0, Vec::new(), TokenAmount::from_whole(1)),
    );
    let cid = ChainMessage::Unsigned(m.clone()).cid().expect("a CID");
    let sig = sk.sign(cid.to_bytes()).as_bytes();
    let mut forged = sig.clone();
    forged[10] ^= 1;
    c.refused(
        "Filecoin.MpoolPush",
        json!([{"Message": filjson::message(&m), "Signature": {"Type": 2, "Data": B64.encode(&forged)}}]),
        "signature is not valid",
    );
    let pushed = c.ok(
        "Filecoin.MpoolPush",
        json!([{"Message": filjson::message(&m), "Signature": {"Type": 2, "Data": B64.encode(&sig)}}]),
    );
    assert_eq!(
        pushed,
        json!({"/": cid.to_string()}),
        "a BLS message is named by its unsigned CID"
    );
    let head = c.ok("Filecoin.ChainHead", json!([]));
    let listed = c.ok("Filecoin.ChainGetBlockMessages", json!([head["Cids"][0]]));
    assert_eq!(
        listed["BlsMessages"].as_array().map(Vec::len),
        Some(1),
        "{listed}"
    );
    let receipts = c.ok("Filecoin.StateSearchMsg", json!([[], pushed, -1, true]));
    assert_eq!(receipts["Receipt"]["ExitCode"], json!(0));

    // A delegated message: an Ethereum transaction, pushed as Lotus's signed message.
    let raw = sign_1559(
        &keys[2],
        0,
        Some(counter_eth),
        calldata.clone(),
        30_000_000,
        CHAIN_ID,
    );
    let tx = EthTx::decode(&raw).expect("decodes");
    let sm = tx.signed_message().expect("a signed message");
    let mut tampered = filjson::signed_message(&sm);
    tampered["Message"]["Value"] = json!("1");
    c.refused(
        "Filecoin.MpoolPush",
        json!([tampered]),
        "signature is not valid",
    );
    let r = push(&mut c, filjson::signed_message(&sm));
    assert_eq!(r["ExitCode"], json!(0), "{r}");
    let by_hash = c.ok("eth_getTransactionByHash", json!([h(&tx.hash)]));
    assert_eq!(by_hash["from"], json!(h(&keys[2].address)));

    // Lotus's Limited and Untrusted variants.
    assert_eq!(
        c.ok(
            "Filecoin.EthGetTransactionByHashLimited",
            json!([h(&tx.hash), 100])
        ),
        by_hash
    );
    let receipt = c.ok("eth_getTransactionReceipt", json!([h(&tx.hash)]));
    assert_eq!(
        c.ok(
            "Filecoin.EthGetTransactionReceiptLimited",
            json!([h(&tx.hash), 100])
        ),
        receipt
    );
    let raw = sign_1559(
        &keys[2],
        1,
        Some(counter_eth),
        calldata.clone(),
        30_000_000,
        CHAIN_ID,
    );
    let hash = c.ok("Filecoin.EthSendRawTransactionUntrusted", json!([h(&raw)]));
    let r = c.ok("eth_getTransactionReceipt", json!([hash]));
    assert_eq!(r["status"], json!("0x1"), "{r}");

    // Addresses both ways.
    let f4 = c.ok("Filecoin.EthAddressToFilecoinAddress", json!([counter]));
    assert!(f4.as_str().unwrap_or("").starts_with("f410"), "{f4}");
    assert_eq!(
        c.ok("Filecoin.FilecoinAddressToEthAddress", json!([f4])),
        counter
    );
    assert!(c
        .ok("Filecoin.FilecoinAddressToEthAddress", json!([id]))
        .as_str()
        .unwrap_or("")
        .starts_with("0xff0000"));
    // The Eth names under Filecoin.* still answer.
    assert_eq!(c.ok("Filecoin.EthChainId", json!([])), json!("0x1df5e76"));

    c.refused(
        "Filecoin.StateGetActor",
        json!(["f0999999", []]),
        "actor not found",
    );
    c.refused(
        "Filecoin.StateGetActor",
        json!(["nope", []]),
        "not a Filecoin address",
    );
    c.refused(
        "Filecoin.ChainReadObj",
        json!([{"/": "bafy2bzaceaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa"}]),
        "block not found",
    );
    c.refused("Filecoin.ChainReadObj", json!([{"/": "nope"}]), "not a CID");
    c.refused("Filecoin.MpoolPush", json!([{"Message": {}}]), "needs To");
    c.refused("Filecoin.NoSuchMethod", json!([]), "does not exist");
}
