//! A stand-in for the built-in actors Skyr does not implement itself (cron, power, miner,
//! market, ...): every method answers USR_UNHANDLED_MESSAGE, as a real actor does for a
//! method it lacks. The bundle builder gives each name its own copy (a custom section with
//! the name), so every name has a distinct code CID.
use skyr_actors_common as common;

#[no_mangle]
pub extern "C" fn invoke(_params: u32) -> u32 {
    common::unhandled()
}
