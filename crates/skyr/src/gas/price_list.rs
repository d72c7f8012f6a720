//! The Skyr gas schedule (FIP-0032), used unchanged by network versions 16 and 17.
//!
//! Each `on_*` method returns the charge for one operation, named as the reference names it.
use fvm_shared::crypto::signature::SignatureType;
use fvm_shared::econ::TokenAmount;
use fvm_shared::sector::{RegisteredSealProof, WindowPoStVerifyInfo};
use fvm_shared::METHOD_SEND;

use super::{Gas, GasCharge};

/// The prices of one network version. Plain numbers: the schedule is data, not behaviour.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PriceList {
    /// The schedule's name, as the reference calls it.
    name: &'static str,
    /// Storage gas is priced per byte times this multiplier.
    storage_gas_multiplier: i64,
    on_chain_message_compute_base: Gas,
    on_chain_message_storage_base: Gas,
    on_chain_message_storage_per_byte: Gas,
    on_chain_return_value_per_byte: Gas,
    send_base: Gas,
    send_transfer_funds: Gas,
    send_transfer_only_premium: Gas,
    send_invoke_method: Gas,
    create_actor_compute: Gas,
    create_actor_storage: Gas,
    delete_actor: Gas,
    bls_sig_cost: Gas,
    secp256k1_sig_cost: Gas,
    secp256k1_recover_cost: Gas,
    hashing_base: Gas,
    compute_unsealed_sector_cid_base: Gas,
    verify_seal_base: Gas,
    verify_consensus_fault: Gas,
    verify_replica_update: Gas,
    get_randomness_base: Gas,
    get_randomness_per_byte: Gas,
    block_memcpy_per_byte: Gas,
    block_open_base: Gas,
    block_open_memret_per_byte: Gas,
    block_link_base: Gas,
    block_link_storage_per_byte: Gas,
    block_create_base: Gas,
    block_create_memret_per_byte: Gas,
    block_read_base: Gas,
    block_stat_base: Gas,
    syscall_cost: Gas,
    extern_cost: Gas,
    /// Execution gas per metered WASM instruction.
    exec_instruction_cost: Gas,
}

/// Step costs of aggregate seal verification: (first count of the step, cost).
const AGG_STEPS_32G: [(i64, i64); 8] = [
    (4, 103994170),
    (7, 112356810),
    (13, 122912610),
    (26, 137559930),
    (52, 162039100),
    (103, 210960780),
    (205, 318351180),
    (410, 528274980),
];
const AGG_STEPS_64G: [(i64, i64); 8] = [
    (4, 102581240),
    (7, 110803030),
    (13, 120803700),
    (26, 134642130),
    (52, 157357890),
    (103, 203017690),
    (205, 304253590),
    (410, 509880640),
];

/// The Skyr schedule of FIP-0032, for network versions 16 and 17.
pub static SKYR_PRICES: PriceList = PriceList {
    name: "SKYR",
    storage_gas_multiplier: 1300,
    on_chain_message_compute_base: Gas::new(38863),
    on_chain_message_storage_base: Gas::new(36),
    on_chain_message_storage_per_byte: Gas::new(1),
    on_chain_return_value_per_byte: Gas::new(1),
    send_base: Gas::new(29233),
    send_transfer_funds: Gas::new(27500),
    send_transfer_only_premium: Gas::new(159672),
    send_invoke_method: Gas::new(-5377),
    create_actor_compute: Gas::new(1108454),
    create_actor_storage: Gas::new(36 + 40),
    delete_actor: Gas::new(-(36 + 40)),
    bls_sig_cost: Gas::new(16598605),
    secp256k1_sig_cost: Gas::new(1637292),
    secp256k1_recover_cost: Gas::new(1637292),
    hashing_base: Gas::new(31355),
    compute_unsealed_sector_cid_base: Gas::new(98647),
    verify_seal_base: Gas::new(2000),
    verify_consensus_fault: Gas::new(495422),
    verify_replica_update: Gas::new(36316136),
    get_randomness_base: Gas::zero(),
    get_randomness_per_byte: Gas::zero(),
    block_memcpy_per_byte: Gas::from_milligas(500),
    block_open_base: Gas::new(114617),
    block_open_memret_per_byte: Gas::new(10),
    block_link_base: Gas::new(353640),
    block_link_storage_per_byte: Gas::new(1),
    block_create_base: Gas::zero(),
    block_create_memret_per_byte: Gas::new(10),
    block_read_base: Gas::zero(),
    block_stat_base: Gas::zero(),
    syscall_cost: Gas::new(14000),
    extern_cost: Gas::new(21000),
    exec_instruction_cost: Gas::new(4),
};

