//! Nested sends re-enter WASM on the same thread; Skyr grows the native stack onto the heap
//! as needed, so even the deepest legal nesting, with deep WASM recursion at every level,
//! runs on a small host thread instead of overflowing it.
use skyr_differential::{genesis_skyr, run_nv16_17, table_nv16_17};

fn run_on_small_thread(name: &'static str, tier: skyr::Tier) -> u32 {
    outcome_on_small_thread(name, tier).0
}

/// The exit code and gas of the scenario's first message, run in `tier` on a 2 MiB thread.
fn outcome_on_small_thread(name: &'static str, tier: skyr::Tier) -> (u32, i64) {
    let t = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let engine = skyr::Engine::with_options(skyr::EngineOptions {
                tier,
                ..Default::default()
            })
            .expect("engine");
            let s = table_nv16_17::all()
                .into_iter()
                .find(|s| s.name == name)
                .expect("the scenario exists");
            let g = genesis_skyr::build(None).expect("genesis");
            let o = &run_nv16_17::run_skyr(&engine, &s, g.store, g.root).expect("runs")[0];
            (o.exit_code, o.gas_used)
        })
        .expect("spawn");
    t.join().expect("no stack overflow")
}

/// In every compilation tier: optimised code lays out other native frames, yet the
/// instrumented limits, not the native stack, end the deepest runs.
#[test]
fn the_deepest_legal_nesting_runs_on_a_2_mib_thread() {
    for tier in [skyr::Tier::Fast, skyr::Tier::Optimized] {
        assert_eq!(
            run_on_small_thread("limits: nested sends to self, depth 1100", tier),
            0,
            "{tier:?}"
        );
        assert_eq!(
            run_on_small_thread(
                "limits: nested sends to the depth limit, each level deep in recursion",
                tier
            ),
            0,
            "{tier:?}"
        );
    }
}

/// Recursion past the instrumented stack limit stops at that limit in both tiers: the same
/// exit and the same gas (a native overflow first would stop at another depth, after other
/// gas), on a thread as small as the above.
#[test]
fn deep_recursion_stops_at_the_instrumented_limit_in_every_tier() {
    let fast = outcome_on_small_thread("limits: recurse 100000", skyr::Tier::Fast);
    let optimized = outcome_on_small_thread("limits: recurse 100000", skyr::Tier::Optimized);
    assert_ne!(fast.0, 0, "the recursion must be stopped");
    assert_eq!(fast, optimized);
}
