//! The stand-in's HTTP JSON-RPC server: Lotus's methods over a [`StandinChain`], in Lotus's
//! JSON shapes, one thread per connection, each answer closing its connection. It counts
//! what it serves, and misbehaves when told to ([`Fault`]).
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use anyhow::{anyhow, Result};
use base64::Engine as _;
use cid::Cid;
use serde_json::{json, Value};
use skyr_devnet::filjson;

use crate::chain::StandinChain;

/// A way to misbehave.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Fault {
    /// `ChainReadObj` answers other bytes than the block's (its first byte flipped).
    WrongBytes,
    /// The connection is closed without an answer.
    Drop,
    /// The answer comes after this long (past a client's timeout).
    Stall(Duration),
    /// The answer is cut in half, its declared length kept.
    Truncate,
    /// The answer is not JSON.
    Malformed,
    /// The answer is a JSON-RPC error.
    RpcError,
    /// The answer is HTTP 500.
    ServerError,
}

/// A fault armed for `times` requests of `method` (any method when empty).
#[derive(Clone, Debug)]
struct Armed {
    method: String,
    fault: Fault,
    times: u64,
}

/// A running stand-in node.
pub struct Standin {
    addr: SocketAddr,
    served: Arc<AtomicU64>,
    faults: Arc<Mutex<Vec<Armed>>>,
}

impl Standin {
    /// Serves `chain` on 127.0.0.1 at a free port (or `port`), in background threads.
    pub fn start(chain: StandinChain, port: u16) -> Result<Standin> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let addr = listener.local_addr()?;
        let chain = Arc::new(chain);
        let served = Arc::new(AtomicU64::new(0));
        let faults: Arc<Mutex<Vec<Armed>>> = Arc::default();
        let (s, f) = (served.clone(), faults.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (chain, s, f) = (chain.clone(), s.clone(), f.clone());
                std::thread::spawn(move || {
                    let _ = serve(stream, &chain, &s, &f);
                });
            }
        });
        Ok(Standin {
            addr,
            served,
            faults,
        })
    }

    /// Its URL (`http://127.0.0.1:PORT/rpc/v1`).
    pub fn url(&self) -> String {
        format!("http://{}/rpc/v1", self.addr)
    }

    /// Requests served so far.
    pub fn served(&self) -> u64 {
        self.served.load(Ordering::Relaxed)
    }

    /// Misbehaves as `fault` on the next `times` requests for `method` (`Filecoin.X`; any
    /// method when empty).
    pub fn arm(&self, method: &str, fault: Fault, times: u64) {
        if let Ok(mut f) = self.faults.lock() {
            f.push(Armed {
                method: method.to_string(),
                fault,
                times,
            });
        }
    }

    /// Disarms every fault.
    pub fn disarm(&self) {
        if let Ok(mut f) = self.faults.lock() {
            f.clear();
        }
    }
}

/// Takes the fault armed for `method`, if any.
fn fault_for(faults: &Mutex<Vec<Armed>>, method: &str) -> Option<Fault> {
    let mut f = faults.lock().ok()?;
    let armed = f
        .iter_mut()
        .find(|a| a.times > 0 && (a.method.is_empty() || a.method == method))?;
    armed.times -= 1;
    Some(armed.fault.clone())
}

fn serve(
    stream: TcpStream,
    chain: &StandinChain,
    served: &AtomicU64,
    faults: &Mutex<Vec<Armed>>,
) -> Result<()> {
    let mut reader = BufReader::new(stream.try_clone()?);
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some((k, v)) = line.split_once(':') {
            if k.eq_ignore_ascii_case("content-length") {
                length = v.trim().parse().unwrap_or(0);
            }
        }
    }
    let mut body = vec![0u8; length.min(16 << 20)];
    reader.read_exact(&mut body)?;
    served.fetch_add(1, Ordering::Relaxed);
    let request: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let method = request["method"].as_str().unwrap_or("").to_string();
    let id = request["id"].clone();
    let fault = fault_for(faults, &method);
    let answer = match answer(chain, &method, &request["params"]) {
        Ok(mut result) => {
            if fault == Some(Fault::WrongBytes) && method == "Filecoin.ChainReadObj" {
                result = flip_first_byte(&result);
            }
            json!({"jsonrpc": "2.0", "id": id, "result": result})
        }
        Err(e) => {
            json!({"jsonrpc": "2.0", "id": id, "error": {"code": 1, "message": e.to_string()}})
        }
    };
    let mut text = answer.to_string().into_bytes();
    let mut status = "200 OK";
    let mut stream = stream;
    match fault {
        Some(Fault::Drop) => return Ok(()),
        Some(Fault::Stall(d)) => std::thread::sleep(d),
        Some(Fault::Malformed) => text = b"<html>502 Bad Gateway</html>".to_vec(),
        Some(Fault::RpcError) => {
            text = json!({"jsonrpc": "2.0", "id": id, "error": {"code": -32000, "message": "the stand-in was told to fail"}})
                .to_string()
                .into_bytes();
        }
        Some(Fault::ServerError) => status = "500 Internal Server Error",
        _ => {}
    }
    let declared = text.len();
    if fault == Some(Fault::Truncate) {
        text.truncate(declared / 2);
    }
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\nContent-Length: {declared}\r\nConnection: close\r\n\r\n"
    );
    stream.write_all(head.as_bytes())?;
    stream.write_all(&text)?;
    stream.flush()?;
    Ok(())
}

