//! `event.emit_event` (FIP-0049): validate what the actor hands over, charge, and keep it.
//! fvm_sdk 3 hands over a CBOR event; fvm_sdk 4 packed entry headers, keys and values
//! (FIP-0072), which can be priced before anything is parsed.
use fvm_ipld_encoding::{CBOR, IPLD_RAW};
use fvm_shared::error::ErrorNumber;
use fvm_shared::event::{ActorEvent, Entry, Flags, StampedEvent};

use super::Kernel;
use crate::error::{syscall_err, Result};
use crate::trace::TraceEvent;

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
        let entries = event.entries.len();
        self.cm
            .gas
            .record(|| TraceEvent::Event { emitter, entries });
        self.cm.events.push(StampedEvent::new(emitter, event));
        Ok(())
    }
}

/// Most entries a packed event may have.
const MAX_PACKED_ENTRIES: usize = 255;
/// Longest key of a packed event.
const MAX_PACKED_KEY_LEN: u32 = 31;

/// One packed entry header (fvm_sdk 4): 24 bytes, little-endian, in this order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct EntryHeader {
    /// Indexing flags.
    pub flags: u64,
    /// The value's codec.
    pub codec: u64,
    /// Bytes of the key, in the keys buffer.
    pub key_len: u32,
    /// Bytes of the value, in the values buffer.
    pub val_len: u32,
}

impl EntryHeader {
    /// Size of a header in memory.
    pub const SIZE: usize = 24;

    /// The header held in `b`.
    pub fn from_bytes(b: &[u8; Self::SIZE]) -> Self {
        let u64_at = |i: usize| {
            u64::from_le_bytes([
                b[i],
                b[i + 1],
                b[i + 2],
                b[i + 3],
                b[i + 4],
                b[i + 5],
                b[i + 6],
                b[i + 7],
            ])
        };
        let u32_at = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
        EntryHeader {
            flags: u64_at(0),
            codec: u64_at(8),
            key_len: u32_at(16),
            val_len: u32_at(20),
        }
    }
}

impl Kernel {
    /// Emits an event given as packed entry headers, their keys (one UTF-8 buffer) and their
    /// values, checked in the reference's order once charged.
    pub fn emit_packed_event(
        &mut self,
        headers: &[EntryHeader],
        keys: &[u8],
        values: &[u8],
    ) -> Result<()> {
        self.check_writable("emit events")?;
        let pl = self.cm.machine.rules.prices;
        if let Some(charge) = pl.on_actor_event(headers.len(), keys.len(), values.len()) {
            self.charge(charge)?;
        }
        let illegal = |m: String| syscall_err(ErrorNumber::IllegalArgument, m);
        let limit = |m: String| syscall_err(ErrorNumber::LimitExceeded, m);
        if headers.len() > MAX_PACKED_ENTRIES {
            return Err(limit(format!(
                "event exceeded max entries: {} > {MAX_PACKED_ENTRIES}",
                headers.len()
            )));
        }
        if values.len() > MAX_VALUES {
            return Err(limit(format!(
                "total event value lengths exceeded the max size: {} > {MAX_VALUES}",
                values.len()
            )));
        }
        let keys =
            std::str::from_utf8(keys).map_err(|e| illegal(format!("invalid event key: {e}")))?;
        let (mut key_at, mut val_at) = (0usize, 0usize);
        let mut entries = Vec::with_capacity(headers.len());
        for h in headers {
            let flags = Flags::from_bits(h.flags)
                .ok_or_else(|| illegal(format!("event flags are invalid: {}", h.flags)))?;
            if h.key_len > MAX_PACKED_KEY_LEN {
                return Err(limit(format!(
                    "event key exceeded max size: {} > {MAX_PACKED_KEY_LEN}",
                    h.key_len
                )));
            }
            if h.val_len as usize > MAX_VALUES {
                return Err(illegal("event entry value out of range".into()));
            }
            let key_end = key_at + h.key_len as usize;
            let val_end = val_at + h.val_len as usize;
            let key = keys
                .get(key_at..key_end)
                .ok_or_else(|| illegal("event entry key out of range".into()))?;
            let value = values
                .get(val_at..val_end)
                .ok_or_else(|| illegal("event entry value out of range".into()))?;
            if h.codec != IPLD_RAW && h.codec != CBOR {
                return Err(syscall_err(
                    ErrorNumber::IllegalCodec,
                    format!("event codec must be IPLD_RAW or CBOR, was: {}", h.codec),
                ));
            }
            entries.push(Entry {
                flags,
                key: key.to_owned(),
                codec: h.codec,
                value: value.to_vec(),
            });
            (key_at, val_at) = (key_end, val_end);
        }
        if key_at != keys.len() {
            return Err(illegal(format!(
                "event key buffer length is too large: {key_at} < {}",
                keys.len()
            )));
        }
        if val_at != values.len() {
            return Err(illegal(format!(
                "event value buffer length is too large: {val_at} < {}",
                values.len()
            )));
        }
        let emitter = self.receiver;
        let count = entries.len();
        self.cm.gas.record(|| TraceEvent::Event {
            emitter,
            entries: count,
        });
        self.cm
            .events
            .push(StampedEvent::new(emitter, ActorEvent::from(entries)));
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
