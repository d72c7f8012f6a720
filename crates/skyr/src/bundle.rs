//! Actor bundles: a CAR whose root is a manifest `[1, data]`, where `data` lists
//! `[name, code CID]` pairs. Built-in actor types are numbered by their position in that
//! list (from 1); the system actor's state names `data`, which is how a state tree says which
//! bundle it runs.
use std::collections::{BTreeMap, BTreeSet};

use anyhow::{anyhow, bail, Context, Result};
use cid::Cid;
use fvm_ipld_blockstore::Blockstore;
use fvm_ipld_car::{CarHeader, CarReader, CarWriter};
use fvm_ipld_encoding::{CborStore, DAG_CBOR};
use multihash_codetable::{Code, MultihashDigest};

/// Multicodec of raw bytes: code CIDs are raw blocks of WASM.
pub const IPLD_RAW: u64 = 0x55;

/// Actor names that may exist only once (creating another is forbidden).
const SINGLETONS: [&str; 7] = [
    "system",
    "init",
    "reward",
    "cron",
    "storagepower",
    "storagemarket",
    "verifiedregistry",
];

/// The names of a bundle's actors and their code, in manifest order.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Manifest {
    entries: Vec<(String, Cid)>,
    by_code: BTreeMap<Cid, u32>,
    singletons: BTreeSet<Cid>,
    account: Cid,
    system: Cid,
    init: Cid,
}

impl Manifest {
    /// Builds a manifest from `(name, code)` pairs in order; account, system and init must
    /// be present.
    pub fn new(entries: Vec<(String, Cid)>) -> Result<Self> {
        let find = |name: &str| {
            entries
                .iter()
                .rev()
                .find(|(n, _)| n == name)
                .map(|(_, c)| *c)
                .ok_or_else(|| anyhow!("bundle manifest has no `{name}` actor"))
        };
        let (account, system, init) = (find("account")?, find("system")?, find("init")?);
        let mut by_code = BTreeMap::new();
        for (i, (_, code)) in entries.iter().enumerate() {
            by_code.insert(*code, i as u32 + 1);
        }
        let singletons = SINGLETONS
            .iter()
            .filter_map(|n| entries.iter().rev().find(|(e, _)| e == n).map(|(_, c)| *c))
            .collect();
        Ok(Manifest {
            entries,
            by_code,
            singletons,
            account,
            system,
            init,
        })
    }

    /// Loads the manifest data list stored at `data` (the CID the system actor names).
    pub fn load(store: &impl Blockstore, data: &Cid) -> Result<Self> {
        let entries: Vec<(String, Cid)> = store
            .get_cbor(data)
            .with_context(|| format!("manifest data {data} is not a list of (name, CID) pairs"))?
            .ok_or_else(|| anyhow!("manifest data {data} is not in the blockstore"))?;
        Self::new(entries)
    }

    /// The built-in type number of a code CID (its 1-based position), 0 when not built in.
    pub fn type_of(&self, code: &Cid) -> u32 {
        self.by_code.get(code).copied().unwrap_or(0)
    }

    /// The code CID of a built-in type number.
    pub fn code_of(&self, typ: u32) -> Option<&Cid> {
        let i = typ.checked_sub(1)? as usize;
        self.entries.get(i).map(|(_, c)| c)
    }

    /// The code CID of an actor name.
    pub fn code_by_name(&self, name: &str) -> Option<&Cid> {
        self.entries
            .iter()
            .rev()
            .find(|(n, _)| n == name)
            .map(|(_, c)| c)
    }

    /// True for the account actor's code.
    pub fn is_account(&self, code: &Cid) -> bool {
        &self.account == code
    }

    /// True for code of which only one actor may exist.
    pub fn is_singleton(&self, code: &Cid) -> bool {
        self.singletons.contains(code)
    }

    /// True for the placeholder actor's code (a bundle without one has none).
    pub fn is_placeholder(&self, code: &Cid) -> bool {
        self.code_by_name("placeholder") == Some(code)
    }

