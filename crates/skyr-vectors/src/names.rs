//! Names for numbers a trace shows: built-in actors' methods (by the actor type a manifest
//! gives) and exit codes.
//!
//! Only for display: nothing here reaches consensus. Method numbers below 2^24 are the
//! built-in actors' own dispatch numbers (including ones later releases retired, since older
//! network versions ran them); larger ones are FRC-0042 hashes of the exported names, computed
//! here from the names.
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// Each actor type's numbered methods, then the names it exports under FRC-0042 numbers.
type MethodTable = (&'static [(u64, &'static str)], &'static [&'static str]);

/// Built-in actor types (as manifests name them) and their methods.
const METHODS: &[(&str, MethodTable)] = &[
    ("system", (&[(1, "Constructor")], &[])),
    (
        "init",
        (&[(1, "Constructor"), (2, "Exec"), (3, "Exec4")], &["Exec"]),
    ),
    ("cron", (&[(1, "Constructor"), (2, "EpochTick")], &[])),
    (
        "account",
        (
            &[
                (1, "Constructor"),
                (2, "PubkeyAddress"),
                (3, "AuthenticateMessage"),
            ],
            &["AuthenticateMessage", "Receive"],
        ),
    ),
    (
        "storagepower",
        (
            &[
                (1, "Constructor"),
                (2, "CreateMiner"),
                (3, "UpdateClaimedPower"),
                (4, "EnrollCronEvent"),
                (5, "OnEpochTickEnd"),
                (6, "UpdatePledgeTotal"),
                (7, "OnConsensusFault"),
                (8, "SubmitPoRepForBulkVerify"),
                (9, "CurrentTotalPower"),
            ],
            &[
                "CreateMiner",
                "NetworkRawPower",
                "MinerRawPower",
                "MinerCount",
                "MinerConsensusCount",
                "MinerPower",
            ],
        ),
    ),
    (
        "storagemarket",
        (
            &[
                (1, "Constructor"),
                (2, "AddBalance"),
                (3, "WithdrawBalance"),
                (4, "PublishStorageDeals"),
                (5, "VerifyDealsForActivation"),
                (6, "ActivateDeals"),
                (7, "OnMinerSectorsTerminate"),
                (8, "ComputeDataCommitment"),
                (9, "CronTick"),
            ],
            &[
                "AddBalance",
                "WithdrawBalance",
                "PublishStorageDeals",
                "GetBalance",
                "GetDealDataCommitment",
                "GetDealClient",
                "GetDealProvider",
                "GetDealLabel",
                "GetDealTerm",
                "GetDealTotalPrice",
                "GetDealClientCollateral",
                "GetDealProviderCollateral",
                "GetDealVerified",
                "GetDealActivation",
                "GetDealSector",
                "SettleDealPayments",
                "SectorContentChanged",
                "Receive",
            ],
        ),
    ),
    (
        "storageminer",
        (
            &[
                (1, "Constructor"),
                (2, "ControlAddresses"),
                (3, "ChangeWorkerAddress"),
                (4, "ChangePeerID"),
                (5, "SubmitWindowedPoSt"),
                (6, "PreCommitSector"),
                (7, "ProveCommitSector"),
                (8, "ExtendSectorExpiration"),
                (9, "TerminateSectors"),
                (10, "DeclareFaults"),
                (11, "DeclareFaultsRecovered"),
                (12, "OnDeferredCronEvent"),
                (13, "CheckSectorProven"),
                (14, "ApplyRewards"),
                (15, "ReportConsensusFault"),
                (16, "WithdrawBalance"),
                (17, "ConfirmSectorProofsValid"),
                (18, "ChangeMultiaddrs"),
                (19, "CompactPartitions"),
                (20, "CompactSectorNumbers"),
                (21, "ConfirmChangeWorkerAddress"),
                (22, "RepayDebt"),
                (23, "ChangeOwnerAddress"),
                (24, "DisputeWindowedPoSt"),
                (25, "PreCommitSectorBatch"),
                (26, "ProveCommitAggregate"),
                (27, "ProveReplicaUpdates"),
                (28, "PreCommitSectorBatch2"),
                (29, "ProveReplicaUpdates2"),
                (30, "ChangeBeneficiary"),
                (31, "GetBeneficiary"),
                (32, "ExtendSectorExpiration2"),
                (33, "MovePartitions"),
                (34, "ProveCommitSectors3"),
                (35, "ProveReplicaUpdates3"),
                (36, "ProveCommitSectorsNI"),
            ],
            &[
                "ChangeWorkerAddress",
                "ChangePeerID",
                "WithdrawBalance",
                "ChangeMultiaddrs",
                "ConfirmChangeWorkerAddress",
                "RepayDebt",
                "ChangeOwnerAddress",
                "ChangeBeneficiary",
                "GetBeneficiary",
                "GetOwner",
                "IsControllingAddress",
                "GetSectorSize",
                "GetAvailableBalance",
                "GetVestingFunds",
                "GetPeerID",
                "GetMultiaddrs",
                "MaxTerminationFee",
                "InitialPledge",
            ],
        ),
    ),
    (
        "multisig",
        (
            &[
                (1, "Constructor"),
                (2, "Propose"),
                (3, "Approve"),
                (4, "Cancel"),
                (5, "AddSigner"),
                (6, "RemoveSigner"),
                (7, "SwapSigner"),
                (8, "ChangeNumApprovalsThreshold"),
                (9, "LockBalance"),
            ],
            &[
                "Propose",
                "Approve",
                "Cancel",
                "AddSigner",
                "RemoveSigner",
                "SwapSigner",
                "ChangeNumApprovalsThreshold",
                "LockBalance",
                "Receive",
            ],
        ),
    ),
    (
        "paymentchannel",
        (
            &[
                (1, "Constructor"),
                (2, "UpdateChannelState"),
                (3, "Settle"),
                (4, "Collect"),
            ],
            &[],
        ),
    ),
    (
        "reward",
        (
            &[
                (1, "Constructor"),
                (2, "AwardBlockReward"),
                (3, "ThisEpochReward"),
                (4, "UpdateNetworkKPI"),
            ],
            &[],
        ),
    ),
    (
        "verifiedregistry",
        (
            &[
                (1, "Constructor"),
                (2, "AddVerifier"),
                (3, "RemoveVerifier"),
                (4, "AddVerifiedClient"),
                (5, "UseBytes"),
                (6, "RestoreBytes"),
                (7, "RemoveVerifiedClientDataCap"),
                (8, "RemoveExpiredAllocations"),
                (9, "ClaimAllocations"),
                (10, "GetClaims"),
                (11, "ExtendClaimTerms"),
                (12, "RemoveExpiredClaims"),
            ],
            &[
                "AddVerifiedClient",
                "RemoveExpiredAllocations",
                "GetClaims",
                "ExtendClaimTerms",
                "RemoveExpiredClaims",
                "Receive",
            ],
        ),
    ),
    (
        "datacap",
        (
            // Numbered as builtin-actors v9 (nv17) dispatched them; later releases export
            // the same names under FRC-0042 numbers instead.
            &[
                (1, "Constructor"),
                (2, "Mint"),
                (3, "Destroy"),
                (10, "Name"),
                (11, "Symbol"),
                (12, "TotalSupply"),
                (13, "BalanceOf"),
                (14, "Transfer"),
                (15, "TransferFrom"),
                (16, "IncreaseAllowance"),
                (17, "DecreaseAllowance"),
                (18, "RevokeAllowance"),
                (19, "Burn"),
                (20, "BurnFrom"),
                (21, "Allowance"),
            ],
            &[
                "Name",
                "Symbol",
                "Granularity",
                "TotalSupply",
                "Balance",
                "Transfer",
                "TransferFrom",
                "IncreaseAllowance",
                "DecreaseAllowance",
                "RevokeAllowance",
                "Burn",
                "BurnFrom",
                "Allowance",
                "Mint",
                "Destroy",
            ],
        ),
    ),
    (
        "evm",
        (
            &[
                (1, "Constructor"),
                (2, "Resurrect"),
                (3, "GetBytecode"),
                (4, "GetBytecodeHash"),
                (5, "GetStorageAt"),
                (6, "InvokeContractDelegate"),
            ],
            &["InvokeEVM"],
        ),
    ),
    (
        "eam",
        (
            &[
                (1, "Constructor"),
                (2, "Create"),
                (3, "Create2"),
                (4, "CreateExternal"),
            ],
            &[],
        ),
    ),
    ("ethaccount", (&[(1, "Constructor")], &[])),
];

