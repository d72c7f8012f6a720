//! The dev accounts: keys derived from a BIP-39 mnemonic on Ethereum's path
//! `m/44'/60'/0'/0/i`, so the default mnemonic gives the same ten addresses and private keys
//! as Anvil and Hardhat, and a test suite written for them finds its accounts funded.
use alloy_consensus::{SignableTransaction, TxEip1559};
use alloy_eips::eip2718::Encodable2718;
use alloy_signer::SignerSync;
use alloy_signer_local::coins_bip39::English;
use alloy_signer_local::{MnemonicBuilder, PrivateKeySigner};
use anyhow::{anyhow, Result};

/// Anvil's and Hardhat's mnemonic.
pub const DEFAULT_MNEMONIC: &str = "test test test test test test test test test test test junk";

/// A dev account: its key and address.
#[derive(Clone)]
pub struct DevKey {
    /// The signer.
    pub signer: PrivateKeySigner,
    /// Its Ethereum address.
    pub address: [u8; 20],
}

impl DevKey {
    /// The private key, as 0x-prefixed hex (what the start-up banner prints).
    pub fn private_key_hex(&self) -> String {
        format!("0x{}", hex::encode(self.signer.to_bytes().as_slice()))
    }

    /// Signs an EIP-1559 transaction and returns its raw encoding.
    pub fn sign_1559(&self, tx: TxEip1559) -> Result<Vec<u8>> {
        let sig = self
            .signer
            .sign_hash_sync(&tx.signature_hash())
            .map_err(|e| anyhow!("signing failed: {e}"))?;
        Ok(tx.into_signed(sig).encoded_2718())
    }

    /// The same key's Filecoin secp256k1 address (f1): the devnet funds it too, so a
    /// Filecoin tool can send native messages with the dev keys.
    pub fn filecoin_address(&self) -> Result<skyr::shared::address::Address> {
        let point = self
            .signer
            .credential()
            .verifying_key()
            .to_encoded_point(false);
        Ok(skyr::shared::address::Address::new_secp256k1(
            point.as_bytes(),
        )?)
    }

    /// A Filecoin secp256k1 signature of `data` (a message's CID bytes): r‖s‖recovery id
    /// over its blake2b-256 digest, as Lotus's wallet signs.
    pub fn sign_filecoin(&self, data: &[u8]) -> Result<Vec<u8>> {
        let digest = blake2b_simd::Params::new().hash_length(32).hash(data);
        let mut d = [0u8; 32];
        d.copy_from_slice(digest.as_bytes());
        let sig = self
            .signer
            .sign_hash_sync(&d.into())
            .map_err(|e| anyhow!("signing failed: {e}"))?;
        let mut out = Vec::with_capacity(65);
        out.extend_from_slice(&sig.r().to_be_bytes::<32>());
        out.extend_from_slice(&sig.s().to_be_bytes::<32>());
        out.push(sig.v() as u8);
        Ok(out)
    }

    /// Signs a 32-byte digest (eth_sign and friends): r‖s‖v with v = 27 or 28.
    pub fn sign_digest(&self, digest: &[u8; 32]) -> Result<Vec<u8>> {
        let sig = self
            .signer
            .sign_hash_sync(&(*digest).into())
            .map_err(|e| anyhow!("signing failed: {e}"))?;
        Ok(sig.as_bytes().to_vec())
    }
}

/// The first `count` keys of `mnemonic`.
pub fn dev_keys(mnemonic: &str, count: u32) -> Result<Vec<DevKey>> {
    (0..count)
        .map(|i| {
            let signer = MnemonicBuilder::<English>::default()
                .phrase(mnemonic)
                .index(i)
                .and_then(|b| b.build())
                .map_err(|e| anyhow!("the mnemonic does not give key {i}: {e}"))?;
            Ok(DevKey {
                address: signer.address().into(),
                signer,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_default_mnemonic_gives_anvils_accounts() -> Result<()> {
        let keys = dev_keys(DEFAULT_MNEMONIC, 2)?;
        assert_eq!(
            hex::encode(keys[0].address),
            "f39fd6e51aad88f6f4ce6ab8827279cfffb92266"
        );
        assert_eq!(
            keys[0].private_key_hex(),
            "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"
        );
        assert_eq!(
            hex::encode(keys[1].address),
            "70997970c51812dc3a010c7d01b50e0d17dc79c8"
        );
        Ok(())
    }
}
