//! A JSON-RPC 2.0 client for a Filecoin node over HTTP: one request per call, an optional
//! bearer token, a timeout, and retries with backoff for what may pass (a dropped connection,
//! a timeout, a body cut short, a 5xx); an error the node answers is final. Each failure names
//! the node, the method and what went wrong.
//!
//! Several calls run at once through [`NodeClient::call_all`], on at most `jobs` threads:
//! Lotus's JSON-RPC server does not take batch arrays (a Forest node does), so concurrent
//! single requests are what every node serves.
use std::io::Read;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::Duration;

use anyhow::{anyhow, Result};
use serde_json::{json, Value};

/// The largest answer read (an actor's code, base64-encoded, is a few MB).
pub const MAX_ANSWER_BYTES: u64 = 256 << 20;

/// Counts of what a client did, shared by its clones (a progress line reads them).
#[derive(Debug, Default)]
pub struct Stats {
    /// HTTP requests sent, retries included.
    pub requests: AtomicU64,
    /// Bytes of answers received.
    pub bytes: AtomicU64,
    /// Requests sent again after a failure that may pass.
    pub retries: AtomicU64,
}

impl Stats {
    /// `(requests, bytes, retries)` now.
    pub fn snapshot(&self) -> (u64, u64, u64) {
        (
            self.requests.load(Ordering::Relaxed),
            self.bytes.load(Ordering::Relaxed),
            self.retries.load(Ordering::Relaxed),
        )
    }
}

/// How a client talks to its node.
#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// Sent as `Authorization: Bearer …` when given.
    pub token: Option<String>,
    /// For one request, connecting and reading included.
    pub timeout: Duration,
    /// How many times a call is tried in all.
    pub attempts: u32,
    /// The wait before the first retry; doubled before each next one.
    pub backoff: Duration,
    /// Calls in flight at once in [`NodeClient::call_all`].
    pub jobs: usize,
}

impl Default for ClientOptions {
    fn default() -> Self {
        ClientOptions {
            token: None,
            timeout: Duration::from_secs(60),
            attempts: 4,
            backoff: Duration::from_millis(250),
            jobs: 8,
        }
    }
}

/// A node's JSON-RPC endpoint. Cloning shares the connection pool and the counts.
#[derive(Clone)]
pub struct NodeClient {
    url: String,
    options: ClientOptions,
    agent: ureq::Agent,
    stats: Arc<Stats>,
}

/// Why one attempt failed, and whether another may succeed.
struct Failure {
    message: String,
    may_pass: bool,
}

impl NodeClient {
    /// A client of the node at `url` (`http://…/rpc/v1`).
    pub fn new(url: &str, options: ClientOptions) -> Result<NodeClient> {
        if !(url.starts_with("http://") || url.starts_with("https://")) {
            return Err(anyhow!(
                "--rpc {url}: not an HTTP(S) URL (a Lotus node serves http://HOST:1234/rpc/v1)"
            ));
        }
        let agent = ureq::AgentBuilder::new()
            .timeout(options.timeout)
            .max_idle_connections_per_host(options.jobs.max(1))
            .build();
        Ok(NodeClient {
            url: url.to_string(),
            options,
            agent,
            stats: Arc::default(),
        })
    }

    /// The node's URL.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// What the client has done so far.
    pub fn stats(&self) -> &Arc<Stats> {
        &self.stats
    }

    /// Calls `method` (its full name, `Filecoin.ChainHead`) with `params`; gives its result.
    pub fn call(&self, method: &str, params: &Value) -> Result<Value> {
        let mut wait = self.options.backoff;
        let mut last = String::new();
        for attempt in 0..self.options.attempts.max(1) {
            if attempt > 0 {
                self.stats.retries.fetch_add(1, Ordering::Relaxed);
                std::thread::sleep(wait);
                wait *= 2;
            }
            match self.attempt(method, params) {
                Ok(v) => return Ok(v),
                Err(f) if f.may_pass => last = f.message,
                Err(f) => return Err(anyhow!("node {}: {method}: {}", self.url, f.message)),
            }
        }
        Err(anyhow!(
            "node {}: {method}: {last} (tried {} times)",
            self.url,
            self.options.attempts.max(1)
        ))
    }

