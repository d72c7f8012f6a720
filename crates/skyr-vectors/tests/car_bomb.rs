//! A gzip bomb in a vector: 2 GiB of zeros, a few MB gzipped. Read as it inflates, it is
//! refused at its first bytes (zeros are no CAR header), with the process's peak memory
//! barely moved, where inflating it whole first once held a gigabyte. Alone in its binary so
//! that the peak measured is this test's.
use base64::Engine as _;
use flate2::{Compress, Compression, FlushCompress};
use skyr::Engine;
use skyr_vectors::{run_text, BundleSet, Status};

/// 2 GiB of zeros as a gzip stream (no trailer: nothing should read that far). Made from one
/// compressed MiB: a full flush byte-aligns the output and forgets the window, so the same
/// bytes inflate to the next MiB of zeros.
fn gzip_of_zeros(gib: u64) -> Vec<u8> {
    let chunk = vec![0u8; 1 << 20];
    let mut c = Compress::new(Compression::best(), false);
    let mut once = Vec::with_capacity(64 << 10);
    c.compress_vec(&chunk, &mut once, FlushCompress::Full)
        .expect("deflate");
    assert_eq!(c.total_in(), 1 << 20, "one MiB compressed in one call");
    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    for _ in 0..(gib << 10) {
        out.extend_from_slice(&once);
    }
    out
}

/// The process's peak resident memory in bytes (VmHWM); `None` off Linux.
fn peak() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/self/status").ok()?;
    let kb = s.lines().find_map(|l| l.strip_prefix("VmHWM:"))?;
    kb.trim()
        .trim_end_matches("kB")
        .trim()
        .parse::<u64>()
        .ok()
        .map(|k| k << 10)
}

#[test]
fn a_two_gib_bomb_is_refused_at_its_first_bytes_in_bounded_memory() {
    let gz = gzip_of_zeros(2);
    // It is what it claims: the first MiBs inflate to zeros.
    let mut head = vec![0u8; 3 << 20];
    std::io::Read::read_exact(&mut flate2::read::GzDecoder::new(gz.as_slice()), &mut head)
        .expect("inflates");
    assert!(head.iter().all(|&b| b == 0));
    println!("the bomb: {} bytes gzipped, 2 GiB inflated", gz.len());
    let root = "bafy2bzacea3wsdh6y3a36tb3skempjoxqpuyompjbmfeyf34fi3uy6uue42v4";
    let car = base64::engine::general_purpose::STANDARD.encode(&gz);
    let text = format!(
        r#"{{"class":"message","car":"{car}","preconditions":{{"state_tree":{{"root_cid":{{"/":"{root}"}}}},"variants":[{{"id":"a","epoch":1,"nv":17}}]}},"apply_messages":[],"postconditions":{{"state_tree":{{"root_cid":{{"/":"{root}"}}}},"receipts":[]}}}}"#
    );
    drop((gz, head, car));
    let engine = Engine::new().expect("engine");
    let before = peak();
    let r = run_text("bomb", &text, &BundleSet::default(), &engine);
    let after = peak();
    assert_eq!(r.status, Status::Error, "{:?}", r.reason);
    let reason = r.reason.unwrap_or_default();
    assert!(reason.contains("car: not a CARv1"), "{reason}");
    match (before, after) {
        (Some(b), Some(a)) => {
            let grew = a.saturating_sub(b);
            println!(
                "peak memory: {} MB before the vector, {} MB after (+{} MB)",
                b >> 20,
                a >> 20,
                grew >> 20
            );
            assert!(grew < 64 << 20, "the bomb raised the peak by {grew} bytes");
        }
        _ => println!("!! SKIPPED the memory check: no /proc/self/status here"),
    }
}
