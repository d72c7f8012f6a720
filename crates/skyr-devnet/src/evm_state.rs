//! The EVM actor's state, read for `eth_getCode`, `eth_getStorageAt` and nonces (what the
//! actor's own getters answer, without running the actor) and rewritten by hand for the
//! devnet's cheats (`anvil_setCode`, `anvil_setStorageAt`, `anvil_setNonce`). The state is a CBOR list whose
//! layout grew across bundles: `[bytecode, bytecode hash, storage KAMT, …transient storage
//! fields (v16 on)…, nonce, tombstone]`. Only the fields at both ends are read or written, so
//! every layout is handled the same way and the middle is kept as it was.
use std::borrow::Cow;

use anyhow::{anyhow, bail, Context, Result};
use cid::Cid;
use fvm_ipld_blockstore::Blockstore;
use fvm_ipld_kamt::{AsHashedKey, Config, HashedKey, Kamt};
use ipld_core::ipld::Ipld;
use multihash_codetable::{Code, MultihashDigest};

/// The CID codec of raw bytes (how the EVM actor stores bytecode).
const IPLD_RAW: u64 = 0x55;
/// The EVM actor's storage KAMT shape (builtin-actors' `KAMT_CONFIG`).
fn kamt_config() -> Config {
    Config {
        min_data_depth: 0,
        bit_width: 5,
        max_array_width: 1,
    }
}

/// A 256-bit storage word, as the EVM actor serialises it: big-endian bytes without leading
/// zeros. It is also a key, hashed as its 32 big-endian bytes (and ordered as a number, which
/// big-endian bytes are).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Word(pub [u8; 32]);

impl serde::Serialize for Word {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let skip = self.0.iter().take_while(|b| **b == 0).count();
        s.serialize_bytes(&self.0[skip..])
    }
}

impl<'de> serde::Deserialize<'de> for Word {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let b: serde_bytes::ByteBuf = serde::Deserialize::deserialize(d)?;
        if b.len() > 32 {
            return Err(serde::de::Error::custom(
                "a storage word of more than 32 bytes",
            ));
        }
        let mut w = [0u8; 32];
        w[32 - b.len()..].copy_from_slice(&b);
        Ok(Word(w))
    }
}

/// Hashes a word as its own 32 bytes (the EVM actor's `StateHashAlgorithm`).
struct WordKey;

impl AsHashedKey<Word, 32> for WordKey {
    fn as_hashed_key(key: &Word) -> Cow<'_, HashedKey<32>> {
        Cow::Owned(key.0)
    }
}

type Storage<BS> = Kamt<BS, Word, Word, WordKey>;

/// An EVM actor's state, its fields as stored.
#[derive(Clone, Debug)]
pub struct EvmState {
    fields: Vec<Ipld>,
}

impl EvmState {
    /// Reads the state at `cid`.
    pub fn load(store: &impl Blockstore, cid: &Cid) -> Result<EvmState> {
        let bytes = store
            .get(cid)?
            .ok_or_else(|| anyhow!("the EVM state {cid} is not in the store"))?;
        let fields: Vec<Ipld> = fvm_ipld_encoding::from_slice(&bytes)
            .with_context(|| format!("the EVM state {cid} does not decode"))?;
        if fields.len() < 5 {
            bail!(
                "the EVM state {cid} has {} fields, fewer than any bundle's",
                fields.len()
            );
        }
        Ok(EvmState { fields })
    }

    /// Writes the state and returns its CID.
    pub fn save(&self, store: &impl Blockstore) -> Result<Cid> {
        let bytes = fvm_ipld_encoding::to_vec(&self.fields)?;
        let cid = Cid::new_v1(fvm_ipld_encoding::DAG_CBOR, Code::Blake2b256.digest(&bytes));
        store.put_keyed(&cid, &bytes)?;
        Ok(cid)
    }

    fn nonce_index(&self) -> usize {
        self.fields.len() - 2
    }

    fn tombstone_index(&self) -> usize {
        self.fields.len() - 1
    }

    /// Whether the contract has self-destructed (it then reads as empty).
    pub fn is_dead(&self) -> bool {
        !matches!(self.fields[self.tombstone_index()], Ipld::Null)
    }

    /// The contract's nonce (how many contracts it created, from 1); 0 once self-destructed.
    pub fn nonce(&self) -> Result<u64> {
        if self.is_dead() {
            return Ok(0);
        }
        match &self.fields[self.nonce_index()] {
            Ipld::Integer(n) => u64::try_from(*n).map_err(|_| anyhow!("an EVM nonce of {n}")),
            other => bail!("an EVM nonce that is not an integer: {other:?}"),
        }
    }

