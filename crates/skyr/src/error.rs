//! How a syscall or an invocation fails.
//!
//! Three kinds, because the machine treats them three ways: a syscall error goes back to the
//! actor as an error number it can handle; running out of gas ends the whole message; a
//! fatal error means the machine itself is broken (or its inputs are) and also ends it.
use fvm_shared::error::ErrorNumber;

/// A failure an actor sees as an error number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SyscallError {
    /// What went wrong, for backtraces and logs.
    pub message: String,
    /// The number the actor receives.
    pub number: ErrorNumber,
}

/// Any failure inside the machine.
#[derive(Debug, thiserror::Error)]
pub enum ExecError {
    /// Returned to the actor as an error number.
    #[error("syscall error {}: {}", .0.number as u32, .0.message)]
    Syscall(SyscallError),
    /// The message ran out of gas.
    #[error("out of gas")]
    OutOfGas,
    /// The machine cannot go on with this message.
    #[error("fatal: {0:#}")]
    Fatal(anyhow::Error),
}

/// Result of machine operations.
pub type Result<T> = std::result::Result<T, ExecError>;

/// Builds a syscall error.
pub fn syscall_err(number: ErrorNumber, message: impl Into<String>) -> ExecError {
    ExecError::Syscall(SyscallError {
        message: message.into(),
        number,
    })
}

/// Builds a fatal error.
pub fn fatal(message: impl std::fmt::Display) -> ExecError {
    ExecError::Fatal(anyhow::anyhow!("{message}"))
}

/// Lifts other errors into the machine's kinds.
pub trait OrErr<T> {
    /// Any failure becomes this error number.
    fn or_errno(self, n: ErrorNumber) -> Result<T>;
    /// Any failure is fatal.
    fn or_fatal(self) -> Result<T>;
}

impl<T, E: std::fmt::Display> OrErr<T> for std::result::Result<T, E> {
    fn or_errno(self, n: ErrorNumber) -> Result<T> {
        self.map_err(|e| syscall_err(n, e.to_string()))
    }
    fn or_fatal(self) -> Result<T> {
        self.map_err(|e| ExecError::Fatal(anyhow::anyhow!("{e}")))
    }
}

impl From<anyhow::Error> for ExecError {
    fn from(e: anyhow::Error) -> Self {
        ExecError::Fatal(e)
    }
}

/// Runs `f`, a panic in it becoming a fatal error that says what was running and what the
/// panic said. The machine's own bugs and its embedder's (a blockstore, externs or a verifier
/// that panics) must end one message, not the process: the call manager passes through
/// nested sends by value, so a panic unwinding past one would lose the machine.
pub fn catch_panic<T>(what: &str, f: impl FnOnce() -> Result<T>) -> Result<T> {
    on_panic(f, |said| fatal(format!("panic while {what}: {said}")))
}

/// Runs `f`; a panic in it becomes the error `error` makes of what the panic said. The one
/// way every layer (call manager, engine, executor) turns a panic into its own error kind.
pub fn on_panic<T, E>(
    f: impl FnOnce() -> std::result::Result<T, E>,
    error: impl FnOnce(&str) -> E,
) -> std::result::Result<T, E> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|payload| Err(error(panic_text(&*payload))))
}

/// What a caught panic said, when it said it as text.
pub fn panic_text(payload: &(dyn std::any::Any + Send)) -> &str {
    if let Some(s) = payload.downcast_ref::<&str>() {
        s
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s
    } else {
        "(no message)"
    }
}
