//! Skyr's account actor: the v9 state layout (the key address) and methods 1 (constructor,
//! only from the system actor), 2 (pubkey address) and 3 (authenticate a signature).
use fvm_ipld_encoding::strict_bytes;
use fvm_shared::address::{Address, Protocol};
use fvm_shared::crypto::signature::Signature;
use fvm_shared::error::ExitCode;
use serde_tuple::{Deserialize_tuple, Serialize_tuple};
use skyr_actors_common as common;

/// The v9 account actor state.
#[derive(Serialize_tuple, Deserialize_tuple)]
pub struct State {
    pub address: Address,
}

/// Parameters of AuthenticateMessage (method 3).
#[derive(Serialize_tuple, Deserialize_tuple)]
pub struct AuthenticateMessageParams {
    #[serde(with = "strict_bytes")]
    pub signature: Vec<u8>,
    #[serde(with = "strict_bytes")]
    pub message: Vec<u8>,
}

/// frc42 method number of UniversalReceiverHook, accepted and ignored as in v9.
const UNIVERSAL_RECEIVER_HOOK: u64 = 3726118371;

#[no_mangle]
pub extern "C" fn invoke(params: u32) -> u32 {
    match fvm_sdk::message::method_number() {
        1 => {
            common::require_caller(0);
            let address: Address = common::params(params);
            match address.protocol() {
                Protocol::Secp256k1 | Protocol::BLS => {}
                _ => common::abort(ExitCode::USR_ILLEGAL_ARGUMENT, "address must be a key address"),
            }
            common::save_state(&State { address });
            0
        }
        2 => {
            let st: State = common::load_state();
            common::ret(&st.address)
        }
        3 => {
            let p: AuthenticateMessageParams = common::params(params);
            let st: State = common::load_state();
            let sig = match st.address.protocol() {
                Protocol::Secp256k1 => Signature::new_secp256k1(p.signature),
                _ => Signature::new_bls(p.signature),
            };
            match fvm_sdk::crypto::verify_signature(&sig, &st.address, &p.message) {
                Ok(true) => 0,
                _ => common::abort(ExitCode::USR_ILLEGAL_ARGUMENT, "signature invalid"),
            }
        }
        UNIVERSAL_RECEIVER_HOOK => 0,
        _ => common::unhandled(),
    }
}