fn flip_first_byte(v: &Value) -> Value {
    let Some(s) = v.as_str() else {
        return v.clone();
    };
    let engine = base64::engine::general_purpose::STANDARD;
    let mut bytes = engine.decode(s).unwrap_or_default();
    if let Some(b) = bytes.first_mut() {
        *b ^= 0xff;
    }
    Value::String(engine.encode(bytes))
}

fn cid_param(p: &Value, i: usize) -> Result<Cid> {
    let s = p[i]["/"]
        .as_str()
        .ok_or_else(|| anyhow!("param {i}: expected a CID"))?;
    Ok(s.parse()?)
}

/// The fragment of tipset key `p[i]` (one block).
fn fragment_of(chain: &StandinChain, p: &Value, i: usize) -> Result<usize> {
    let key = cid_param(&p[i], 0).map_err(|_| anyhow!("param {i}: expected a tipset key"))?;
    chain
        .headers
        .get(&key)
        .map(|(f, _)| *f)
        .ok_or_else(|| anyhow!("loading tipset {key}: not found"))
}

fn tipset_json(chain: &StandinChain, block: &Cid) -> Result<Value> {
    let (_, h) = chain
        .headers
        .get(block)
        .ok_or_else(|| anyhow!("block {block} not found"))?;
    Ok(json!({"Cids": [filjson::cid(block)], "Blocks": [filjson::header(h)], "Height": h.height}))
}

fn answer(chain: &StandinChain, method: &str, p: &Value) -> Result<Value> {
    let engine = base64::engine::general_purpose::STANDARD;
    match method {
        "Filecoin.Version" => Ok(
            json!({"Version": "skyr-standin", "APIVersion": 0x0002_0300, "BlockDelay": 30, "Agent": "skyr-standin"}),
        ),
        "Filecoin.ChainReadObj" => {
            let c = cid_param(p, 0)?;
            let b = chain
                .blocks
                .get(&c)
                .ok_or_else(|| anyhow!("ipld: could not find {c}"))?;
            Ok(Value::String(engine.encode(b)))
        }
        "Filecoin.ChainHasObj" => Ok(json!(chain.blocks.contains_key(&cid_param(p, 0)?))),
        "Filecoin.ChainGetTipSet" => tipset_json(chain, &cid_param(&p[0], 0)?),
        "Filecoin.ChainGetTipSetByHeight" => {
            let h = p[0]
                .as_i64()
                .ok_or_else(|| anyhow!("param 0: expected an epoch"))?;
            let f = &chain.fragments[fragment_of(chain, p, 1)?];
            let (_, block) = f.tipsets.range(..=h).next_back().ok_or_else(|| {
                anyhow!("the stand-in holds no tipset at or before {h} on this chain")
            })?;
            tipset_json(chain, block)
        }
        "Filecoin.ChainHead" => {
            let f = chain.fragments.last().ok_or_else(|| anyhow!("no chain"))?;
            let (_, block) = f
                .tipsets
                .iter()
                .next_back()
                .ok_or_else(|| anyhow!("no chain"))?;
            tipset_json(chain, block)
        }
        "Filecoin.StateSearchMsg" => {
            let c = cid_param(p, 1)?;
            let Some(&i) = chain.messages.get(&c) else {
                return Ok(Value::Null);
            };
            let e = &chain.executed[i];
            Ok(json!({
                "Message": filjson::cid(&e.cid),
                "Receipt": filjson::receipt(&e.receipt),
                "ReturnDec": null,
                "TipSet": [filjson::cid(&e.tipset)],
                "Height": e.height,
            }))
        }
        "Filecoin.StateNetworkVersion" => Ok(json!(chain.fragments[fragment_of(chain, p, 0)?].nv)),
        "Filecoin.StateVMCirculatingSupplyInternal" => {
            let f = &chain.fragments[fragment_of(chain, p, 0)?];
            let circ = f.circ_supply.atto().to_string();
            Ok(
                json!({"FilVested": "0", "FilMined": "0", "FilBurnt": "0", "FilLocked": "0", "FilCirculating": circ, "FilReserveDisbursed": "0"}),
            )
        }
        "Filecoin.StateGetRandomnessDigestFromTickets"
        | "Filecoin.StateGetRandomnessDigestFromBeacon" => {
            let epoch = p[0]
                .as_i64()
                .ok_or_else(|| anyhow!("param 0: expected an epoch"))?;
            let f = fragment_of(chain, p, 1)?;
            let beacon = method.ends_with("Beacon");
            Ok(Value::String(
                engine.encode(chain.randomness(f, beacon, epoch)?),
            ))
        }
        // The vector runner's machine: chain ID 0, genesis at time 0.
        "Filecoin.StateGetNetworkParams" => Ok(json!({
            "NetworkName": "skyr-standin",
            "BlockDelaySecs": 30,
            "Eip155ChainID": 0,
            "GenesisTimestamp": 0,
            "ForkUpgradeParams": {},
        })),
        _ => Err(anyhow!("method '{method}' not found")),
    }
}
