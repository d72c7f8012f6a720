//! The signing methods a wallet-less test suite uses, answered with the dev keys: `eth_sign`
//! and `personal_sign` (EIP-191) and `eth_signTypedData_v4` (EIP-712, the specification's own
//! Mail example, whose digest it publishes). Each signature recovers to the dev account;
//! an address without a key and malformed typed data are refused by name. Needs the official
//! v18 bundle in `../shared/bundles`; says SKIPPED loudly without it.
mod common;

use alloy_primitives::{eip191_hash_message, Signature, B256};
use serde_json::json;
use skyr_devnet::accounts::{dev_keys, DEFAULT_MNEMONIC};

use common::*;

fn recover(sig: &serde_json::Value, digest: B256) -> [u8; 20] {
    let bytes = hex::decode(sig.as_str().expect("hex").trim_start_matches("0x")).expect("hex");
    assert_eq!(bytes.len(), 65);
    assert!(bytes[64] == 27 || bytes[64] == 28, "v is 27 or 28");
    let sig = Signature::try_from(bytes.as_slice()).expect("a signature");
    sig.recover_address_from_prehash(&digest)
        .expect("recovers")
        .into()
}

#[test]
fn dev_keys_sign_messages_and_typed_data() {
    let Some(mut c) = devnet() else {
        return;
    };
    let keys = dev_keys(DEFAULT_MNEMONIC, 3).expect("keys");
    let me = h(&keys[1].address);
    let message = b"hello, filecoin";

    let sig = c.ok("eth_sign", json!([me, h(message)]));
    assert_eq!(recover(&sig, eip191_hash_message(message)), keys[1].address);
    let personal = c.ok("personal_sign", json!([h(message), me]));
    assert_eq!(
        personal, sig,
        "the same EIP-191 signature, parameters swapped"
    );

    // EIP-712's example: its published digest is 0xbe609aee…57bd2.
    let typed = json!({
        "types": {
            "EIP712Domain": [
                {"name": "name", "type": "string"},
                {"name": "version", "type": "string"},
                {"name": "chainId", "type": "uint256"},
                {"name": "verifyingContract", "type": "address"}
            ],
            "Person": [{"name": "name", "type": "string"}, {"name": "wallet", "type": "address"}],
            "Mail": [
                {"name": "from", "type": "Person"},
                {"name": "to", "type": "Person"},
                {"name": "contents", "type": "string"}
            ]
        },
        "primaryType": "Mail",
        "domain": {
            "name": "Ether Mail",
            "version": "1",
            "chainId": 1,
            "verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"
        },
        "message": {
            "from": {"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
            "to": {"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
            "contents": "Hello, Bob!"
        }
    });
    let digest: B256 = "0xbe609aee343fb3c4b28e1df9e632fca64fcfaede20f02e86244efddf30957bd2"
        .parse()
        .expect("a digest");
    let sig = c.ok("eth_signTypedData_v4", json!([me, typed]));
    assert_eq!(recover(&sig, digest), keys[1].address);
    // Wallets send it as a JSON string too.
    let as_string = c.ok("eth_signTypedData_v4", json!([me, typed.to_string()]));
    assert_eq!(as_string, sig);

    c.refused(
        "personal_sign",
        json!([h(message), "0x1111111111111111111111111111111111111111"]),
        "no key",
    );
    c.refused(
        "eth_signTypedData_v4",
        json!([me, {"types": {}, "primaryType": "Nope"}]),
        "typed data",
    );
    c.refused("eth_sign", json!([me]), "missing parameter 2");
}
