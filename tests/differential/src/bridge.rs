//! Between the reference's shared types (`fvm_shared` 2.12.2, which the scenario table speaks)
//! and Skyr's (`skyr::shared`, the newest `fvm_shared`). Values cross by their CBOR or their
//! numbers, so both machines receive exactly the same message.
use anyhow::{Context, Result};
use fvm_shared::econ::TokenAmount;
use fvm_shared::message::Message;
use fvm_shared::version::NetworkVersion;
use skyr::shared as ours;

/// A network version, as Skyr names it.
pub fn nv(v: NetworkVersion) -> ours::version::NetworkVersion {
    ours::version::NetworkVersion::new(v as u32)
}

/// An amount, as Skyr holds it.
pub fn tokens(t: &TokenAmount) -> ours::econ::TokenAmount {
    ours::econ::TokenAmount::from_atto(t.atto().clone())
}

/// An amount Skyr produced, as the reference holds it.
pub fn tokens_back(t: &ours::econ::TokenAmount) -> TokenAmount {
    TokenAmount::from_atto(t.atto().clone())
}

/// A message, through its chain encoding. Fails for a message the newest types cannot hold
/// (a negative gas limit), which Skyr then refuses as invalid, as it did before.
pub fn message(m: &Message) -> Result<ours::message::Message> {
    let bytes = fvm_ipld_encoding::to_vec(m).context("encoding a scenario message")?;
    fvm_ipld_encoding::from_slice(&bytes).context("invalid message: Skyr cannot decode it")
}

/// A consensus fault Skyr's test externs found, as the reference's externs return it.
pub fn consensus_fault(
    f: ours::consensus::ConsensusFault,
) -> Result<fvm_shared::consensus::ConsensusFault> {
    use fvm_shared::consensus::ConsensusFaultType as Theirs;
    use ours::consensus::ConsensusFaultType as Ours;
    let target = fvm_shared::address::Address::from_bytes(&f.target.to_bytes())
        .context("a consensus fault target the reference cannot represent")?;
    Ok(fvm_shared::consensus::ConsensusFault {
        target,
        epoch: f.epoch,
        fault_type: match f.fault_type {
            Ours::DoubleForkMining => Theirs::DoubleForkMining,
            Ours::ParentGrinding => Theirs::ParentGrinding,
            Ours::TimeOffsetMining => Theirs::TimeOffsetMining,
        },
    })
}
