//! Every syscall of the fvm_sdk 4 ABI, imported with its exact WASM signature so a program
//! can call it with any argument, valid or not. (The fvm_sdk 3 list, `raw.rs`, with the
//! imports fvm_sdk 4 changed: self-destruct, events, randomness, BLS aggregates.)
#![allow(clippy::too_many_arguments)]

macro_rules! imports {
    ($($module:literal { $($name:ident ( $($a:ident : $t:ty),* ); )* })*) => {
        /// The imports, callable from Rust.
        pub mod sys {
            $(
                #[link(wasm_import_module = $module)]
                extern "C" {
                    $( pub fn $name($($a: $t),*) -> u32; )*
                }
            )*
        }
        /// Calls the syscall `module.name` with `args` (missing ones are 0); returns its
        /// error number, or u32::MAX for a name this ABI lacks.
        pub fn call(module: &str, name: &str, args: &[i64]) -> u32 {
            let mut i = 0usize;
            let mut next = || { let v = args.get(i).copied().unwrap_or(0); i += 1; v };
            let _ = &mut next;
            $($(
                if module == $module && name == stringify!($name) {
                    // SAFETY: none by design; the host must validate every argument.
                    return unsafe { sys::$name($( next() as $t ),*) };
                }
            )*)*
            u32::MAX
        }
    };
}

imports! {
    "actor" {
        resolve_address(ret: u32, addr_off: u32, addr_len: u32);
        lookup_delegated_address(ret: u32, actor_id: u64, obuf_off: u32, obuf_len: u32);
        get_actor_code_cid(ret: u32, actor_id: u64, obuf_off: u32, obuf_len: u32);
        next_actor_address(ret: u32, obuf_off: u32, obuf_len: u32);
        create_actor(actor_id: u64, typ_off: u32, addr_off: u32, addr_len: u32);
        get_builtin_actor_type(ret: u32, cid_off: u32);
        get_code_cid_for_type(ret: u32, typ: i32, obuf_off: u32, obuf_len: u32);
        balance_of(ret: u32, actor_id: u64);
    }
    "crypto" {
        verify_signature(ret: u32, sig_type: u32, sig_off: u32, sig_len: u32, addr_off: u32, addr_len: u32, pt_off: u32, pt_len: u32);
        verify_bls_aggregate(ret: u32, num_sigs: u32, sig_off: u32, pub_keys_off: u32, plaintexts_off: u32, plaintext_lens_off: u32);
        recover_secp_public_key(ret: u32, hash_off: u32, sig_off: u32);
        hash(ret: u32, code: u64, data_off: u32, data_len: u32, digest_off: u32, digest_len: u32);
        compute_unsealed_sector_cid(ret: u32, proof_type: i64, pieces_off: u32, pieces_len: u32, cid_off: u32, cid_len: u32);
        verify_post(ret: u32, off: u32, len: u32);
        verify_consensus_fault(ret: u32, h1_off: u32, h1_len: u32, h2_off: u32, h2_len: u32, ex_off: u32, ex_len: u32);
        verify_aggregate_seals(ret: u32, off: u32, len: u32);
        verify_replica_update(ret: u32, off: u32, len: u32);
        batch_verify_seals(off: u32, len: u32, result_off: u32);
    }
    "debug" {
        enabled(ret: u32);
        log(off: u32, len: u32);
        store_artifact(name_off: u32, name_len: u32, data_off: u32, data_len: u32);
    }
    "event" {
        emit_event(entries_off: u32, entries_len: u32, keys_off: u32, keys_len: u32, values_off: u32, values_len: u32);
    }
    "gas" {
        charge(name_off: u32, name_len: u32, amount: u64);
        available(ret: u32);
    }
    "ipld" {
        block_open(ret: u32, cid: u32);
        block_create(ret: u32, codec: u64, data: u32, len: u32);
        block_read(ret: u32, id: u32, offset: u32, obuf: u32, max_len: u32);
        block_stat(ret: u32, id: u32);
        block_link(ret: u32, id: u32, hash_fun: u64, hash_len: u32, cid: u32, cid_max_len: u32);
    }
    "network" {
        total_fil_circ_supply(ret: u32);
        context(ret: u32);
        tipset_cid(ret: u32, epoch: i64, obuf_off: u32, obuf_len: u32);
    }
    "rand" {
        get_chain_randomness(ret: u32, epoch: i64);
        get_beacon_randomness(ret: u32, epoch: i64);
    }
    "send" {
        send(ret: u32, to_off: u32, to_len: u32, method: u64, params: u32, value_hi: u64, value_lo: u64, gas_limit: u64, flags: u64);
    }
    "self" {
        root(ret: u32, cid: u32, cid_max_len: u32);
        set_root(cid: u32);
        current_balance(ret: u32);
        self_destruct(burn: u32);
    }
    "vm" {
        exit(code: u32, blk: u32, msg_off: u32, msg_len: u32);
        message_context(ret: u32);
    }
}

/// A signed division without Rust's zero check, so WASM's own `i32.div_s` traps.
#[inline(never)]
pub unsafe fn div_s(a: i32, b: i32) -> i32 {
    core::hint::assert_unchecked(b != 0 && !(a == i32::MIN && b == -1));
    a / b
}

/// A float-to-int truncation that traps on NaN (not the saturating form Rust emits).
#[inline(never)]
pub unsafe fn trunc_f64(x: f64) -> i64 {
    x.to_int_unchecked::<i64>()
}