impl PriceList {
    /// The schedule's name, as the reference calls it.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Inclusion of a message of `size` bytes in the chain.
    pub fn on_chain_message(&self, size: usize) -> GasCharge {
        GasCharge::new(
            "OnChainMessage",
            self.on_chain_message_compute_base,
            (self.on_chain_message_storage_base
                + self.on_chain_message_storage_per_byte * size as i64)
                * self.storage_gas_multiplier,
        )
    }

    /// Storing a return value of `size` bytes in the receipt.
    pub fn on_chain_return_value(&self, size: usize) -> GasCharge {
        GasCharge::new(
            "OnChainReturnValue",
            Gas::zero(),
            self.on_chain_return_value_per_byte * size as i64 * self.storage_gas_multiplier,
        )
    }

    /// One send: base, plus value transfer, plus method invocation (a discount).
    pub fn on_method_invocation(&self, value: &TokenAmount, method: u64) -> GasCharge {
        let mut gas = self.send_base;
        if !value.is_zero() {
            gas += self.send_transfer_funds;
            if method == METHOD_SEND {
                gas += self.send_transfer_only_premium;
            }
        }
        if method != METHOD_SEND {
            gas += self.send_invoke_method;
        }
        GasCharge::new("OnMethodInvocation", gas, Gas::zero())
    }

    /// Entering any syscall.
    pub fn on_syscall(&self) -> GasCharge {
        GasCharge::new("OnSyscall", self.syscall_cost, Gas::zero())
    }

    /// Creating an actor.
    pub fn on_create_actor(&self) -> GasCharge {
        GasCharge::new(
            "OnCreateActor",
            self.create_actor_compute,
            self.create_actor_storage * self.storage_gas_multiplier,
        )
    }

    /// Deleting an actor (a refund: negative storage gas).
    pub fn on_delete_actor(&self) -> GasCharge {
        GasCharge::new(
            "OnDeleteActor",
            Gas::zero(),
            self.delete_actor * self.storage_gas_multiplier,
        )
    }

    /// Verifying one signature.
    pub fn on_verify_signature(&self, sig_type: SignatureType) -> GasCharge {
        let gas = match sig_type {
            SignatureType::BLS => self.bls_sig_cost,
            SignatureType::Secp256k1 => self.secp256k1_sig_cost,
        };
        GasCharge::new("OnVerifySignature", gas, Gas::zero())
    }

    /// Recovering a secp256k1 public key.
    pub fn on_recover_secp_public_key(&self) -> GasCharge {
        GasCharge::new(
            "OnRecoverSecpPublicKey",
            self.secp256k1_recover_cost,
            Gas::zero(),
        )
    }

    /// Hashing (flat, whatever the length).
    pub fn on_hashing(&self) -> GasCharge {
        GasCharge::new("OnHashing", self.hashing_base, Gas::zero())
    }

    /// Computing an unsealed sector CID.
    pub fn on_compute_unsealed_sector_cid(&self) -> GasCharge {
        GasCharge::new(
            "OnComputeUnsealedSectorCid",
            self.compute_unsealed_sector_cid_base,
            Gas::zero(),
        )
    }

    /// Verifying one seal proof.
    pub fn on_verify_seal(&self) -> GasCharge {
        GasCharge::new("OnVerifySeal", self.verify_seal_base, Gas::zero())
    }

    /// Verifying an aggregate of `count` seal proofs of type `proof`.
    pub fn on_verify_aggregate_seals(&self, proof: RegisteredSealProof, count: usize) -> GasCharge {
        let (per, steps) = match proof {
            RegisteredSealProof::StackedDRG64GiBV1P1 => (359272, &AGG_STEPS_64G),
            _ => (449900, &AGG_STEPS_32G),
        };
        let n = count as i64;
        let step = steps
            .iter()
            .rev()
            .find(|(start, _)| *start <= n)
            .map(|s| s.1)
            .unwrap_or(0);
        GasCharge::new(
            "OnVerifyAggregateSeals",
            Gas::new(per) * n + Gas::new(step),
            Gas::zero(),
        )
    }