    /// True for the EthAccount actor's code.
    pub fn is_eth_account(&self, code: &Cid) -> bool {
        self.code_by_name("ethaccount") == Some(code)
    }

    /// The placeholder actor's code; the machine fails without one.
    pub fn placeholder_code(&self) -> crate::error::Result<Cid> {
        self.code_by_name("placeholder")
            .copied()
            .ok_or_else(|| crate::error::fatal("the bundle has no placeholder actor"))
    }

    /// The EthAccount actor's code; the machine fails without one.
    pub fn eth_account_code(&self) -> crate::error::Result<Cid> {
        self.code_by_name("ethaccount")
            .copied()
            .ok_or_else(|| crate::error::fatal("the bundle has no ethaccount actor"))
    }

    /// The account actor's code.
    pub fn account_code(&self) -> &Cid {
        &self.account
    }

    /// The system actor's code.
    pub fn system_code(&self) -> &Cid {
        &self.system
    }

    /// The init actor's code.
    pub fn init_code(&self) -> &Cid {
        &self.init
    }

    /// Every (name, code) pair in order.
    pub fn entries(&self) -> &[(String, Cid)] {
        &self.entries
    }
}

/// A bundle read from a CAR: its manifest and where the manifest data lives.
#[derive(Clone, Debug)]
pub struct Bundle {
    /// The CID the system actor's state names.
    pub manifest_data: Cid,
    /// The manifest.
    pub manifest: Manifest,
}

/// Reads a bundle CAR into `store` and checks that every actor's code is in it.
pub fn load_bundle(store: &impl Blockstore, car: &[u8]) -> Result<Bundle> {
    let reader = CarReader::new(car).map_err(|e| anyhow!("bundle is not a CARv1 file: {e}"))?;
    let roots = reader
        .read_into(store)
        .map_err(|e| anyhow!("bundle CAR is malformed: {e}"))?;
    bundle_in(store, &roots)
}

/// The bundle a CAR with these `roots` put into `store`, checked as [`load_bundle`] checks it
/// (for callers that read the CAR's blocks themselves).
pub fn bundle_in(store: &impl Blockstore, roots: &[Cid]) -> Result<Bundle> {
    let [root] = roots else {
        bail!("bundle CAR must have exactly one root, has {}", roots.len());
    };
    let (version, data): (u32, Cid) = store
        .get_cbor(root)
        .with_context(|| format!("bundle root {root} is not a manifest header [version, data]"))?
        .ok_or_else(|| anyhow!("bundle root {root} is not in the CAR"))?;
    if version != 1 {
        bail!("unsupported bundle manifest version {version}");
    }
    let manifest = Manifest::load(store, &data)?;
    for (name, code) in manifest.entries() {
        if !store.has(code)? {
            bail!("bundle has no WASM for `{name}` ({code})");
        }
    }
    Ok(Bundle {
        manifest_data: data,
        manifest,
    })
}

/// The CID a bundle is published under (its CAR root, the `[1, data]` header) for the
/// manifest data CID a state's system actor names: what a user looks a missing bundle up by.
pub fn manifest_cid(data: &Cid) -> Result<Cid> {
    let header = fvm_ipld_encoding::to_vec(&(1u32, data))?;
    Ok(Cid::new_v1(DAG_CBOR, Code::Blake2b256.digest(&header)))
}

/// An official mainnet bundle of the builtin-actors project.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OfficialBundle {
    /// Its actors version (the `vNN` of its folder).
    pub version: u32,
    /// The release tag it is published under.
    pub tag: &'static str,
    /// The network versions mainnet ran it at.
    pub network_versions: &'static str,
    /// Its manifest CID (the CAR's root).
    pub manifest: &'static str,
}

