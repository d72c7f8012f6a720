#![warn(missing_docs)]
//! Skyr's on-disk store: content-addressed blocks and a small ordered index (what a chain
//! needs beside its blocks: which tipset is at which height, which transaction hash names
//! which message) in one [redb] database file.
//!
//! Writes collect in memory and reach the disk together at [`Db::commit`], in one write
//! transaction that redb makes durable before it returns (it syncs the file): a commit is all
//! or nothing, so a process killed at any point leaves the last commit whole. The machine
//! writes a block at a time (thousands per message); committing each would sync thousands
//! of times, so the owner commits at the points it acknowledges (a devnet: before it answers
//! a request that changed something).
//!
//! Why redb: a pure-Rust embedded B-tree store with ACID transactions and a stable file
//! format, durable at commit by default; one file, no background threads, no compaction
//! pauses. Blocks are immutable and keyed by CID, so an ordered key-value store serves them
//! as well as a store made for content addressing would at a devnet's size, and the index
//! needs ordered range deletes, which redb has.
//!
//! Blocks read or written stay in memory after (as the in-memory store keeps them), so the
//! machine reads the disk once per block.
use std::cell::RefCell;
use std::collections::BTreeMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::{anyhow, Context, Result};
use cid::Cid;
use redb::{
    Database, ReadOnlyTable, ReadableDatabase, ReadableTable, TableDefinition, TableHandle,
};

const BLOCKS: TableDefinition<&[u8], &[u8]> = TableDefinition::new("blocks");
const INDEX: TableDefinition<&[u8], &[u8]> = TableDefinition::new("index");

/// A change to the index, kept in order until the commit.
enum IndexOp {
    Put(Vec<u8>, Vec<u8>),
    /// Deletes keys from the first (included) to the second (excluded).
    DeleteRange(Vec<u8>, Vec<u8>),
}

/// A database of blocks and index entries. A `Db` stays on one thread (the chain that owns it
/// runs on one); other threads open their own on the same file through [`Db::share`].
pub struct Db {
    db: Arc<Database>,
    /// Blocks written since the last commit.
    pending: RefCell<BTreeMap<Cid, Vec<u8>>>,
    /// Blocks committed or read: served without touching the disk.
    cache: RefCell<BTreeMap<Cid, Vec<u8>>>,
    ops: RefCell<Vec<IndexOp>>,
}

impl Db {
    /// Opens the database at `path`, creating it (and its tables) when it does not exist.
    pub fn open(path: &Path) -> Result<Db> {
        let db = Database::create(path)
            .map_err(|e| anyhow!("cannot open the database {}: {e}", path.display()))?;
        let txn = db
            .begin_write()
            .map_err(|e| anyhow!("starting a write: {e}"))?;
        txn.open_table(BLOCKS)
            .map_err(|e| anyhow!("opening the blocks table: {e}"))?;
        txn.open_table(INDEX)
            .map_err(|e| anyhow!("opening the index table: {e}"))?;
        txn.commit()
            .map_err(|e| anyhow!("creating the tables: {e}"))?;
        Ok(Db {
            db: Arc::new(db),
            pending: RefCell::default(),
            cache: RefCell::default(),
            ops: RefCell::default(),
        })
    }

    /// The database file, to open on another thread ([`SharedDb::open`]): each opening has its
    /// own pending writes; commits are serialised by the database.
    pub fn share(&self) -> SharedDb {
        SharedDb(self.db.clone())
    }

    /// Whether anything waits for a commit.
    pub fn has_pending(&self) -> bool {
        !self.pending.borrow().is_empty() || !self.ops.borrow().is_empty()
    }

    /// Writes everything pending in one durable transaction. On an error nothing of it is
    /// on disk, and it stays pending.
    pub fn commit(&self) -> Result<()> {
        if !self.has_pending() {
            return Ok(());
        }
        let txn = self
            .db
            .begin_write()
            .map_err(|e| anyhow!("starting a commit: {e}"))?;
        {
            let mut blocks = txn
                .open_table(BLOCKS)
                .map_err(|e| anyhow!("opening the blocks table: {e}"))?;
            for (k, v) in self.pending.borrow().iter() {
                blocks
                    .insert(k.to_bytes().as_slice(), v.as_slice())
                    .map_err(|e| anyhow!("writing a block: {e}"))?;
            }
            let mut index = txn
                .open_table(INDEX)
                .map_err(|e| anyhow!("opening the index table: {e}"))?;
            for op in self.ops.borrow().iter() {
                match op {
                    IndexOp::Put(k, v) => {
                        index
                            .insert(k.as_slice(), v.as_slice())
                            .map_err(|e| anyhow!("writing the index: {e}"))?;
                    }
                    IndexOp::DeleteRange(from, to) => {
                        index
                            .retain_in(from.as_slice()..to.as_slice(), |_, _| false)
                            .map_err(|e| anyhow!("deleting from the index: {e}"))?;
                    }
                }
            }
        }
        txn.commit().map_err(|e| anyhow!("committing: {e}"))?;
        let written = std::mem::take(&mut *self.pending.borrow_mut());
        self.cache.borrow_mut().extend(written);
        self.ops.borrow_mut().clear();
        Ok(())
    }

