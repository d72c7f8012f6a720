//! Helpers shared by the syscall scenario families.
use fvm_shared::address::Address;
use skyr_test_program::{Arg, Op};

use crate::programs::*;
use crate::scenario_nv16_17::{Builder, Scenario};

/// A program scenario of the syscall families.
pub fn scenario(name: &str, p: Vec<Op>) -> Scenario {
    Builder::new(format!("syscall: {name}")).run(0, p).build()
}

/// A scenario whose outcome depends on checking proofs for real.
pub fn proofs(name: &str, p: Vec<Op>) -> Scenario {
    Builder::new(format!("syscall: {name}"))
        .checks_proofs()
        .run(0, p)
        .build()
}

/// An address written at scratch 0, and the (pointer, length) arguments naming it.
pub fn addr_args(a: &Address) -> (Op, Vec<Arg>) {
    let b = a.to_bytes();
    (write(0, &b), vec![ptr(0), imm(b.len() as i64)])
}

/// The code CID bytes of a name in the committed bundle.
pub fn code_cid(name: &str) -> Vec<u8> {
    let store = fvm_ipld_blockstore::MemoryBlockstore::new();
    let b = skyr::bundle::load_bundle(&store, crate::genesis_skyr::BUNDLE).expect("bundle");
    b.manifest.code_by_name(name).expect("name").to_bytes()
}