/// The FRC-0042 method number of an exported name: the first big-endian 4-byte word of
/// BLAKE2b-512(`1|name`) that is at least 2^24.
pub fn frc42_method_number(name: &str) -> Option<u64> {
    let digest = blake2b_simd::Params::new()
        .hash_length(64)
        .hash(format!("1|{name}").as_bytes());
    digest
        .as_bytes()
        .chunks_exact(4)
        .map(|w| u64::from(u32::from_be_bytes([w[0], w[1], w[2], w[3]])))
        .find(|n| *n >= 1 << 24)
}

/// Every (actor type, method number) with a name, the FRC-0042 numbers computed once.
fn table() -> &'static BTreeMap<(&'static str, u64), &'static str> {
    static TABLE: OnceLock<BTreeMap<(&'static str, u64), &'static str>> = OnceLock::new();
    TABLE.get_or_init(|| {
        let mut t = BTreeMap::new();
        for (actor, (numbered, exported)) in METHODS {
            for (n, name) in *numbered {
                t.insert((*actor, *n), *name);
            }
            for name in *exported {
                if let Some(n) = frc42_method_number(name) {
                    t.insert((*actor, n), *name);
                }
            }
        }
        t
    })
}

/// The name of `method` on an actor of type `actor` (a manifest's name: `storageminer`,
/// `evm`, ...), when known. Method 0 is a plain value transfer on every actor.
pub fn method_name(actor: &str, method: u64) -> Option<&'static str> {
    if method == 0 {
        return Some("Send");
    }
    table().get(&(actor, method)).copied()
}

/// A method as traces show it: its name when known, else its number.
pub fn method_label(actor: &str, method: u64) -> String {
    method_name(actor, method).map_or_else(|| method.to_string(), str::to_owned)
}

pub use skyr::exit_names::{exit_code_name, exit_label};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frc42_numbers_are_the_published_ones() {
        // Published numbers: the EVM's InvokeEVM and the account's AuthenticateMessage.
        assert_eq!(frc42_method_number("InvokeEVM"), Some(3_844_450_837));
        assert_eq!(
            frc42_method_number("AuthenticateMessage"),
            Some(2_643_134_072)
        );
        assert_eq!(method_name("evm", 3_844_450_837), Some("InvokeEVM"));
        assert_eq!(
            method_name("account", 2_643_134_072),
            Some("AuthenticateMessage")
        );
    }

    #[test]
    fn names_depend_on_the_actor_type() {
        assert_eq!(method_name("storageminer", 5), Some("SubmitWindowedPoSt"));
        assert_eq!(method_name("multisig", 2), Some("Propose"));
        assert_eq!(method_name("init", 2), Some("Exec"));
        assert_eq!(method_name("placeholder", 2), None);
        assert_eq!(method_name("anything", 0), Some("Send"));
        assert_eq!(method_name("storageminer", 37), None);
    }
}
