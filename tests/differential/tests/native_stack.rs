//! Nested sends re-enter WASM on the same thread; Skyr grows the native stack onto the heap
//! as needed, so even the deepest legal nesting, with deep WASM recursion at every level,
//! runs on a small host thread instead of overflowing it.
use skyr_differential::{genesis, run, table};

fn run_on_small_thread(name: &'static str) -> u32 {
    let t = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || {
            let engine = skyr::Engine::new().expect("engine");
            let s = table::all()
                .into_iter()
                .find(|s| s.name == name)
                .expect("the scenario exists");
            let g = genesis::build(None).expect("genesis");
            run::run_skyr(&engine, &s, g.store, g.root).expect("runs")[0].exit_code
        })
        .expect("spawn");
    t.join().expect("no stack overflow")
}

#[test]
fn the_deepest_legal_nesting_runs_on_a_2_mib_thread() {
    assert_eq!(
        run_on_small_thread("limits: nested sends to self, depth 1100"),
        0
    );
    assert_eq!(
        run_on_small_thread(
            "limits: nested sends to the depth limit, each level deep in recursion"
        ),
        0
    );
}
