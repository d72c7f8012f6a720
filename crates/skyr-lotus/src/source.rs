//! Blocks and answers from a node, through an on-disk cache.
//!
//! A block is asked for with `Filecoin.ChainReadObj` and checked against its CID (the digest
//! of its bytes under the CID's hash function) before anything uses it: a node serving other
//! bytes is caught, named, and nothing is cached. Answers that are not blocks (a tipset at a
//! height, a network version, randomness, the circulating supply) are cached by method and
//! parameters when they cannot change: every such call names a tipset by its key.
//!
//! The cache is the devnet's database ([`skyr_store::Db`]): blocks by CID, answers in its
//! index. Offline (no client), only the cache answers, and a miss says what was missing.
use std::cell::{Cell, RefCell};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{anyhow, bail, Context, Result};
use base64::Engine as _;
use cid::Cid;
use fvm_ipld_blockstore::Blockstore;
use multihash_codetable::{Code, MultihashDigest};
use serde_json::{json, Value};
use skyr_store::{Db, SharedDb};

use crate::client::{ClientOptions, NodeClient};

/// The identity hash: a CID that holds its block in its digest.
const IDENTITY: u64 = 0x00;
/// Index keys of cached answers start with this.
const ANSWER_PREFIX: &[u8] = b"rpc-answer/";
/// The index key of the last head the node named (what an offline run anchors on).
const HEAD_KEY: &[u8] = b"rpc-head";
/// Blocks fetched between two commits of the cache, so a long run that is killed keeps most
/// of what it fetched.
const COMMIT_EVERY: u64 = 2_000;

/// The environment variable holding a node's API token when no flag gives one.
pub const TOKEN_ENV: &str = "SKYR_RPC_TOKEN";

/// Where the cache of the node at `url` lives unless told: one database per node URL under
/// Skyr's cache folder (answers such as the network's parameters belong to one network).
pub fn default_cache(url: &str) -> Result<PathBuf> {
    let dir = skyr::engine::cache::default_dir().ok_or_else(|| {
        anyhow!("no cache folder is known (no HOME): give the cache's path (--rpc-cache FILE)")
    })?;
    let name: String = url
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    Ok(dir.join("rpc").join(format!("{name}.redb")))
}

/// The token to use: `given`, else the one in [`TOKEN_ENV`] when set.
pub fn token_or_env(given: Option<String>) -> Option<String> {
    given.or_else(|| std::env::var(TOKEN_ENV).ok().filter(|t| !t.is_empty()))
}

/// A node (or only its cached answers), read through the cache.
pub struct NodeSource {
    client: Option<NodeClient>,
    db: Db,
    /// Answers of this run, before they are committed (the index shows committed ones only).
    answers: RefCell<BTreeMap<String, Value>>,
    /// Blocks fetched from the node since the last commit.
    uncommitted: Cell<u64>,
}

/// The JSON form of a CID in Lotus's API.
pub fn cid_json(c: &Cid) -> Value {
    json!({"/": c.to_string()})
}

/// A CID from Lotus's `{"/": "bafy…"}`.
pub fn parse_cid(v: &Value, what: &str) -> Result<Cid> {
    let s = v
        .get("/")
        .and_then(Value::as_str)
        .ok_or_else(|| anyhow!("{what}: expected a CID as {{\"/\": \"…\"}}, got {v}"))?;
    s.parse()
        .map_err(|e| anyhow!("{what}: `{s}` is not a CID: {e}"))
}

/// Bytes from Lotus's base64 (standard alphabet, padded).
pub fn parse_b64(v: &Value, what: &str) -> Result<Vec<u8>> {
    let s = v
        .as_str()
        .ok_or_else(|| anyhow!("{what}: expected base64 bytes, got {v}"))?;
    base64::engine::general_purpose::STANDARD
        .decode(s)
        .map_err(|e| anyhow!("{what}: not base64: {e}"))
}

/// Whether `data` is the block `c` names: its digest under `c`'s hash function.
pub fn check_block(c: &Cid, data: &[u8]) -> Result<()> {
    let code = c.hash().code();
    let hasher = Code::try_from(code)
        .map_err(|_| anyhow!("block {c}: hash function {code:#x} is not one Skyr knows"))?;
    let digest = hasher.digest(data);
    if digest.digest() != c.hash().digest() {
        bail!(
            "the node served block {c} with {} bytes that do not hash to it: refused",
            data.len()
        );
    }
    Ok(())
}

impl NodeSource {
    /// A source reading `client`'s node (offline when `None`) through the cache database at
    /// `cache` (created when missing).
    pub fn open(client: Option<NodeClient>, cache: &Path) -> Result<NodeSource> {
        if let Some(dir) = cache.parent() {
            std::fs::create_dir_all(dir)
                .with_context(|| format!("creating the cache folder {}", dir.display()))?;
        }
        Ok(NodeSource::on(client, Db::open(cache)?))
    }

    /// The node at `url` (`offline`: none, the cache alone), its API token `token` or
    /// [`TOKEN_ENV`]'s, read through the cache at `cache` (default: [`default_cache`]); gives
    /// the cache's path too. What `exec --rpc`, `replay` and a devnet fork open.
    pub fn connect(
        url: &str,
        token: Option<String>,
        cache: Option<&Path>,
        offline: bool,
    ) -> Result<(NodeSource, PathBuf)> {
        let client = if offline {
            None
        } else {
            Some(NodeClient::new(
                url,
                ClientOptions {
                    token: token_or_env(token),
                    ..ClientOptions::default()
                },
            )?)
        };
        let cache = match cache {
            Some(c) => c.to_path_buf(),
            None => default_cache(url)?,
        };
        let source = NodeSource::open(client, &cache)
            .with_context(|| format!("the RPC cache {}", cache.display()))?;
        Ok((source, cache))
    }

