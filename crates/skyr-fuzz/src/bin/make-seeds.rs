//! Writes the fuzz targets' seed corpora (`fuzz/seeds/<target>`), which are committed:
//! small vectors of the committed corpus, their state CARs (plain and gzipped), the actor
//! modules Skyr builds (for the fuzzer to mutate), and fixed random bytes for the targets
//! that read structure from any bytes. `cargo run -p skyr-fuzz --bin make-seeds` makes
//! them again, the same bytes.
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use skyr_vectors::schema::b64;

fn main() -> Result<()> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..");
    let seeds = root.join("fuzz/seeds");
    // Vectors: the smallest of each family of the corpus.
    let mut vectors = Vec::new();
    for family in [
        "messages",
        "init-exec",
        "ipld",
        "syscall",
        "limits",
        "nv18-20",
        "nv21-28",
    ] {
        let dir = root.join("tests/vectors").join(family);
        let mut files: Vec<(u64, PathBuf)> = walk(&dir)?
            .into_iter()
            .filter(|p| p.extension().is_some_and(|x| x == "json"))
            .map(|p| Ok((std::fs::metadata(&p)?.len(), p)))
            .collect::<Result<_>>()?;
        files.sort();
        vectors.extend(files.into_iter().take(2).map(|(_, p)| p));
    }
    for (i, v) in vectors.iter().enumerate() {
        let text = std::fs::read_to_string(v).with_context(|| v.display().to_string())?;
        write(
            &seeds,
            "vector_json",
            &format!("vector-{i:02}.json"),
            text.as_bytes(),
        )?;
        let parsed = skyr_vectors::Vector::from_json(&text)?;
        let gz = b64(&parsed.car, "car")?;
        let car = skyr_vectors::runner::gunzip(&gz, 1 << 30, "car")?;
        if i % 3 == 0 {
            write(&seeds, "car", &format!("state-{i:02}.car"), &car)?;
            write(&seeds, "car", &format!("state-{i:02}.car.gz"), &gz)?;
        }
    }
    // Modules: the actors of Skyr's bundle and its fvm_sdk 3 and 4 test actors.
    let store = fvm_ipld_blockstore::MemoryBlockstore::new();
    let bundle =
        skyr::bundle::load_bundle(&store, include_bytes!("../../../../actors/bundle.car"))?;
    for (name, code) in bundle.manifest.entries() {
        use fvm_ipld_blockstore::Blockstore;
        if let Some(wasm) = store.get(code)? {
            write(&seeds, "wasm_bytes", &format!("{name}.wasm"), &wasm)?;
        }
    }
    use skyr_differential::genesis_official::{TEST_ACTOR, TEST_ACTOR4};
    for (sdk, wasm) in [("3", TEST_ACTOR), ("4", TEST_ACTOR4)] {
        write(&seeds, "wasm_bytes", &format!("test-sdk{sdk}.wasm"), wasm)?;
    }
    // Structured targets: fixed random bytes of a few lengths.
    for target in ["cbor_params", "programs", "modules", "mainnet_messages"] {
        for (i, len) in [64usize, 256, 1024, 4096].iter().enumerate() {
            let bytes = skyr_fuzz::gen::fixed_bytes(target, i as u64, *len);
            write(&seeds, target, &format!("random-{len}"), &bytes)?;
        }
    }
    // The devnet: JSON-RPC requests (mode byte 1), transactions built from bytes (mode 2)
    // and raw bytes as a transaction (mode 0).
    let requests = [
        r#"{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":[]}"#,
        r#"{"jsonrpc":"2.0","id":2,"method":"eth_getBalance","params":["0xf39fd6e51aad88f6f4ce6ab8827279cfffb92266","latest"]}"#,
        r#"{"jsonrpc":"2.0","id":3,"method":"eth_call","params":[{"to":"0x4e59b44847b379578588920ca78fbf26c0b4956c","data":"0x00"},"latest"]}"#,
        r#"{"jsonrpc":"2.0","id":4,"method":"anvil_setStorageAt","params":["0x4e59b44847b379578588920ca78fbf26c0b4956c","0x0","0x0000000000000000000000000000000000000000000000000000000000000001"]}"#,
        r#"{"jsonrpc":"2.0","id":5,"method":"Filecoin.MpoolPush","params":[{"Message":{"To":"f01","From":"f02"},"Signature":{"Type":1,"Data":"AA=="}}]}"#,
        r#"{"jsonrpc":"2.0","id":6,"method":"eth_getLogs","params":[{"fromBlock":"earliest","topics":[null,["0x00"]]}]}"#,
        r#"{"jsonrpc":"2.0","id":7,"method":"evm_snapshot","params":[]}"#,
    ];
    for (i, r) in requests.iter().enumerate() {
        let mut b = vec![1u8];
        b.extend_from_slice(r.as_bytes());
        write(&seeds, "devnet_rpc", &format!("request-{i}"), &b)?;
    }
    for (i, len) in [64usize, 256, 1024].iter().enumerate() {
        let mut b = vec![2u8];
        b.extend(skyr_fuzz::gen::fixed_bytes("devnet_rpc", i as u64, *len));
        write(&seeds, "devnet_rpc", &format!("transaction-{len}"), &b)?;
        let mut raw = vec![0u8, 0x02, 0xf8];
        raw.extend(skyr_fuzz::gen::fixed_bytes(
            "devnet_rpc_raw",
            i as u64,
            *len,
        ));
        write(&seeds, "devnet_rpc", &format!("raw-{len}"), &raw)?;
    }
    println!("seeds written under {}", seeds.display());
    Ok(())
}

/// The files under `dir`, every depth.
fn walk(dir: &Path) -> Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).with_context(|| dir.display().to_string())? {
        let p = e?.path();
        if p.is_dir() {
            out.extend(walk(&p)?);
        } else {
            out.push(p);
        }
    }
    out.sort();
    Ok(out)
}

fn write(seeds: &Path, target: &str, name: &str, data: &[u8]) -> Result<()> {
    let dir = seeds.join(target);
    std::fs::create_dir_all(&dir)?;
    std::fs::write(dir.join(name), data)?;
    Ok(())
}