    /// Sets the nonce.
    pub fn set_nonce(&mut self, nonce: u64) {
        let i = self.nonce_index();
        self.fields[i] = Ipld::Integer(nonce.into());
    }

    /// Replaces the runtime code (and its keccak hash); a self-destructed contract comes back
    /// to life with its nonce at 1.
    pub fn set_code(&mut self, store: &impl Blockstore, code: &[u8]) -> Result<()> {
        let cid = Cid::new_v1(IPLD_RAW, Code::Blake2b256.digest(code));
        store.put_keyed(&cid, code)?;
        self.fields[0] = Ipld::Link(cid);
        self.fields[1] = Ipld::Bytes(alloy_primitives::keccak256(code).to_vec());
        if self.is_dead() {
            let t = self.tombstone_index();
            self.fields[t] = Ipld::Null;
            self.set_nonce(1);
        }
        Ok(())
    }

    fn storage_root(&self) -> Result<Cid> {
        match &self.fields[2] {
            Ipld::Link(c) => Ok(*c),
            other => bail!("an EVM storage root that is not a link: {other:?}"),
        }
    }

    /// Sets storage word `slot` to `value` (zero deletes it, as SSTORE does).
    pub fn set_storage<BS: Blockstore>(
        &mut self,
        store: BS,
        slot: [u8; 32],
        value: [u8; 32],
    ) -> Result<()> {
        let mut kamt = Storage::load_with_config(&self.storage_root()?, store, kamt_config())
            .context("the contract's storage does not load")?;
        if value == [0u8; 32] {
            kamt.delete(&Word(slot))?;
        } else {
            kamt.set(Word(slot), Word(value))?;
        }
        self.fields[2] = Ipld::Link(kamt.flush()?);
        Ok(())
    }

    /// Reads storage word `slot`: zero when unset, or when the contract has self-destructed
    /// (the actor's `GetStorageAt` answers the same).
    pub fn storage<BS: Blockstore>(&self, store: BS, slot: [u8; 32]) -> Result<[u8; 32]> {
        if self.is_dead() {
            return Ok([0u8; 32]);
        }
        let kamt = Storage::load_with_config(&self.storage_root()?, store, kamt_config())
            .context("the contract's storage does not load")?;
        Ok(kamt.get(&Word(slot))?.map(|w| w.0).unwrap_or([0u8; 32]))
    }

    /// The runtime code: empty once self-destructed (the actor's `GetBytecode` answers no
    /// code then).
    pub fn code(&self, store: &impl Blockstore) -> Result<Vec<u8>> {
        if self.is_dead() {
            return Ok(Vec::new());
        }
        let Ipld::Link(cid) = &self.fields[0] else {
            bail!("an EVM bytecode field that is not a link");
        };
        store
            .get(cid)?
            .ok_or_else(|| anyhow!("the contract's code {cid} is not in the store"))
    }

    /// A new contract's state shaped like `template` (any EVM actor's state of the same
    /// bundle): `code`, empty storage, nonce 1, alive; the transient fields are the
    /// template's, which hold nothing between transactions.
    pub fn fresh<BS: Blockstore>(template: &EvmState, store: BS, code: &[u8]) -> Result<EvmState> {
        let mut s = template.clone();
        let mut empty = Storage::new_with_config(&store, kamt_config());
        s.fields[2] = Ipld::Link(empty.flush()?);
        let t = s.tombstone_index();
        s.fields[t] = Ipld::Null;
        s.set_nonce(1);
        s.set_code(&store, code)?;
        Ok(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_are_big_endian_without_leading_zeros() {
        let mut w = [0u8; 32];
        assert_eq!(fvm_ipld_encoding::to_vec(&Word(w)).unwrap(), vec![0x40]);
        w[30] = 0x04;
        w[31] = 0xd2;
        assert_eq!(
            fvm_ipld_encoding::to_vec(&Word(w)).unwrap(),
            vec![0x42, 0x04, 0xd2]
        );
        let back: Word = fvm_ipld_encoding::from_slice(&[0x42, 0x04, 0xd2]).unwrap();
        assert_eq!(back, Word(w));
        let mut long = vec![0x58, 33];
        long.extend([1u8; 33]);
        assert!(fvm_ipld_encoding::from_slice::<Word>(&long).is_err());
    }
}
