//! The chain's blocks live in one base store shared with the machine (`Rc<dyn BaseStore>`, so
//! an embedder picks memory or a database); this wraps it where a `Blockstore` is wanted.
use std::rc::Rc;

use anyhow::Result;
use cid::Cid;
use skyr::blockstore::BaseStore;

/// A shared base store seen as a `Blockstore` (for the bundle loader, AMTs and CBOR helpers).
#[derive(Clone)]
pub struct StoreRef(pub Rc<dyn BaseStore>);

impl fvm_ipld_blockstore::Blockstore for StoreRef {
    fn get(&self, k: &Cid) -> Result<Option<Vec<u8>>> {
        self.0.get(k)
    }
    fn put_keyed(&self, k: &Cid, block: &[u8]) -> Result<()> {
        self.0.put_keyed(k, block)
    }
    fn has(&self, k: &Cid) -> Result<bool> {
        self.0.has(k)
    }
}
