//! The HTTP side: JSON-RPC over POST (single requests and batches, at `/` and at Lotus's
//! `/rpc/v1`) and over WebSocket on the same paths ([`crate::ws`]), answered by the node, which lives on a thread of its own (the machine is
//! single-threaded) and takes one job at a time. Requests are bounded in size and batch
//! length; a malformed one gets a JSON-RPC error naming what was wrong; a job that panics
//! fails that request only, and the node goes on serving. With interval mining on, the node's
//! thread also mines a block each time the interval passes.
use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{anyhow, Result};
use axum::body::Body;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::Router;
use futures_util::StreamExt;
use serde_json::{json, Value};

use crate::error::RpcError;
use crate::node::{ChainEvent, Node};

/// The largest request body taken, in bytes (a 2 MiB transaction hex-encoded fits).
pub const MAX_BODY: usize = 8 << 20;
/// How much of an oversized body is read (and dropped) before answering.
const DRAIN_LIMIT: usize = 64 << 20;
/// The most requests one batch may hold.
pub const MAX_BATCH: usize = 1000;
/// How long a StateWaitMsg waits for its message to be mined.
const WAIT_LIMIT: std::time::Duration = std::time::Duration::from_secs(600);
/// Events kept for a slow subscriber before it misses some.
const EVENT_BUFFER: usize = 4096;

type Job = Box<dyn FnOnce(&mut Node) + Send>;

/// A handle on the node's thread: jobs go in, answers come back; its events can be heard.
#[derive(Clone)]
pub struct NodeHandle {
    jobs: mpsc::Sender<Job>,
    events: tokio::sync::broadcast::Sender<ChainEvent>,
}

impl NodeHandle {
    /// Starts the node's thread, building the node there with `make` (the machine's types
    /// stay on that thread). Returns once the node is built, or with the error that stopped it.
    pub fn spawn(make: impl FnOnce() -> Result<Node> + Send + 'static) -> Result<NodeHandle> {
        let (jobs, inbox) = mpsc::channel::<Job>();
        let (events, _) = tokio::sync::broadcast::channel(EVENT_BUFFER);
        let node_events = events.clone();
        let (ready, started) = mpsc::channel::<Result<()>>();
        std::thread::Builder::new()
            .name("skyr-node".into())
            .spawn(move || {
                let mut node = match make() {
                    Ok(mut n) => {
                        n.events = Some(node_events);
                        let _ = ready.send(Ok(()));
                        n
                    }
                    Err(e) => {
                        let _ = ready.send(Err(e));
                        return;
                    }
                };
                // With interval mining on, a block is mined whenever the interval passes
                // without one; jobs are served in between.
                let mut next_tick: Option<Instant> = None;
                loop {
                    let job = match node.interval_mining {
                        None => {
                            next_tick = None;
                            match inbox.recv() {
                                Ok(job) => job,
                                Err(_) => break,
                            }
                        }
                        Some(ms) => {
                            let every = Duration::from_millis(ms);
                            let due = *next_tick.get_or_insert_with(|| Instant::now() + every);
                            match inbox.recv_timeout(due.saturating_duration_since(Instant::now()))
                            {
                                Ok(job) => job,
                                Err(mpsc::RecvTimeoutError::Timeout) => {
                                    next_tick = Some(Instant::now() + every);
                                    if let Err(e) = node.mine(1, None, None) {
                                        crate::say(&format!("interval mining: {}", e.message));
                                    }
                                    if let Err(e) = node.save() {
                                        crate::say(&format!("interval mining: {e:#}"));
                                    }
                                    continue;
                                }
                                Err(mpsc::RecvTimeoutError::Disconnected) => break,
                            }
                        }
                    };
                    let interval = node.interval_mining;
                    // A panic fails this job (its answer channel drops); the node goes on.
                    let _ = std::panic::catch_unwind(AssertUnwindSafe(|| job(&mut node)));
                    if node.interval_mining != interval {
                        next_tick = None;
                    }
                }
            })?;
        started
            .recv()
            .map_err(|_| anyhow!("the node's thread stopped while starting"))??;
        Ok(NodeHandle { jobs, events })
    }