/// Every mainnet bundle of the FVM era, with the manifest CID Lotus pins for it (a download is
/// checked against it) and the release it comes from.
pub const OFFICIAL_BUNDLES: [OfficialBundle; 11] = [
    OfficialBundle {
        version: 8,
        tag: "v8.0.0",
        network_versions: "16",
        manifest: "bafy2bzacebogjbpiemi7npzxchgcjjki3tfxon4ims55obfyfleqntteljsea",
    },
    OfficialBundle {
        version: 9,
        tag: "v9.0.3",
        network_versions: "17",
        manifest: "bafy2bzaceb6j6666h36xnhksu3ww4kxb6e25niayfgkdnifaqi6m6ooc66i6i",
    },
    OfficialBundle {
        version: 10,
        tag: "v10.0.0",
        network_versions: "18",
        manifest: "bafy2bzacecsuyf7mmvrhkx2evng5gnz5canlnz2fdlzu2lvcgptiq2pzuovos",
    },
    OfficialBundle {
        version: 11,
        tag: "v11.0.0",
        network_versions: "19, 20",
        manifest: "bafy2bzacecnhaiwcrpyjvzl4uv4q3jzoif26okl3m66q3cijp3dfwlcxwztwo",
    },
    OfficialBundle {
        version: 12,
        tag: "v12.0.0",
        network_versions: "21",
        manifest: "bafy2bzaceapkgfggvxyllnmuogtwasmsv5qi2qzhc2aybockd6kag2g5lzaio",
    },
    OfficialBundle {
        version: 13,
        tag: "v13.0.0",
        network_versions: "22",
        manifest: "bafy2bzacecdhvfmtirtojwhw2tyciu4jkbpsbk5g53oe24br27oy62sn4dc4e",
    },
    OfficialBundle {
        version: 14,
        tag: "v14.0.0",
        network_versions: "23",
        manifest: "bafy2bzacecbueuzsropvqawsri27owo7isa5gp2qtluhrfsto2qg7wpgxnkba",
    },
    OfficialBundle {
        version: 15,
        tag: "v15.0.0",
        network_versions: "24",
        manifest: "bafy2bzaceakwje2hyinucrhgtsfo44p54iw4g6otbv5ghov65vajhxgntr53u",
    },
    OfficialBundle {
        version: 16,
        tag: "v16.0.1",
        network_versions: "25, 26",
        manifest: "bafy2bzacecnepvsh4lw6pwljobvwm6zwu6mbwveatp7llhpuguvjhjiqz7o46",
    },
    OfficialBundle {
        version: 17,
        tag: "v17.0.0",
        network_versions: "27",
        manifest: "bafy2bzaceai74ppsvuxs3nvpzzeuptdr3wl7vmdpbphvtz4qt5hfq2qdfvz3e",
    },
    OfficialBundle {
        version: 18,
        tag: "v18.0.0",
        network_versions: "28",
        manifest: "bafy2bzacedxsqapxwj5znwy4leem5gsuenhhfyqcntews3yis5iek67thy6lc",
    },
];

/// The official bundle of actors version `version`.
pub fn official_bundle(version: u32) -> Option<&'static OfficialBundle> {
    OFFICIAL_BUNDLES.iter().find(|b| b.version == version)
}

/// How a run names an official bundle by its manifest CID: the release file and the network
/// versions it ran at.
pub fn official_label(manifest: &Cid) -> Option<String> {
    let m = manifest.to_string();
    OFFICIAL_BUNDLES.iter().find(|b| b.manifest == m).map(|b| {
        format!(
            "builtin-actors {}, builtin-actors-mainnet.car (nv{} mainnet)",
            b.tag, b.network_versions
        )
    })
}

/// The code CID of a WASM module: raw codec over blake2b-256 of its bytes.
pub fn code_cid(wasm: &[u8]) -> Cid {
    Cid::new_v1(IPLD_RAW, Code::Blake2b256.digest(wasm))
}

