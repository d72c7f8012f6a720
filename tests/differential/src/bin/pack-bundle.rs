//! Packs the actors built by `scripts/build-actors.sh` into Skyr's bundle.
//! Usage: pack-bundle WASM_DIR OUT
fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let [_, dir, out] = args.as_slice() else {
        anyhow::bail!("usage: pack-bundle WASM_DIR OUT");
    };
    let car = skyr_differential::bundle::pack(std::path::Path::new(dir))?;
    std::fs::write(out, &car)?;
    println!("{out}: {} bytes", car.len());
    Ok(())
}