    fn on(client: Option<NodeClient>, db: Db) -> NodeSource {
        NodeSource {
            client,
            db,
            answers: RefCell::default(),
            uncommitted: Cell::new(0),
        }
    }

    /// What opens this source again on another thread (same node, same cache).
    pub fn share(&self) -> SourceOpener {
        SourceOpener {
            client: self.client.clone(),
            db: self.db.share(),
        }
    }

    /// The client, when online.
    pub fn client(&self) -> Option<&NodeClient> {
        self.client.as_ref()
    }

    /// Block `c`: from the cache, else from the node (checked). A block the node lacks is an
    /// error naming it.
    pub fn block(&self, c: &Cid) -> Result<Vec<u8>> {
        if c.hash().code() == IDENTITY {
            return Ok(c.hash().digest().to_vec());
        }
        if let Some(b) = self.db.get(c)? {
            return Ok(b);
        }
        let client = self.online(&format!("block {c}"))?;
        let v = client.call("Filecoin.ChainReadObj", &json!([cid_json(c)]))?;
        let data = parse_b64(&v, &format!("Filecoin.ChainReadObj of {c}"))?;
        self.keep(c, data)
    }

    /// Fetches those of `cids` the cache lacks, several at a time (a tipset's headers, a
    /// bundle's code), so later [`Self::block`] calls find them.
    pub fn prefetch(&self, cids: &[Cid]) -> Result<()> {
        let mut missing = Vec::new();
        for c in cids {
            if c.hash().code() != IDENTITY && !self.db.has(c)? && !missing.contains(c) {
                missing.push(*c);
            }
        }
        if missing.is_empty() {
            return Ok(());
        }
        let client = self.online(&format!("{} blocks", missing.len()))?;
        let calls: Vec<(String, Value)> = missing
            .iter()
            .map(|c| ("Filecoin.ChainReadObj".to_string(), json!([cid_json(c)])))
            .collect();
        for (c, r) in missing.iter().zip(client.call_all(&calls)) {
            let data = parse_b64(&r?, &format!("Filecoin.ChainReadObj of {c}"))?;
            self.keep(c, data)?;
        }
        Ok(())
    }

    fn keep(&self, c: &Cid, data: Vec<u8>) -> Result<Vec<u8>> {
        check_block(c, &data)?;
        self.db.put_keyed(c, &data)?;
        self.uncommitted.set(self.uncommitted.get() + 1);
        if self.uncommitted.get() >= COMMIT_EVERY {
            self.commit()?;
        }
        Ok(data)
    }

    /// `method`'s answer to `params`, from the cache or the node. Only calls whose answer
    /// cannot change may come here (they name a tipset by key, or a CID).
    pub fn answer(&self, method: &str, params: Value) -> Result<Value> {
        self.answer_kept(method, params, |_| true)
    }

    /// [`Self::answer`], caching only answers `keep` accepts (a search found nothing yet, say).
    pub fn answer_kept(
        &self,
        method: &str,
        params: Value,
        keep: impl Fn(&Value) -> bool,
    ) -> Result<Value> {
        let key = format!("{method} {params}");
        if let Some(v) = self.answers.borrow().get(&key) {
            return Ok(v.clone());
        }
        let index_key = [ANSWER_PREFIX, key.as_bytes()].concat();
        if let Some(bytes) = self.db.index_get(&index_key)? {
            let v: Value = serde_json::from_slice(&bytes)
                .with_context(|| format!("the cached answer of {key} is corrupt"))?;
            self.answers.borrow_mut().insert(key, v.clone());
            return Ok(v);
        }
        let client = self.online(&format!("the answer of {key}"))?;
        let v = client.call(method, &params)?;
        if keep(&v) {
            self.db.index_put(&index_key, v.to_string().as_bytes());
            self.answers.borrow_mut().insert(key, v.clone());
        }
        Ok(v)
    }

    /// The key of the node's head (`Filecoin.ChainHead`), which a run anchors its questions
    /// about heights on, so their answers name a tipset and can be cached. Online it is asked
    /// every time (a head moves) and kept; offline the last one kept is used.
    pub fn head(&self) -> Result<Vec<Cid>> {
        let what = "Filecoin.ChainHead";
        let v = match &self.client {
            Some(client) => {
                let v = client.call(what, &json!([]))?;
                self.db.index_put(HEAD_KEY, v.to_string().as_bytes());
                v
            }
            None => {
                let bytes = self.db.index_get(HEAD_KEY)?.ok_or_else(|| {
                    anyhow!("offline, and the cache holds no head of the node: run once without --offline")
                })?;
                serde_json::from_slice(&bytes).context("the cached head is corrupt")?
            }
        };
        Ok(crate::chain::parse_tipset_answer(&v, what)?.0)
    }

    /// Writes what was fetched to the cache, durably.
    pub fn commit(&self) -> Result<()> {
        self.uncommitted.set(0);
        self.db.commit().context("writing the RPC cache")
    }

    fn online(&self, what: &str) -> Result<&NodeClient> {
        self.client.as_ref().ok_or_else(|| {
            anyhow!("offline, and the cache does not hold {what}: run once without --offline")
        })
    }
}

/// A [`NodeSource`] to open on another thread.
#[derive(Clone)]
pub struct SourceOpener {
    client: Option<NodeClient>,
    db: SharedDb,
}

impl SourceOpener {
    /// The source, on this thread.
    pub fn open(self) -> NodeSource {
        NodeSource::on(self.client, self.db.open())
    }
}

impl Drop for NodeSource {
    fn drop(&mut self) {
        // What was fetched is kept even when the run failed.
        let _ = self.commit();
    }
}
