//! `event.emit_event` (FIP-0049): validate what the actor hands over, charge, and keep it.
use fvm_ipld_encoding::IPLD_RAW;
use fvm_shared::error::ErrorNumber;
use fvm_shared::event::{ActorEvent, StampedEvent};

use super::Kernel;
use crate::error::{syscall_err, Result};

/// Largest encoded event accepted.
const MAX_ENCODED_SIZE: usize = 1 << 20;
/// Most entries an event may have.
const MAX_ENTRIES: usize = 256;
/// Most bytes all of an event's values may have together.
const MAX_VALUES: usize = 8 << 10;
/// Longest key.
const MAX_KEY_LEN: usize = 32;

impl Kernel {
    /// Emits the DAG-CBOR encoded event `raw` from this actor.
    pub fn emit_event(&mut self, raw: &[u8]) -> Result<()> {
        self.check_writable("emit events")?;
        let pl = self.cm.machine.rules.prices;
        self.charge(pl.on_actor_event_validate(raw.len()))?;
        let illegal = |m: String| syscall_err(ErrorNumber::IllegalArgument, m);
        if raw.len() > MAX_ENCODED_SIZE {
            return Err(illegal("event WAY too large".into()));
        }
        let event: ActorEvent =
            match std::panic::catch_unwind(|| fvm_ipld_encoding::from_slice::<ActorEvent>(raw)) {
                Ok(Ok(e)) => e,
                Ok(Err(e)) => return Err(illegal(e.to_string())),
                Err(_) => return Err(illegal("panic when decoding event cbor from actor".into())),
            };
        validate(&event)?;
        self.charge(pl.on_actor_event_accept(&event, raw.len()))?;
        let emitter = self.receiver;
        self.cm.events.push(StampedEvent::new(emitter, event));
        Ok(())
    }
}

/// The limits of FIP-0049, checked in the reference's order.
fn validate(event: &ActorEvent) -> Result<()> {
    let illegal = |m: String| syscall_err(ErrorNumber::IllegalArgument, m);
    if event.entries.len() > MAX_ENTRIES {
        return Err(illegal(format!(
            "event exceeded max entries: {} > {MAX_ENTRIES}",
            event.entries.len()
        )));
    }
    let mut values = 0usize;
    for entry in &event.entries {
        if entry.key.len() > MAX_KEY_LEN {
            return Err(illegal(format!(
                "event key exceeded max size: {} > {MAX_KEY_LEN}",
                entry.key.len()
            )));
        }
        if entry.codec != IPLD_RAW {
            return Err(syscall_err(
                ErrorNumber::IllegalCodec,
                format!("event codec must be IPLD_RAW, was: {}", entry.codec),
            ));
        }
        values = values.saturating_add(entry.value.len());
    }
    if values > MAX_VALUES {
        return Err(illegal(format!(
            "event total values exceeded max size: {values} > {MAX_VALUES}"
        )));
    }
    Ok(())
}
