//! What Anvil and Hardhat let a test suite do to an account, done to the devnet's: set its
//! balance, nonce, code or storage (`anvil_set*`), and send as it without its key
//! (`anvil_impersonateAccount`).
//!
//! State edits rewrite the state the head produced (the next tipset builds on it), as Anvil
//! edits its latest state. They are cheats: no message carries them, and `skyr exec` could not
//! replay a tipset built on one from the tipset alone.
use alloy_consensus::TxEip1559;
use alloy_primitives::TxKind;
use anyhow::anyhow;
use skyr::shared::econ::TokenAmount;
use skyr::shared::ActorID;
use skyr::state_tree::{ActorState, StateTree};
use skyr_chain::genesis::{f410, CREATE2_DEPLOYER};
use skyr_chain::{ChainMessage, SignedMessage};

use crate::error::{RpcError, RpcResult};
use crate::ethtx::{eth_to_filecoin, u256_to_tokens, EthCall};
use crate::evm_state::EvmState;
use crate::node::Node;

/// What kind of actor an address holds, for the cheats' checks.
enum Kind {
    None,
    Evm,
    /// An account of any kind, or a placeholder: has a balance and a sequence, no code.
    Plain,
    /// A built-in actor (miner, multisig, …): its state is the actors' business.
    Native,
}

impl Node {
    fn code(&self, name: &str) -> RpcResult<cid::Cid> {
        self.chain
            .manifest()
            .code_by_name(name)
            .copied()
            .ok_or_else(|| RpcError::internal(format!("the bundle has no {name} actor")))
    }

    /// What the head's state holds at `eth`; a masked ID must name an actor.
    fn head_kind(&self, eth: &[u8; 20]) -> RpcResult<Kind> {
        let addr = eth_to_filecoin(eth);
        let actor = self.head_actor(&addr)?;
        let m = self.chain.manifest();
        Ok(match actor {
            None if addr.id().is_ok() => {
                return Err(RpcError::rejected(format!(
                    "0x{}: no actor has this masked ID",
                    hex::encode(eth)
                )))
            }
            None => Kind::None,
            Some((_, a)) if self.is_evm(&a.code) => Kind::Evm,
            Some((_, a))
                if m.is_account(&a.code)
                    || m.is_eth_account(&a.code)
                    || m.is_placeholder(&a.code) =>
            {
                Kind::Plain
            }
            Some(_) => Kind::Native,
        })
    }

    /// `anvil_setBalance`: the balance of the actor at `eth` (a placeholder is made for an
    /// address nothing holds yet, as a transfer would).
    pub fn set_balance(&mut self, eth: [u8; 20], balance: TokenAmount) -> RpcResult<()> {
        self.head_kind(&eth)?;
        let placeholder = self.code("placeholder")?;
        self.edit(|tree| {
            let (id, mut actor) = actor_or_placeholder(tree, &eth, placeholder)?;
            actor.balance = balance;
            tree.set_actor(id, actor);
            Ok(())
        })
    }

    /// `anvil_setNonce`: an account's sequence, or a contract's nonce.
    pub fn set_nonce(&mut self, eth: [u8; 20], nonce: u64) -> RpcResult<()> {
        let from = eth_to_filecoin(&eth);
        if self.pool.iter().any(|p| p.message.message().from == from) {
            return Err(RpcError::rejected(
                "the account has transactions waiting in the pool: mine or drop them first",
            ));
        }
        let placeholder = self.code("placeholder")?;
        match self.head_kind(&eth)? {
            Kind::Native => Err(not_for_native(&eth, "a nonce")),
            Kind::Evm => self.edit(|tree| {
                let (id, mut actor) = existing(tree, &eth)?;
                let mut st = EvmState::load(tree.store(), &actor.state)?;
                st.set_nonce(nonce);
                actor.state = st.save(tree.store())?;
                tree.set_actor(id, actor);
                Ok(())
            }),
            Kind::None | Kind::Plain => self.edit(|tree| {
                let (id, mut actor) = actor_or_placeholder(tree, &eth, placeholder)?;
                actor.sequence = nonce;
                tree.set_actor(id, actor);
                Ok(())
            }),
        }
    }

    /// `anvil_setCode`: a contract's runtime code. A contract keeps its storage and nonce; an
    /// Ethereum address without code (nothing, a placeholder, an Ethereum account) becomes a
    /// contract with empty storage, keeping its balance.
    pub fn set_code(&mut self, eth: [u8; 20], code: Vec<u8>) -> RpcResult<()> {
        match self.head_kind(&eth)? {
            Kind::Native => return Err(not_for_native(&eth, "EVM code")),
            Kind::Plain if eth_to_filecoin(&eth).id().is_ok() => {
                return Err(RpcError::rejected(format!(
                    "0x{} is a native account's masked ID: only an Ethereum (f410) address can \
                     become a contract",
                    hex::encode(eth)
                )))
            }
            _ => {}
        }
        let evm = self.code("evm")?;
        let placeholder = self.code("placeholder")?;
        self.edit(|tree| {
            let (id, mut actor) = actor_or_placeholder(tree, &eth, placeholder)?;
            let st = if actor.code == evm {
                let mut st = EvmState::load(tree.store(), &actor.state)?;
                st.set_code(tree.store(), &code)?;
                st
            } else {
                // A new contract's state takes its shape from an EVM actor of the bundle: the
                // CREATE2 deployer, which every devnet genesis holds.
                let (_, template) = existing(tree, &CREATE2_DEPLOYER)
                    .map_err(|_| anyhow!("no EVM actor to shape a new contract's state on"))?;
                let template = EvmState::load(tree.store(), &template.state)?;
                EvmState::fresh(&template, tree.store(), &code)?
            };
            actor.state = st.save(tree.store())?;
            actor.code = evm;
            actor.delegated_address = Some(f410(&eth));
            tree.set_actor(id, actor);
            Ok(())
        })
    }

