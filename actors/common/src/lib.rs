//! Shared glue for Skyr's own actors: parameter decoding, state load/save, returns and
//! aborts with the exit codes the built-in actors use, and a blockstore over the IPLD syscalls.
use cid::Cid;
use fvm_ipld_encoding::{de::DeserializeOwned, ser::Serialize, to_vec, DAG_CBOR};
use fvm_sdk::NO_DATA_BLOCK_ID;
use fvm_shared::error::ExitCode;

/// Blake2b-256: the hash every actor state block is stored under.
pub const BLAKE2B_256: u64 = 0xb220;

/// Stops the actor with a user exit code and a message.
pub fn abort(code: ExitCode, msg: &str) -> ! {
    fvm_sdk::vm::abort(code.value(), Some(msg))
}

/// Decodes the message parameters, aborting with USR_SERIALIZATION when they do not parse
/// and USR_ILLEGAL_ARGUMENT when they are missing.
pub fn params<T: DeserializeOwned>(id: u32) -> T {
    let block = match fvm_sdk::message::params_raw(id) {
        Ok(Some(b)) => b,
        Ok(None) => abort(ExitCode::USR_ILLEGAL_ARGUMENT, "missing parameters"),
        Err(_) => abort(ExitCode::USR_ILLEGAL_ARGUMENT, "unreadable parameters"),
    };
    match fvm_ipld_encoding::from_slice(&block.data) {
        Ok(v) => v,
        Err(_) => abort(ExitCode::USR_SERIALIZATION, "failed to decode parameters"),
    }
}

/// Returns a value as a DAG-CBOR block id for `invoke`.
pub fn ret<T: Serialize>(v: &T) -> u32 {
    match to_vec(v) {
        Ok(bytes) => ret_raw(&bytes),
        Err(_) => abort(ExitCode::USR_SERIALIZATION, "failed to encode return"),
    }
}

/// Returns raw bytes as a DAG-CBOR block (no block when empty).
pub fn ret_raw(bytes: &[u8]) -> u32 {
    if bytes.is_empty() {
        return NO_DATA_BLOCK_ID;
    }
    match fvm_sdk::ipld::put_block(DAG_CBOR, bytes) {
        Ok(id) => id,
        Err(_) => abort(ExitCode::USR_ILLEGAL_STATE, "failed to create return block"),
    }
}

/// Stores an object as a DAG-CBOR block and returns its CID.
pub fn put<T: Serialize>(v: &T) -> Cid {
    let bytes = match to_vec(v) {
        Ok(b) => b,
        Err(_) => abort(ExitCode::USR_SERIALIZATION, "failed to encode state"),
    };
    match fvm_sdk::ipld::put(BLAKE2B_256, 32, DAG_CBOR, &bytes) {
        Ok(c) => c,
        Err(_) => abort(ExitCode::USR_ILLEGAL_STATE, "failed to store state"),
    }
}

/// Loads the actor's own state object.
pub fn load_state<T: DeserializeOwned>() -> T {
    let root = match fvm_sdk::sself::root() {
        Ok(r) => r,
        Err(_) => abort(ExitCode::USR_ILLEGAL_STATE, "actor has no state"),
    };
    let bytes = match fvm_sdk::ipld::get(&root) {
        Ok(b) => b,
        Err(_) => abort(ExitCode::USR_ILLEGAL_STATE, "failed to read state"),
    };
    match fvm_ipld_encoding::from_slice(&bytes) {
        Ok(s) => s,
        Err(_) => abort(ExitCode::USR_ILLEGAL_STATE, "failed to decode state"),
    }
}

/// Replaces the actor's state object.
pub fn save_state<T: Serialize>(v: &T) {
    let c = put(v);
    if fvm_sdk::sself::set_root(&c).is_err() {
        abort(ExitCode::USR_ILLEGAL_STATE, "failed to set state root");
    }
}

/// Aborts with USR_FORBIDDEN unless the immediate caller is this actor ID.
pub fn require_caller(id: u64) {
    if fvm_sdk::message::caller() != id {
        abort(ExitCode::USR_FORBIDDEN, "caller not allowed");
    }
}

/// The answer of the built-in actors to a method they do not have.
pub fn unhandled() -> ! {
    abort(ExitCode::USR_UNHANDLED_MESSAGE, "unhandled method")
}

/// A blockstore over the IPLD syscalls, so HAMTs and AMTs work inside actors.
pub struct SdkStore;

impl fvm_ipld_blockstore::Blockstore for SdkStore {
    fn get(&self, k: &Cid) -> anyhow::Result<Option<Vec<u8>>> {
        fvm_sdk::ipld::get(k)
            .map(Some)
            .map_err(|e| anyhow::anyhow!("get failed: {:?}", e))
    }

    fn put_keyed(&self, k: &Cid, block: &[u8]) -> anyhow::Result<()> {
        let code = k.hash().code();
        let size = k.hash().size() as u32;
        let got = fvm_sdk::ipld::put(code, size, k.codec(), block)
            .map_err(|e| anyhow::anyhow!("put failed: {:?}", e))?;
        if &got != k {
            return Err(anyhow::anyhow!("put_keyed: cid mismatch"));
        }
        Ok(())
    }
}
