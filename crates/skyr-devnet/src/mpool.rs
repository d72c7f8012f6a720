//! Native Filecoin messages into the pool (`MpoolPush`), each signature checked as Lotus's
//! pool checks it: secp256k1 and BLS over the message CID's bytes against the sender's key
//! address, delegated by rebuilding the Ethereum transaction and recovering its sender. A
//! BLS message travels unsigned in its block (its signature is aggregated there, and the
//! devnet's blocks carry none), as Lotus's blocks carry them.
use anyhow::Result;
use cid::Cid;
use skyr::shared::address::{Address, Protocol};
use skyr::state_tree::ActorState;
use skyr_chain::genesis::f410;
use skyr_chain::message::SigType;
use skyr_chain::{ChainMessage, SignedMessage};

use crate::error::{RpcError, RpcResult};
use crate::ethtx::EthTx;
use crate::node::Node;

impl Node {
    /// The key (or f4) address behind `addr` at the head: itself when it is one; an account's
    /// key address; another actor's f4 address. None when nothing answers.
    pub fn key_address(&self, height: i64, addr: &Address) -> Result<Option<Address>> {
        if matches!(
            addr.protocol(),
            Protocol::Secp256k1 | Protocol::BLS | Protocol::Delegated
        ) {
            return Ok(Some(*addr));
        }
        let Some((_, actor)) = self.chain.actor_at(height, addr)? else {
            return Ok(None);
        };
        self.key_of(&actor)
    }

    fn key_of(&self, actor: &ActorState) -> Result<Option<Address>> {
        if self.chain.manifest().is_account(&actor.code) {
            let bytes = self.chain.store().get(&actor.state)?;
            // The account state is `[key address]`.
            let st: Option<(Address,)> = bytes
                .map(|b| fvm_ipld_encoding::from_slice(&b))
                .transpose()?;
            return Ok(st.map(|(a,)| a));
        }
        Ok(actor.delegated_address)
    }

    /// Checks a signed message's signature and pools it (mined at once with automine).
    /// Returns the CID Lotus names it by: a BLS message's unsigned CID, else the signed one.
    pub fn push_signed(&mut self, sm: SignedMessage) -> RpcResult<Cid> {
        let head = self.chain.head().height();
        let from = &sm.message.from;
        let key = self.key_address(head, from)?.ok_or_else(|| {
            RpcError::rejected(format!("sender {from} does not exist: fund it first"))
        })?;
        let unsigned = ChainMessage::Unsigned(sm.message.clone());
        let unsigned_cid = unsigned.cid()?;
        let wrong = |why: String| RpcError::rejected(format!("the signature is not valid: {why}"));
        let (message, cid, eth_hash) = match sm.signature.sig_type {
            SigType::Secp256k1 => {
                skyr::shared::crypto::signature::ops::verify_secp256k1_sig(
                    &sm.signature.data,
                    &unsigned_cid.to_bytes(),
                    &key,
                )
                .map_err(wrong)?;
                let m = ChainMessage::Signed(sm);
                let cid = m.cid()?;
                (m, cid, skyr_chain::block::cid_digest(&cid))
            }
            SigType::Bls => {
                skyr::shared::crypto::signature::ops::verify_bls_sig(
                    &sm.signature.data,
                    &unsigned_cid.to_bytes(),
                    &key,
                )
                .map_err(wrong)?;
                (
                    unsigned,
                    unsigned_cid,
                    skyr_chain::block::cid_digest(&unsigned_cid),
                )
            }
            SigType::Delegated => {
                let tx = EthTx::from_signed_message(&sm, self.chain_id)
                    .map_err(|e| wrong(format!("{e:#}")))?;
                if key != f410(&tx.from) {
                    return Err(wrong(format!(
                        "it recovers 0x{}, not the sender {key}",
                        hex::encode(tx.from)
                    )));
                }
                // Lotus's round trip: the transaction's own message must be this one (the
                // sender may be named by ID here).
                let mut rebuilt = tx.message()?;
                rebuilt.from = sm.message.from;
                if rebuilt != sm.message {
                    return Err(wrong(
                        "the message is not the one its Ethereum transaction makes".into(),
                    ));
                }
                let m = ChainMessage::Signed(sm);
                let cid = m.cid()?;
                (m, cid, tx.hash)
            }
        };
        self.submit(message, eth_hash)?;
        Ok(cid)
    }
}
