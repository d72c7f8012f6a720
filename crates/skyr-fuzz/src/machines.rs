//! Both machines, kept on one worker thread for the whole fuzzing run: the engines (so the
//! bundles compile once), the official bundles of nv18–28 when `../shared` has them, and the
//! real mainnet states. The thread has the 512 MiB stack the reference's deep call chains
//! need; a target hands it a job and waits for the answer.
use std::sync::mpsc::{channel, Sender};
use std::sync::{Mutex, OnceLock};

use skyr_differential::mainnet::RealState;
use skyr_differential::run_nv16_17::Engines;
use skyr_differential::run_nv18_28::{Bundles, OfficialEngines};

/// Jobs between fresh engines: each engine keeps every module it compiled, and the module
/// targets compile a new one per input, so they are dropped now and then to bound memory
/// (about an hour of fuzzing; building them again compiles every bundle, a minute or two).
const JOBS_PER_ENGINE: u32 = 4096;

/// What the targets run on.
pub struct Machines {
    /// nv16–17: Skyr and fvm 2.
    pub engines: Engines,
    /// nv18–28: Skyr, fvm 3 and fvm 4.
    pub engines3: OfficialEngines,
    /// The official bundles of nv18–28, or `None` without `../shared`.
    pub bundles: Option<Bundles>,
    /// The real nv17 mainnet states in `tests/mainnet`.
    pub mainnet: Vec<RealState>,
    /// The network versions the differential targets run (see [`Machines::versions`]).
    versions: Vec<u32>,
}

/// The environment variable that narrows the network versions a fuzzing run covers.
pub const VERSIONS_VAR: &str = "SKYR_FUZZ_NV";

/// The versions `spec` names ("21", "18-20", "16,21-28"), each within `available`; an
/// error says what in `spec` is wrong.
pub fn parse_versions(
    spec: &str,
    available: &std::ops::RangeInclusive<u32>,
) -> Result<Vec<u32>, String> {
    let mut out = Vec::new();
    for part in spec.split(',').map(str::trim) {
        let number = |t: &str| {
            t.trim()
                .parse::<u32>()
                .map_err(|_| format!("{VERSIONS_VAR}={spec}: `{t}` is not a network version"))
        };
        let (lo, hi) = match part.split_once('-') {
            Some((a, b)) => (number(a)?, number(b)?),
            None => (number(part)?, number(part)?),
        };
        if lo > hi || !available.contains(&lo) || !available.contains(&hi) {
            return Err(format!(
                "{VERSIONS_VAR}={spec}: `{part}` is not within the versions this machine can \
                 run here ({}-{})",
                available.start(),
                available.end()
            ));
        }
        out.extend(lo..=hi);
    }
    out.sort_unstable();
    out.dedup();
    Ok(out)
}

impl Machines {
    fn new() -> Result<Machines, String> {
        let fresh = |e: anyhow::Error| format!("the machines do not start: {e:#}");
        let bundles = Bundles::load_for(18..=28);
        let available = if bundles.is_some() { 16..=28 } else { 16..=17 };
        let versions = match std::env::var(VERSIONS_VAR) {
            Ok(spec) => parse_versions(&spec, &available)?,
            Err(_) => available.collect(),
        };
        Ok(Machines {
            engines: Engines::new().map_err(fresh)?,
            engines3: OfficialEngines::new().map_err(fresh)?,
            bundles,
            mainnet: skyr_differential::mainnet::load_all().map_err(fresh)?,
            versions,
        })
    }

    /// The network versions the differential targets run here: nv16–28 with the official
    /// bundles in `../shared`, nv16–17 without; `SKYR_FUZZ_NV` ("21", "18-20", "16,21-28")
    /// narrows them, so a short run does not spend its time compiling every version's bundle
    /// on both machines. Never empty.
    pub fn versions(&self) -> &[u32] {
        &self.versions
    }
}

type Job = Box<dyn FnOnce(&Machines) + Send>;

fn worker() -> &'static Mutex<Sender<Job>> {
    static WORKER: OnceLock<Mutex<Sender<Job>>> = OnceLock::new();
    WORKER.get_or_init(|| {
        let (tx, rx) = channel::<Job>();
        let spawned = std::thread::Builder::new()
            .name("skyr-fuzz machines".into())
            .stack_size(512 << 20)
            .spawn(move || {
                let mut machines = None;
                let mut jobs = 0u32;
                for job in rx {
                    if jobs.is_multiple_of(JOBS_PER_ENGINE) {
                        drop(machines.take());
                        machines = Some(Machines::new());
                    }
                    jobs = jobs.wrapping_add(1);
                    match &machines {
                        Some(Ok(m)) => job(m),
                        Some(Err(e)) => panic!("{e}"),
                        None => unreachable!("set above"),
                    }
                }
            });
        if let Err(e) = spawned {
            panic!("cannot start the machines' thread: {e}");
        }
        Mutex::new(tx)
    })
}

/// Runs `f` on the machines' thread and returns what it returns. A panic in `f` is raised
/// again here, with its message, so the fuzzer (or the test) sees it as this input's.
pub fn on_machines<T: Send + 'static>(f: impl FnOnce(&Machines) -> T + Send + 'static) -> T {
    let (tx, rx) = channel::<Result<T, String>>();
    let job: Job = Box::new(move |m| {
        let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(m)))
            .map_err(|p| skyr::error::panic_text(&*p).to_string());
        let _ = tx.send(out);
    });
    let sent = worker()
        .lock()
        .map(|w| w.send(job).is_ok())
        .unwrap_or(false);
    if !sent {
        panic!("the machines' thread is gone (an earlier input killed it)");
    }
    match rx.recv() {
        Ok(Ok(out)) => out,
        Ok(Err(why)) => panic!("{why}"),
        Err(_) => panic!("the machines' thread died on this input"),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_versions;

    #[test]
    fn a_versions_spec_names_versions_and_ranges_and_bad_ones_say_why() {
        let all = 16..=28;
        assert_eq!(parse_versions("21", &all), Ok(vec![21]));
        assert_eq!(parse_versions("18-20", &all), Ok(vec![18, 19, 20]));
        assert_eq!(parse_versions("21-22, 16,21", &all), Ok(vec![16, 21, 22]));
        let err = |s| parse_versions(s, &(16..=17)).unwrap_err();
        assert!(err("x").contains("`x` is not a network version"));
        assert!(
            err("21").contains("`21` is not within the versions this machine can run here (16-17)")
        );
        assert!(err("17-16").contains("`17-16`"));
        assert!(err("").contains("is not a network version"));
    }
}