    /// `anvil_setStorageAt`: one storage word of a contract.
    pub fn set_storage(&mut self, eth: [u8; 20], slot: [u8; 32], value: [u8; 32]) -> RpcResult<()> {
        if !matches!(self.head_kind(&eth)?, Kind::Evm) {
            return Err(RpcError::rejected(format!(
                "0x{} is not a contract: set its code first (anvil_setCode)",
                hex::encode(eth)
            )));
        }
        self.edit(|tree| {
            let (id, mut actor) = existing(tree, &eth)?;
            let mut st = EvmState::load(tree.store(), &actor.state)?;
            st.set_storage(tree.store(), slot, value)?;
            actor.state = st.save(tree.store())?;
            tree.set_actor(id, actor);
            Ok(())
        })
    }

    /// Whether transactions from `eth` are taken without a signature.
    pub fn impersonating(&self, eth: &[u8; 20]) -> bool {
        self.auto_impersonate || self.impersonated.contains(eth)
    }

    /// Pools `tx` from an impersonated sender: the message carries a signature of zeros,
    /// which nothing checks (the FVM never checks signatures; the node skips its check, as
    /// Lotus's pool would not). The sender must be able to send: an account (of any kind) or
    /// a placeholder, as for any message; a contract cannot. Its hash is the digest of the
    /// message's CID, as Lotus shows messages that are not Ethereum transactions.
    pub fn send_impersonated(&mut self, from: [u8; 20], tx: TxEip1559) -> RpcResult<[u8; 32]> {
        if matches!(self.head_kind(&from)?, Kind::Evm | Kind::Native) {
            return Err(RpcError::rejected(format!(
                "0x{} is not an account: the FVM takes messages from accounts only, so a contract \
                 or a built-in actor cannot be impersonated as a sender",
                hex::encode(from)
            )));
        }
        let message = EthCall {
            from: eth_to_filecoin(&from),
            to: match tx.to {
                TxKind::Call(to) => Some(to.into()),
                TxKind::Create => None,
            },
            nonce: tx.nonce,
            value: u256_to_tokens(&tx.value),
            input: &tx.input,
            gas_limit: tx.gas_limit,
            fee_cap: TokenAmount::from_atto(tx.max_fee_per_gas),
            premium: TokenAmount::from_atto(tx.max_priority_fee_per_gas),
        }
        .message()?;
        let signed = ChainMessage::Signed(SignedMessage::unchecked(message));
        let hash = skyr_chain::block::cid_digest(&signed.cid()?);
        self.submit(signed, hash)?;
        Ok(hash)
    }

    fn edit(&mut self, f: impl FnOnce(&mut StateTree) -> anyhow::Result<()>) -> RpcResult<()> {
        self.chain
            .edit_head_state(f)
            .map_err(|e| RpcError::internal(format!("editing the state: {e:#}")))
    }
}

/// The code of the actors a dev account is made of on a state the devnet did not build (a
/// fork's).
pub struct AccountCodes {
    /// An Ethereum address's actor before its first message.
    pub placeholder: cid::Cid,
    /// A key address's actor.
    pub account: cid::Cid,
}

impl AccountCodes {
    /// Gives a dev key `balance` at both its addresses: the Ethereum one (a placeholder when
    /// nothing is there, as a transfer would make) and the key one (an account actor, as a
    /// transfer would make).
    pub fn fund(
        &self,
        tree: &mut StateTree,
        eth: &[u8; 20],
        key: &skyr::shared::address::Address,
        balance: &TokenAmount,
    ) -> anyhow::Result<()> {
        let (id, mut actor) = actor_or_placeholder(tree, eth, self.placeholder)?;
        actor.balance = balance.clone();
        tree.set_actor(id, actor);
        match tree.lookup_id(key)? {
            Some(id) => {
                let mut actor = tree
                    .get_actor(id)?
                    .ok_or_else(|| anyhow!("no actor has ID {id}"))?;
                actor.balance = balance.clone();
                tree.set_actor(id, actor);
            }
            None => {
                skyr_chain::genesis::new_key_account(tree, self.account, key, balance.clone())?;
            }
        }
        Ok(())
    }
}

/// The actor at `eth`, or a new placeholder there when nothing is (an f410 address).
fn actor_or_placeholder(
    tree: &mut StateTree,
    eth: &[u8; 20],
    placeholder: cid::Cid,
) -> anyhow::Result<(ActorID, ActorState)> {
    let addr = eth_to_filecoin(eth);
    if let Some(id) = tree.lookup_id(&addr)? {
        if let Some(a) = tree.get_actor(id)? {
            return Ok((id, a));
        }
    }
    if addr.id().is_ok() {
        return Err(anyhow!("no actor has ID {addr}"));
    }
    let id = tree.register_new_address(&addr)?;
    Ok((id, ActorState::new_empty(placeholder, Some(addr))))
}

/// Errors for a cheat aimed at a built-in actor.
fn not_for_native(eth: &[u8; 20], what: &str) -> RpcError {
    RpcError::rejected(format!(
        "0x{} is a built-in actor: it has no {what} to set",
        hex::encode(eth)
    ))
}

fn existing(tree: &mut StateTree, eth: &[u8; 20]) -> anyhow::Result<(ActorID, ActorState)> {
    let addr = eth_to_filecoin(eth);
    let id = tree
        .lookup_id(&addr)?
        .ok_or_else(|| anyhow!("no actor at {addr}"))?;
    let a = tree
        .get_actor(id)?
        .ok_or_else(|| anyhow!("no actor at {addr}"))?;
    Ok((id, a))
}
