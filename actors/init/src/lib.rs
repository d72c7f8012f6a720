//! Skyr's init actor (f01): the v9 state layout (address map HAMT, next ID, network name),
//! the constructor and Exec, which creates actors of the bundle's non-singleton types.
use cid::Cid;
use fvm_ipld_encoding::RawBytes;
use fvm_ipld_hamt::{BytesKey, Hamt};
use fvm_shared::address::Address;
use fvm_shared::error::ExitCode;
use fvm_shared::ActorID;
use serde_tuple::{Deserialize_tuple, Serialize_tuple};
use skyr_actors_common::{self as common, SdkStore};

/// Bit width of the address map, as in v9.
const HAMT_BIT_WIDTH: u32 = 5;

/// The v9 init actor state.
#[derive(Serialize_tuple, Deserialize_tuple)]
pub struct State {
    pub address_map: Cid,
    pub next_id: ActorID,
    pub network_name: String,
}

/// Constructor parameters.
#[derive(Serialize_tuple, Deserialize_tuple)]
pub struct ConstructorParams {
    pub network_name: String,
}

/// Exec parameters: the code to instantiate and its constructor's parameters.
#[derive(Serialize_tuple, Deserialize_tuple)]
pub struct ExecParams {
    pub code_cid: Cid,
    pub constructor_params: RawBytes,
}

/// What Exec returns: both addresses of the new actor.
#[derive(Serialize_tuple, Deserialize_tuple)]
pub struct ExecReturn {
    pub id_address: Address,
    pub robust_address: Address,
}

/// Built-in type numbers (manifest positions) of v9 that anyone may create through Exec:
/// payment channels (8) and multisigs (9); plus Skyr's test actor (13).
const EXECUTABLE_TYPES: [i32; 3] = [8, 9, 13];

fn constructor(params: u32) -> u32 {
    common::require_caller(0);
    let p: ConstructorParams = common::params(params);
    let mut map: Hamt<SdkStore, ActorID> = Hamt::new_with_bit_width(SdkStore, HAMT_BIT_WIDTH);
    let address_map = match map.flush() {
        Ok(c) => c,
        Err(_) => common::abort(ExitCode::USR_ILLEGAL_STATE, "failed to create address map"),
    };
    common::save_state(&State { address_map, next_id: 100, network_name: p.network_name });
    0
}

fn exec(params: u32) -> u32 {
    let p: ExecParams = common::params(params);
    let typ = fvm_sdk::actor::get_builtin_actor_type(&p.code_cid).unwrap_or(0);
    if !EXECUTABLE_TYPES.contains(&typ) {
        common::abort(ExitCode::USR_FORBIDDEN, "caller may not create this actor type");
    }
    let robust_address = fvm_sdk::actor::new_actor_address();
    let mut st: State = common::load_state();
    let id = st.next_id;
    st.next_id += 1;
    let mut map: Hamt<SdkStore, ActorID> =
        match Hamt::load_with_bit_width(&st.address_map, SdkStore, HAMT_BIT_WIDTH) {
            Ok(m) => m,
            Err(_) => common::abort(ExitCode::USR_ILLEGAL_STATE, "failed to load address map"),
        };
    if map.set(BytesKey(robust_address.to_bytes()), id).is_err() {
        common::abort(ExitCode::USR_ILLEGAL_STATE, "failed to map address");
    }
    st.address_map = match map.flush() {
        Ok(c) => c,
        Err(_) => common::abort(ExitCode::USR_ILLEGAL_STATE, "failed to store address map"),
    };
    common::save_state(&st);
    if fvm_sdk::actor::create_actor(id, &p.code_cid).is_err() {
        common::abort(ExitCode::USR_FORBIDDEN, "create_actor failed");
    }
    let ctor_params = if p.constructor_params.is_empty() {
        None
    } else {
        Some(fvm_ipld_encoding::ipld_block::IpldBlock {
            codec: fvm_ipld_encoding::DAG_CBOR,
            data: p.constructor_params.to_vec(),
        })
    };
    let value = fvm_sdk::message::value_received();
    match fvm_sdk::send::send(&Address::new_id(id), 1, ctor_params, value) {
        Ok(r) if r.exit_code.is_success() => {}
        Ok(r) => common::abort(r.exit_code, "constructor failed"),
        Err(_) => common::abort(ExitCode::USR_ILLEGAL_STATE, "constructor send failed"),
    }
    common::ret(&ExecReturn { id_address: Address::new_id(id), robust_address })
}

#[no_mangle]
pub extern "C" fn invoke(params: u32) -> u32 {
    match fvm_sdk::message::method_number() {
        1 => constructor(params),
        2 => exec(params),
        _ => common::unhandled(),
    }
}