    /// Calls each of `calls`, at most `jobs` at a time; the results in the same order.
    pub fn call_all(&self, calls: &[(String, Value)]) -> Vec<Result<Value>> {
        let jobs = self.options.jobs.clamp(1, calls.len().max(1));
        if jobs == 1 {
            return calls.iter().map(|(m, p)| self.call(m, p)).collect();
        }
        let next = AtomicU64::new(0);
        let mut out: Vec<Option<Result<Value>>> = (0..calls.len()).map(|_| None).collect();
        let done = std::sync::Mutex::new(&mut out);
        std::thread::scope(|s| {
            for _ in 0..jobs {
                s.spawn(|| loop {
                    let i = next.fetch_add(1, Ordering::Relaxed) as usize;
                    let Some((m, p)) = calls.get(i) else { break };
                    let r = self.call(m, p);
                    if let Ok(mut d) = done.lock() {
                        d[i] = Some(r);
                    }
                });
            }
        });
        out.into_iter()
            .map(|r| r.unwrap_or_else(|| Err(anyhow!("a request thread stopped"))))
            .collect()
    }

    fn attempt(&self, method: &str, params: &Value) -> Result<Value, Failure> {
        let body = json!({"jsonrpc": "2.0", "id": 1, "method": method, "params": params});
        let mut req = self
            .agent
            .post(&self.url)
            .set("Content-Type", "application/json");
        if let Some(t) = &self.options.token {
            req = req.set("Authorization", &format!("Bearer {t}"));
        }
        self.stats.requests.fetch_add(1, Ordering::Relaxed);
        let resp = match req.send_string(&body.to_string()) {
            Ok(r) => r,
            Err(ureq::Error::Status(code, r)) => {
                let text = r.into_string().unwrap_or_default();
                let text = text.chars().take(200).collect::<String>();
                return Err(match code {
                    401 | 403 => Failure {
                        message: format!(
                            "HTTP {code}: the node refused access (give a token with \
                             --rpc-token or SKYR_RPC_TOKEN): {text}"
                        ),
                        may_pass: false,
                    },
                    429 | 500..=599 => Failure {
                        message: format!("HTTP {code}: {text}"),
                        may_pass: true,
                    },
                    _ => Failure {
                        message: format!("HTTP {code}: {text}"),
                        may_pass: false,
                    },
                });
            }
            Err(ureq::Error::Transport(t)) => {
                return Err(Failure {
                    message: describe_transport(&t),
                    may_pass: true,
                })
            }
        };
        let mut bytes = Vec::new();
        let read = resp
            .into_reader()
            .take(MAX_ANSWER_BYTES + 1)
            .read_to_end(&mut bytes);
        self.stats
            .bytes
            .fetch_add(bytes.len() as u64, Ordering::Relaxed);
        if let Err(e) = read {
            return Err(Failure {
                message: format!("the answer was cut short after {} bytes: {e}", bytes.len()),
                may_pass: true,
            });
        }
        if bytes.len() as u64 > MAX_ANSWER_BYTES {
            return Err(Failure {
                message: format!("the answer is over {MAX_ANSWER_BYTES} bytes"),
                may_pass: false,
            });
        }
        let answer: Value = serde_json::from_slice(&bytes).map_err(|e| Failure {
            message: format!(
                "the node answered malformed JSON ({} bytes): {e}",
                bytes.len()
            ),
            may_pass: true,
        })?;
        if let Some(err) = answer.get("error").filter(|e| !e.is_null()) {
            let code = err.get("code").and_then(Value::as_i64).unwrap_or(0);
            let msg = err.get("message").and_then(Value::as_str).unwrap_or("");
            return Err(Failure {
                message: format!("the node answered error {code}: {msg}"),
                may_pass: false,
            });
        }
        match answer {
            Value::Object(mut o) if o.contains_key("result") => {
                Ok(o.remove("result").unwrap_or(Value::Null))
            }
            _ => Err(Failure {
                message: "the node's answer has neither a result nor an error".into(),
                may_pass: true,
            }),
        }
    }
}

/// A transport failure in words: refused, dropped, timed out.
fn describe_transport(t: &ureq::Transport) -> String {
    let detail = t.to_string();
    match t.kind() {
        ureq::ErrorKind::ConnectionFailed => format!("cannot connect: {detail}"),
        ureq::ErrorKind::Dns => format!("cannot resolve the host: {detail}"),
        ureq::ErrorKind::Io if detail.contains("timed out") || detail.contains("Timeout") => {
            format!("timed out: {detail}")
        }
        ureq::ErrorKind::Io => format!("the connection failed: {detail}"),
        _ => detail,
    }
}