    /// Hears the node's events from now on.
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<ChainEvent> {
        self.events.subscribe()
    }

    /// Runs `f` on the node and returns what it returned.
    pub async fn run<R: Send + 'static>(
        &self,
        f: impl FnOnce(&mut Node) -> R + Send + 'static,
    ) -> Result<R> {
        let (tx, rx) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move |n: &mut Node| {
                let _ = tx.send(f(n));
            }))
            .map_err(|_| anyhow!("the node has stopped"))?;
        rx.await
            .map_err(|_| anyhow!("the node failed while answering (a bug: please report it)"))
    }
}

/// Runs one method on the node, then saves what it changed before the answer goes out: an
/// acknowledged change survives a crash.
async fn ask(node: &NodeHandle, method: String, params: Vec<Value>) -> Result<Value, RpcError> {
    match node
        .run(move |n| {
            let answer = crate::rpc::dispatch(n, &method, &params);
            match n.save() {
                Ok(()) => answer,
                Err(e) => Err(RpcError::internal(format!("{e:#}"))),
            }
        })
        .await
    {
        Ok(r) => r,
        Err(e) => Err(RpcError::internal(e)),
    }
}

/// A mining request, a block per job: requests that arrive meanwhile are answered between the
/// blocks, so no one waits for a long mining run to end.
async fn mine_in_steps(
    node: &NodeHandle,
    method: String,
    params: Vec<Value>,
) -> Result<Value, RpcError> {
    let req = crate::rpc::anvil::mining(&method, &crate::rpc::Params(&params))?;
    for i in 0..req.blocks {
        let (first, spacing) = (req.first, req.spacing);
        node.run(move |n| {
            let step = n.mine_step(i, first, spacing);
            let saved = n.save().map_err(|e| RpcError::internal(format!("{e:#}")));
            step.and(saved)
        })
        .await
        .map_err(RpcError::internal)??;
    }
    Ok(req.answer)
}

/// One request's answer (or none, for a notification).
pub(crate) async fn answer(node: &NodeHandle, req: Value) -> Option<Value> {
    let id = req.get("id").cloned();
    let reply = |result: Result<Value, RpcError>, id: Option<Value>| {
        let id = id.unwrap_or(Value::Null);
        Some(match result {
            Ok(v) => json!({"jsonrpc": "2.0", "id": id, "result": v}),
            Err(e) => json!({"jsonrpc": "2.0", "id": id, "error": e.to_json()}),
        })
    };
    let Some(obj) = req.as_object() else {
        return reply(
            Err(RpcError::invalid_request("a request is a JSON object")),
            None,
        );
    };
    let Some(method) = obj
        .get("method")
        .and_then(Value::as_str)
        .map(str::to_string)
    else {
        return reply(
            Err(RpcError::invalid_request("`method` must be a string")),
            id,
        );
    };
    let params = match obj.get("params") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(a)) => a.clone(),
        Some(_) => {
            return reply(
                Err(RpcError::params("`params` must be a list (by position)")),
                id,
            )
        }
    };
    let mut result = if crate::rpc::anvil::is_mining(&method) {
        mine_in_steps(node, method.clone(), params.clone()).await
    } else {
        ask(node, method.clone(), params.clone()).await
    };
    // A StateWaitMsg for a pending message waits for blocks (up to WAIT_LIMIT), asking again
    // after each.
    if matches!(&result, Err(e) if e.code == crate::rpc::NOT_YET) {
        let mut mined = node.subscribe();
        let deadline = tokio::time::Instant::now() + WAIT_LIMIT;
        loop {
            result = ask(node, method.clone(), params.clone()).await;
            if !matches!(&result, Err(e) if e.code == crate::rpc::NOT_YET) {
                break;
            }
            match tokio::time::timeout_at(deadline, mined.recv()).await {
                Ok(Ok(_)) | Ok(Err(tokio::sync::broadcast::error::RecvError::Lagged(_))) => {}
                _ => break,
            }
        }
    }
    // A request without an id is a notification: no answer.
    id.as_ref()?;
    reply(result, id)
}