/// Writes a bundle CAR laid out as the official ones: the header block, the data list, then
/// every module in manifest order. Returns the CAR bytes and the manifest data CID.
pub fn write_bundle(actors: &[(String, Vec<u8>)]) -> Result<(Vec<u8>, Cid)> {
    let store = fvm_ipld_blockstore::MemoryBlockstore::new();
    let entries: Vec<(String, Cid)> = actors
        .iter()
        .map(|(n, wasm)| (n.clone(), code_cid(wasm)))
        .collect();
    Manifest::new(entries.clone())?;
    let data = store.put_cbor(&entries, Code::Blake2b256)?;
    let root = store.put_cbor(&(1u32, data), Code::Blake2b256)?;
    let mut out = Vec::new();
    let mut w = CarWriter::new(CarHeader::new(vec![root], 1), &mut out)?;
    for k in [root, data] {
        let bytes = store.get(&k)?.ok_or_else(|| anyhow!("lost block {k}"))?;
        w.write((k, bytes).into())?;
    }
    let mut written = std::collections::BTreeSet::new();
    for ((_, wasm), (_, k)) in actors.iter().zip(&entries) {
        if written.insert(*k) {
            w.write((*k, wasm.clone()).into())?;
        }
    }
    w.flush()?;
    debug_assert_eq!(DAG_CBOR, root.codec());
    Ok((out, data))
}

/// Appends a custom section naming the actor, so one module packed under several names gets
/// a distinct code CID per name. Custom sections do not change what the module does.
pub fn tag_module(wasm: &[u8], name: &str) -> Vec<u8> {
    fn leb(mut n: usize, out: &mut Vec<u8>) {
        loop {
            let b = (n & 0x7f) as u8;
            n >>= 7;
            if n == 0 {
                out.push(b);
                return;
            }
            out.push(b | 0x80);
        }
    }
    const SECTION: &str = "skyr:actor";
    let mut body = Vec::new();
    leb(SECTION.len(), &mut body);
    body.extend_from_slice(SECTION.as_bytes());
    body.extend_from_slice(name.as_bytes());
    let mut out = wasm.to_vec();
    out.push(0);
    leb(body.len(), &mut out);
    out.extend_from_slice(&body);
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use fvm_ipld_blockstore::MemoryBlockstore;

    fn named(names: &[&str]) -> Vec<(String, Vec<u8>)> {
        names
            .iter()
            .map(|n| (n.to_string(), format!("wasm of {n}").into_bytes()))
            .collect()
    }

    #[test]
    fn a_written_bundle_reads_back_with_types_by_position() {
        let (car, data) =
            write_bundle(&named(&["system", "init", "cron", "account"])).expect("write");
        let store = MemoryBlockstore::new();
        let b = load_bundle(&store, &car).expect("load");
        assert_eq!(b.manifest_data, data);
        let reader = CarReader::new(car.as_slice()).expect("car");
        assert_eq!(reader.header.roots, vec![manifest_cid(&data).expect("cid")]);
        let account = code_cid(b"wasm of account");
        assert_eq!(b.manifest.type_of(&account), 4);
        assert!(b.manifest.is_account(&account));
        assert!(b.manifest.is_singleton(&code_cid(b"wasm of cron")));
        assert_eq!(b.manifest.code_of(1), Some(&code_cid(b"wasm of system")));
        assert_eq!(b.manifest.code_of(0), None);
        assert_eq!(b.manifest.code_of(5), None);
    }

    #[test]
    fn malformed_bundles_are_rejected_with_a_reason() {
        let store = MemoryBlockstore::new();
        let err = load_bundle(&store, b"not a car").expect_err("garbage");
        assert!(err.to_string().contains("CAR"), "{err}");
        assert!(
            write_bundle(&named(&["system", "init"])).is_err(),
            "no account actor"
        );
        let (car, _) = write_bundle(&named(&["system", "init", "account"])).expect("write");
        let err = load_bundle(&store, &car[..car.len() - 3]).expect_err("truncated");
        assert!(err.to_string().contains("malformed"), "{err}");
    }
}