    /// Sets an index entry (at the next commit).
    pub fn index_put(&self, key: &[u8], value: &[u8]) {
        self.ops
            .borrow_mut()
            .push(IndexOp::Put(key.to_vec(), value.to_vec()));
    }

    /// Deletes the index entries from `from` (included) to `to` (excluded), at the next commit.
    pub fn index_delete_range(&self, from: &[u8], to: &[u8]) {
        self.ops
            .borrow_mut()
            .push(IndexOp::DeleteRange(from.to_vec(), to.to_vec()));
    }

    /// Runs `f` on table `table` in a read transaction.
    fn read<T>(
        &self,
        table: TableDefinition<&'static [u8], &'static [u8]>,
        f: impl FnOnce(&ReadOnlyTable<&'static [u8], &'static [u8]>) -> Result<T, redb::StorageError>,
    ) -> Result<T> {
        let txn = self
            .db
            .begin_read()
            .map_err(|e| anyhow!("starting a read: {e}"))?;
        let t = txn
            .open_table(table)
            .map_err(|e| anyhow!("opening the {} table: {e}", table.name()))?;
        f(&t).map_err(|e| anyhow!("reading the {} table: {e}", table.name()))
    }

    /// The committed index entries whose keys start with `prefix`, in key order (pending
    /// changes are not seen: read at start, before any).
    pub fn index_scan(&self, prefix: &[u8]) -> Result<Vec<(Vec<u8>, Vec<u8>)>> {
        self.read(INDEX, |index| {
            let mut out = Vec::new();
            for entry in index.range(prefix..)? {
                let (k, v) = entry?;
                if !k.value().starts_with(prefix) {
                    break;
                }
                out.push((k.value().to_vec(), v.value().to_vec()));
            }
            Ok(out)
        })
    }

    /// One committed index entry.
    pub fn index_get(&self, key: &[u8]) -> Result<Option<Vec<u8>>> {
        self.read(INDEX, |index| {
            Ok(index.get(key)?.map(|v| v.value().to_vec()))
        })
    }

    fn read_block(&self, k: &Cid) -> Result<Option<Vec<u8>>> {
        self.read(BLOCKS, |blocks| {
            Ok(blocks
                .get(k.to_bytes().as_slice())?
                .map(|v| v.value().to_vec()))
        })
    }
}

/// A database open in this process, sendable to another thread.
#[derive(Clone)]
pub struct SharedDb(Arc<Database>);

impl SharedDb {
    /// A [`Db`] on this thread over the same file.
    pub fn open(self) -> Db {
        Db {
            db: self.0,
            pending: RefCell::default(),
            cache: RefCell::default(),
            ops: RefCell::default(),
        }
    }
}

impl fvm_ipld_blockstore::Blockstore for Db {
    fn get(&self, k: &Cid) -> Result<Option<Vec<u8>>> {
        if let Some(v) = self.pending.borrow().get(k) {
            return Ok(Some(v.clone()));
        }
        if let Some(v) = self.cache.borrow().get(k) {
            return Ok(Some(v.clone()));
        }
        let v = self
            .read_block(k)
            .with_context(|| format!("reading block {k}"))?;
        if let Some(v) = &v {
            self.cache.borrow_mut().insert(*k, v.clone());
        }
        Ok(v)
    }

    fn put_keyed(&self, k: &Cid, block: &[u8]) -> Result<()> {
        if self.cache.borrow().contains_key(k) {
            return Ok(());
        }
        self.pending.borrow_mut().insert(*k, block.to_vec());
        Ok(())
    }

    fn has(&self, k: &Cid) -> Result<bool> {
        Ok(fvm_ipld_blockstore::Blockstore::get(self, k)?.is_some())
    }
}
