//! What an instance may grow to. Two accounts, kept apart: the rules' limits (nv18–28: one
//! instance's memory, and memory plus tables of the whole call stack), which are consensus
//! and refuse a growth as the references do; and the host's budget of a call stack, which
//! is not consensus but keeps the process alive: passing it fails the message fatally.
use super::InvocationData;

/// The error a growth past the host's budget fails with: fatal for the message wherever it
/// happens (a growth, an instantiation, a start function).
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct HostBudgetSpent(String);

/// The most a 32-bit memory can hold: 65,536 pages of 64 KiB.
const MEMORY32_BYTES: usize = 1 << 32;

/// Bytes a table element counts for, in both accounts (fvm 3 and 4 count 8).
const TABLE_ELEMENT_BYTES: usize = 8;

impl wasmtime::ResourceLimiter for InvocationData {
    fn memory_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> anyhow::Result<bool> {
        // Past the declared maximum wasmtime refuses it anyway, in every version: refused
        // here before either account counts it (memory.grow returns -1).
        if maximum.is_some_and(|m| desired > m) {
            return Ok(false);
        }
        let bytes = desired.saturating_sub(current);
        let allowed = match self.kernel.cm.machine.rules.memory_limits {
            // Past 4 GiB too, where the rules set no limit of their own.
            None => desired <= MEMORY32_BYTES,
            Some(limits) if desired > limits.instance => {
                // Refused, but counted first, as the references' limiters do.
                self.grow(limits.call_stack, bytes);
                false
            }
            Some(limits) => self.grow(limits.call_stack, bytes),
        };
        if allowed {
            self.hold_on_host(bytes, "memory")?;
        }
        Ok(allowed)
    }

    fn table_growing(
        &mut self,
        current: usize,
        desired: usize,
        maximum: Option<usize>,
    ) -> anyhow::Result<bool> {
        let limits = self.kernel.cm.machine.rules.memory_limits;
        // Where the rules limit tables, the references' allocator has room for no more
        // elements: that is the table's maximum as their limiter sees it.
        let maximum = match limits {
            Some(l) => Some(maximum.map_or(l.table_elements, |m| m.min(l.table_elements))),
            None => maximum,
        };
        if maximum.is_some_and(|m| desired > m) {
            return Ok(false);
        }
        let bytes = desired
            .saturating_sub(current)
            .saturating_mul(TABLE_ELEMENT_BYTES);
        let allowed = match limits {
            None => true,
            Some(limits) => self.grow(limits.call_stack, bytes),
        };
        if allowed {
            self.hold_on_host(bytes, "tables")?;
        }
        Ok(allowed)
    }
}

impl InvocationData {
    /// Adds `bytes` to the call stack's memory unless that passes `limit` (the rules').
    fn grow(&mut self, limit: usize, bytes: usize) -> bool {
        let cm = &mut self.kernel.cm;
        let total = cm.memory_used.saturating_add(bytes);
        if total > limit {
            return false;
        }
        cm.memory_used = total;
        true
    }

    /// Adds `bytes` to what the call stack holds on the host; past the budget, the error
    /// that ends the message (wasmtime hands it back from the growth, and the engine makes
    /// every error that is not a trap fatal).
    fn hold_on_host(&mut self, bytes: usize, what: &str) -> anyhow::Result<()> {
        let cm = &mut self.kernel.cm;
        let total = cm.host_memory_used.saturating_add(bytes);
        if total > self.host_memory_budget {
            return Err(HostBudgetSpent(format!(
                "the host's memory budget is spent: growing {what} by {bytes} bytes would \
                 make the call stack hold {total} bytes, past the {} the engine allows a \
                 message (EngineOptions::host_memory_budget)",
                self.host_memory_budget
            ))
            .into());
        }
        cm.host_memory_used = total;
        Ok(())
    }
}
