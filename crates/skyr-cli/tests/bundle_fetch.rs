//! `skyr bundle fetch` against a local HTTP mirror of `../shared/bundles` (`--from`): the
//! official v18 is downloaded, checked against the manifest CID compiled into Skyr and cached,
//! and `skyr devnet` then starts without `--bundles`. A mirror serving the wrong bundle, a
//! missing file and an unknown version are refused by name, and nothing is cached; with no
//! cached bundle the devnet says how to fetch one. Needs `../shared/bundles`; says SKIPPED
//! loudly without it.
mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

/// Serves `root/PATH` for `GET /PATH` (and `swap` in place of `from` if given), 404 otherwise.
fn mirror(root: PathBuf, swap: Option<(&'static str, &'static str)>) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
    let url = format!("http://{}", listener.local_addr().expect("addr"));
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut s) = stream else { continue };
            let mut line = String::new();
            let mut r = BufReader::new(s.try_clone().expect("clone"));
            if r.read_line(&mut line).is_err() {
                continue;
            }
            // Drain the headers.
            loop {
                let mut h = String::new();
                if r.read_line(&mut h).map(|n| n <= 2).unwrap_or(true) {
                    break;
                }
            }
            let mut path = line.split_whitespace().nth(1).unwrap_or("/").to_string();
            if let Some((from, to)) = swap {
                path = path.replace(from, to);
            }
            let file = root.join(path.trim_start_matches('/'));
            match std::fs::read(&file) {
                Ok(body) => {
                    let _ = write!(
                        s,
                        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = s.write_all(&body);
                }
                Err(_) => {
                    let _ = write!(
                        s,
                        "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                    );
                }
            }
        }
    });
    url
}

fn cached(cache: &Path) -> PathBuf {
    cache.join("bundles/v18/builtin-actors-mainnet.car")
}

#[test]
fn bundles_are_fetched_checked_and_used() {
    let bundles = common::root().join("../shared/bundles");
    if !bundles.join("v18/builtin-actors-mainnet.car").is_file() {
        eprintln!(
            "!! SKIPPED: no bundles in {}; the bundle fetch test did not run",
            bundles.display()
        );
        return;
    }
    let fresh = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("fetch-test-cache");
    let _ = std::fs::remove_dir_all(&fresh);
    let in_fresh = |args: &[&str]| {
        common::finished(
            common::command(args)
                .env("SKYR_CACHE_DIR", &fresh)
                .output()
                .expect("runs"),
        )
    };

    // No cached bundle: the devnet says what to do.
    let (code, _, err) = in_fresh(&["devnet", "--port", "0"]);
    assert_ne!(code, 0);
    assert!(err.contains("skyr bundle fetch v18"), "{err}");

    // Refusals cache nothing.
    let wrong = mirror(bundles.clone(), Some(("/v18/", "/v17/")));
    let (code, _, err) = in_fresh(&["bundle", "fetch", "v18", "--from", &wrong]);
    assert_ne!(code, 0);
    assert!(
        err.contains("is not the official v18") && err.contains("manifest"),
        "{err}"
    );
    let empty = mirror(PathBuf::from("/nonexistent"), None);
    let (code, _, err) = in_fresh(&["bundle", "fetch", "v18", "--from", &empty]);
    assert_ne!(code, 0);
    assert!(err.contains("404"), "{err}");
    let (code, _, err) = in_fresh(&["bundle", "fetch", "v99"]);
    assert_ne!(code, 0);
    assert!(err.contains("no official bundle v99"), "{err}");
    assert!(!cached(&fresh).exists(), "nothing was cached");

    // The real one, through the mirror variable this time.
    let good = mirror(bundles.clone(), None);
    let out = common::command(&["bundle", "fetch", "v18"])
        .env("SKYR_CACHE_DIR", &fresh)
        .env("SKYR_BUNDLE_MIRROR", &good)
        .output()
        .expect("runs");
    let (code, stdout, err) = common::finished(out);
    assert_eq!(code, 0, "{err}");
    assert!(
        stdout.contains("bafy2bzacedxsqapxwj5znwy4leem5gsuenhhfyqcntews3yis5iek67thy6lc"),
        "{stdout}"
    );
    let mut a = Vec::new();
    std::fs::File::open(cached(&fresh))
        .expect("cached")
        .read_to_end(&mut a)
        .expect("reads");
    assert_eq!(
        a,
        std::fs::read(bundles.join("v18/builtin-actors-mainnet.car")).expect("reads")
    );
    let (code, stdout, _) = in_fresh(&["bundle", "fetch", "v18"]);
    assert_eq!(code, 0);
    assert!(stdout.contains("is cached"), "{stdout}");

    // The devnet starts on the cached bundle, without --bundles (in the shared test cache,
    // whose compiled modules are warm).
    let shared = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("skyr-cli-cache");
    std::fs::create_dir_all(cached(&shared).parent().expect("a folder")).expect("a folder");
    std::fs::copy(cached(&fresh), cached(&shared)).expect("copied");
    let mut child = common::command(&["devnet", "--port", "0", "--quiet"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("starts");
    let out = child.stdout.take().expect("stdout");
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(out).lines().map_while(Result::ok) {
            let _ = tx.send(line);
        }
    });
    let mut banner = String::new();
    let started = loop {
        match rx.recv_timeout(Duration::from_secs(300)) {
            Ok(l) => {
                banner.push_str(&l);
                banner.push('\n');
                if l.starts_with("Listening on") {
                    break true;
                }
            }
            Err(_) => break false,
        }
    };
    let _ = child.kill();
    let _ = child.wait();
    assert!(started, "{banner}");
    assert!(
        banner.contains("bundles/v18/builtin-actors-mainnet.car"),
        "{banner}"
    );
    let _ = std::fs::remove_dir_all(&fresh);
}
