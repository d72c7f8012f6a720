//! Panics inside Skyr, even contained ones. Skyr turns a panic in its machine into a fatal
//! error for that message (so a node survives it), which would hide the bug from a fuzzer: a
//! panic hook counts every panic raised in Skyr's own sources, and [`guarded`] fails the
//! input that raised one. Panics elsewhere (the reference, wasmtime) are printed and left
//! to the properties.
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, Once};

static SKYR_PANICS: AtomicU64 = AtomicU64::new(0);
static LAST: Mutex<String> = Mutex::new(String::new());
static HOOK: Once = Once::new();

/// Whether a panic raised at `file` is Skyr's (the machine's, the vector tools', the chain's
/// or the devnet's).
fn is_skyr(file: &str) -> bool {
    let file = file.replace('\\', "/");
    [
        "crates/skyr/src/",
        "crates/skyr-vectors/src/",
        "crates/skyr-chain/src/",
        "crates/skyr-devnet/src/",
    ]
    .iter()
    .any(|p| file.contains(p))
}

/// Installs the hook (once; it replaces any earlier one, libFuzzer's abort-on-any-panic
/// among them, since panics the reference catches itself are not findings).
pub fn install() {
    HOOK.call_once(|| {
        std::panic::set_hook(Box::new(|info| {
            let at = info
                .location()
                .map(|l| format!("{}:{}", l.file(), l.line()))
                .unwrap_or_default();
            let text = skyr::error::panic_text(info.payload());
            if info.location().is_some_and(|l| is_skyr(l.file())) {
                SKYR_PANICS.fetch_add(1, Ordering::SeqCst);
                if let Ok(mut last) = LAST.lock() {
                    *last = format!("{text} at {at}");
                }
            }
            eprintln!("panic at {at}: {text}");
        }));
    });
}

/// Runs `f`; panics if Skyr panicked anywhere while it ran (caught or not).
pub fn guarded<T>(f: impl FnOnce() -> T) -> T {
    install();
    let before = SKYR_PANICS.load(Ordering::SeqCst);
    let out = f();
    if SKYR_PANICS.load(Ordering::SeqCst) != before {
        let last = LAST.lock().map(|l| l.clone()).unwrap_or_default();
        panic!("Skyr panicked on this input (the panic was contained, but is a bug): {last}");
    }
    out
}
