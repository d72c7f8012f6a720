//! Skyr's system actor (f00): keeps the builtin-actors v9 state layout, a 1-tuple naming the
//! bundle manifest's data CID, which is how a state tree names the code it runs.
use cid::Cid;
use fvm_shared::METHOD_CONSTRUCTOR;
use serde_tuple::{Deserialize_tuple, Serialize_tuple};
use skyr_actors_common as common;

/// The v9 system actor state.
#[derive(Serialize_tuple, Deserialize_tuple)]
pub struct State {
    pub builtin_actors: Cid,
}

#[no_mangle]
pub extern "C" fn invoke(_params: u32) -> u32 {
    match fvm_sdk::message::method_number() {
        METHOD_CONSTRUCTOR => {
            common::require_caller(0);
            // v9 starts with an empty list and the migration fills it in.
            let empty: Vec<()> = Vec::new();
            let c = common::put(&empty);
            common::save_state(&State { builtin_actors: c });
            0
        }
        _ => common::unhandled(),
    }
}