    /// Verifying a replica update proof.
    pub fn on_verify_replica_update(&self) -> GasCharge {
        GasCharge::new(
            "OnVerifyReplicaUpdate",
            self.verify_replica_update,
            Gas::zero(),
        )
    }

    /// Verifying a window PoSt: flat plus a cost per challenged sector. Every window PoSt
    /// type has the same price, and so do unknown types.
    pub fn on_verify_post(&self, info: &WindowPoStVerifyInfo) -> GasCharge {
        let gas = Gas::new(117680921) + Gas::new(43780) * info.challenged_sectors.len() as i64;
        GasCharge::new("OnVerifyPost", gas, Gas::zero())
    }

    /// Checking a consensus fault (goes out to the node).
    pub fn on_verify_consensus_fault(&self) -> GasCharge {
        GasCharge::new(
            "OnVerifyConsensusFault",
            self.extern_cost + self.verify_consensus_fault,
            Gas::zero(),
        )
    }

    /// Drawing randomness (goes out to the node).
    pub fn on_get_randomness(&self, entropy_len: usize) -> GasCharge {
        GasCharge::new(
            "OnGetRandomness",
            self.extern_cost
                + self.get_randomness_base
                + self.get_randomness_per_byte * entropy_len as i64,
            Gas::zero(),
        )
    }

    /// Opening a block: the lookup part.
    pub fn on_block_open_base(&self) -> GasCharge {
        GasCharge::new(
            "OnBlockOpenBase",
            self.extern_cost + self.block_open_base,
            Gas::zero(),
        )
    }

    /// Opening a block: the per-byte part, charged once its size is known.
    pub fn on_block_open_per_byte(&self, size: usize) -> GasCharge {
        let n = size as i64;
        GasCharge::new(
            "OnBlockOpenPerByte",
            self.block_open_memret_per_byte * n + self.block_memcpy_per_byte * n,
            Gas::zero(),
        )
    }

    /// Reading `size` bytes of an open block.
    pub fn on_block_read(&self, size: usize) -> GasCharge {
        GasCharge::new(
            "OnBlockRead",
            self.block_read_base + self.block_memcpy_per_byte * size as i64,
            Gas::zero(),
        )
    }

    /// Creating a block of `size` bytes.
    pub fn on_block_create(&self, size: usize) -> GasCharge {
        let n = size as i64;
        GasCharge::new(
            "OnBlockCreate",
            self.block_create_base
                + self.block_create_memret_per_byte * n
                + self.block_memcpy_per_byte * n,
            Gas::zero(),
        )
    }

    /// Hashing and storing a block of `size` bytes.
    pub fn on_block_link(&self, size: usize) -> GasCharge {
        let n = size as i64;
        GasCharge::new(
            "OnBlockLink",
            self.block_link_base + self.block_memcpy_per_byte * n * 2,
            self.block_link_storage_per_byte * self.storage_gas_multiplier * n,
        )
    }

    /// Asking a block's codec and size.
    pub fn on_block_stat(&self) -> GasCharge {
        GasCharge::new("OnBlockStat", self.block_stat_base, Gas::zero())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn aggregate_steps_start_at_four_proofs() {
        let pl = &SKYR_PRICES;
        let p = RegisteredSealProof::StackedDRG32GiBV1P1;
        assert_eq!(
            pl.on_verify_aggregate_seals(p, 3).total(),
            Gas::new(449900 * 3)
        );
        assert_eq!(
            pl.on_verify_aggregate_seals(p, 4).total(),
            Gas::new(449900 * 4 + 103994170)
        );
        assert_eq!(
            pl.on_verify_aggregate_seals(p, 500).total(),
            Gas::new(449900 * 500 + 528274980)
        );
    }

    #[test]
    fn value_sends_pay_the_transfer_premium() {
        let pl = &SKYR_PRICES;
        let one = TokenAmount::from_atto(1);
        assert_eq!(
            pl.on_method_invocation(&one, 0).total(),
            Gas::new(29233 + 27500 + 159672)
        );
        assert_eq!(
            pl.on_method_invocation(&one, 2).total(),
            Gas::new(29233 + 27500 - 5377)
        );
        assert_eq!(
            pl.on_method_invocation(&TokenAmount::default(), 0).total(),
            Gas::new(29233)
        );
    }
}