async fn handle(State(node): State<NodeHandle>, body: Body) -> Response {
    let json_reply = |v: Value| {
        (
            StatusCode::OK,
            [(header::CONTENT_TYPE, "application/json")],
            v.to_string(),
        )
            .into_response()
    };
    // An oversized body is read to its end (up to DRAIN_LIMIT) before the answer, so the
    // client gets the error instead of a connection reset while it is still sending.
    let mut stream = body.into_data_stream();
    let mut buf: Vec<u8> = Vec::new();
    let mut seen = 0usize;
    while let Some(chunk) = stream.next().await {
        let Ok(chunk) = chunk else {
            return too_large();
        };
        seen += chunk.len();
        if seen > DRAIN_LIMIT {
            return too_large();
        }
        if seen <= MAX_BODY {
            buf.extend_from_slice(&chunk);
        }
    }
    if seen > MAX_BODY {
        return too_large();
    }
    match incoming(&buf) {
        Err(reply) => json_reply(reply),
        Ok(Incoming::Batch(batch)) => {
            let mut out = Vec::with_capacity(batch.len());
            for req in batch {
                if let Some(a) = answer(&node, req).await {
                    out.push(a);
                }
            }
            json_reply(Value::Array(out))
        }
        Ok(Incoming::One(single)) => match answer(&node, single).await {
            Some(a) => json_reply(a),
            None => StatusCode::NO_CONTENT.into_response(),
        },
    }
}

/// A message's requests: one, or a batch.
pub(crate) enum Incoming {
    /// A single request.
    One(Value),
    /// A batch of 1 to [`MAX_BATCH`] requests.
    Batch(Vec<Value>),
}

/// Reads a message's text (over HTTP or WebSocket) as requests, or gives the error reply for
/// what it is not: malformed JSON, an empty batch, a batch over the limit.
pub(crate) fn incoming(text: &[u8]) -> Result<Incoming, Value> {
    let error = |e: RpcError| json!({"jsonrpc": "2.0", "id": null, "error": e.to_json()});
    match serde_json::from_slice(text) {
        Err(e) => Err(error(RpcError::parse(e))),
        Ok(Value::Array(batch)) if batch.is_empty() => {
            Err(error(RpcError::invalid_request("an empty batch")))
        }
        Ok(Value::Array(batch)) if batch.len() > MAX_BATCH => {
            Err(error(RpcError::invalid_request(format!(
                "a batch of {} requests is over the limit of {MAX_BATCH}",
                batch.len()
            ))))
        }
        Ok(Value::Array(batch)) => Ok(Incoming::Batch(batch)),
        Ok(single) => Ok(Incoming::One(single)),
    }
}

fn too_large() -> Response {
    (
        StatusCode::PAYLOAD_TOO_LARGE,
        [(header::CONTENT_TYPE, "application/json")],
        json!({"jsonrpc": "2.0", "id": null, "error": RpcError::invalid_request(
            format!("the request is over the limit of {MAX_BODY} bytes")).to_json()})
        .to_string(),
    )
        .into_response()
}

/// The router: JSON-RPC at `/` and `/rpc/v1`.
pub fn router(node: NodeHandle) -> Router {
    Router::new()
        .route("/", post(handle).get(crate::ws::upgrade))
        .route("/rpc/v1", post(handle).get(crate::ws::upgrade))
        .route("/rpc/v0", post(handle).get(crate::ws::upgrade))
        .fallback(not_found)
        .with_state(node)
}

async fn not_found() -> Response {
    (
        StatusCode::NOT_FOUND,
        "skyr devnet: JSON-RPC is served by POST at / and /rpc/v1\n",
    )
        .into_response()
}

/// Serves `node` on `listener` until `shutdown` completes.
pub async fn serve(
    listener: tokio::net::TcpListener,
    node: NodeHandle,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    axum::serve(listener, router(node))
        .with_graceful_shutdown(shutdown)
        .await?;
    Ok(())
}
