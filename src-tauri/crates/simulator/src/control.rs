//! The control API, on its own loopback port: inspection (requests, counts, current
//! assignees and statuses), faults, rate limits, taking vendors off the network,
//! and changing vendor data behind an app's back. JSON in, JSON out.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Weak};

use axum::Json;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post, put};
use serde_json::{Value, json};

use crate::vendors::{ccai, read, write};
use crate::{Fault, RateLimit, Simulator, Vendor};

type Sim = Weak<Simulator>;

pub fn router(sim: Sim) -> Router {
    Router::new()
        .route("/manifest", get(manifest))
        .route("/requests", get(requests).delete(clear_requests))
        .route("/counts", get(counts))
        .route("/faults", get(faults).post(add_fault).delete(clear_faults))
        .route("/limits", get(limits))
        .route("/limits/{vendor}", put(set_limit))
        .route("/vendors/{vendor}/halt", post(halt))
        .route("/vendors/{vendor}/resume", post(resume))
        .route(
            "/state/pingup/clients/{id}/assignees",
            get(pingup_get).put(pingup_put),
        )
        .route(
            "/state/vambe/contacts/{id}/assignees",
            get(vambe_get).put(vambe_put),
        )
        .route(
            "/state/helpcrunch/chats/{id}/assignee",
            get(helpcrunch_get).put(helpcrunch_put),
        )
        .route(
            "/state/splashify/conversations/{phone}/assignee",
            get(splashify_get).put(splashify_put),
        )
        .route(
            "/state/ccai_platform/agents/{id}/status",
            get(ccai_get).put(ccai_put),
        )
        .fallback(|| async {
            fail(
                StatusCode::NOT_FOUND,
                "no such control endpoint; see the README".into(),
            )
        })
        .with_state(sim)
}

fn fail(status: StatusCode, message: String) -> Response {
    (status, Json(json!({"error": message}))).into_response()
}

fn sim(weak: &Sim) -> Result<Arc<Simulator>, Response> {
    weak.upgrade().ok_or_else(|| {
        fail(
            StatusCode::SERVICE_UNAVAILABLE,
            "the simulator is shutting down".into(),
        )
    })
}

fn vendor(name: &str) -> Result<Vendor, Response> {
    name.parse()
        .map_err(|e: switchboard_domain::ValidationError| fail(StatusCode::BAD_REQUEST, e.message))
}

macro_rules! try_or {
    ($e:expr) => {
        match $e {
            Ok(v) => v,
            Err(r) => return r,
        }
    };
}

async fn manifest(State(s): State<Sim>) -> Response {
    Json(try_or!(sim(&s)).manifest()).into_response()
}

async fn requests(State(s): State<Sim>, Query(q): Query<HashMap<String, String>>) -> Response {
    let sim = try_or!(sim(&s));
    let wanted = match q.get("vendor") {
        Some(v) => Some(try_or!(vendor(v))),
        None => None,
    };
    let since: u64 = q.get("since_seq").and_then(|v| v.parse().ok()).unwrap_or(0);
    let list: Vec<_> = sim
        .inspector()
        .requests()
        .into_iter()
        .filter(|r| r.seq > since)
        .filter(|r| wanted.is_none_or(|v| r.vendor == v))
        .filter(|r| q.get("endpoint").is_none_or(|e| &r.endpoint == e))
        .collect();
    Json(list).into_response()
}

async fn clear_requests(State(s): State<Sim>) -> Response {
    try_or!(sim(&s)).inspector().clear_requests();
    StatusCode::NO_CONTENT.into_response()
}

async fn counts(State(s): State<Sim>) -> Response {
    let sim = try_or!(sim(&s));
    let all: BTreeMap<Vendor, BTreeMap<String, u64>> = Vendor::ALL
        .into_iter()
        .map(|v| (v, sim.inspector().counts(v)))
        .collect();
    Json(all).into_response()
}

async fn faults(State(s): State<Sim>) -> Response {
    Json(try_or!(sim(&s)).inspector().faults()).into_response()
}

async fn add_fault(State(s): State<Sim>, body: axum::body::Bytes) -> Response {
    let sim = try_or!(sim(&s));
    match serde_json::from_slice::<Fault>(&body) {
        Ok(fault) => {
            sim.inspector().add_fault(fault);
            StatusCode::CREATED.into_response()
        }
        Err(e) => fail(
            StatusCode::BAD_REQUEST,
            format!("not a fault: {e}; see the README for the shape"),
        ),
    }
}

async fn clear_faults(State(s): State<Sim>, Query(q): Query<HashMap<String, String>>) -> Response {
    let sim = try_or!(sim(&s));
    let v = match q.get("vendor") {
        Some(v) => Some(try_or!(vendor(v))),
        None => None,
    };
    sim.inspector().clear_faults(v);
    StatusCode::NO_CONTENT.into_response()
}

async fn limits(State(s): State<Sim>) -> Response {
    let sim = try_or!(sim(&s));
    let all: BTreeMap<Vendor, Option<RateLimit>> =
        Vendor::ALL.into_iter().map(|v| (v, sim.limit(v))).collect();
    Json(all).into_response()
}

async fn set_limit(
    State(s): State<Sim>,
    Path(name): Path<String>,
    body: axum::body::Bytes,
) -> Response {
    let sim = try_or!(sim(&s));
    let v = try_or!(vendor(&name));
    match serde_json::from_slice::<Option<RateLimit>>(&body) {
        Ok(limit) => {
            sim.set_limit(v, limit);
            Json(sim.limit(v)).into_response()
        }
        Err(e) => fail(
            StatusCode::BAD_REQUEST,
            format!("send {{\"max\": N, \"window_ms\": MS}} or null: {e}"),
        ),
    }
}

async fn halt(State(s): State<Sim>, Path(name): Path<String>) -> Response {
    let sim = try_or!(sim(&s));
    sim.halt(try_or!(vendor(&name)));
    StatusCode::NO_CONTENT.into_response()
}

async fn resume(State(s): State<Sim>, Path(name): Path<String>) -> Response {
    let sim = try_or!(sim(&s));
    match sim.resume(try_or!(vendor(&name))).await {
        Ok(()) => StatusCode::NO_CONTENT.into_response(),
        Err(e) => fail(StatusCode::CONFLICT, format!("cannot listen again: {e}")),
    }
}

fn not_found(what: &str) -> Response {
    fail(StatusCode::NOT_FOUND, format!("no such {what}"))
}

/// The `agents` list of a PUT body (`{"agents": ["id", ...]}`).
fn agents(body: &Value) -> Result<Vec<String>, Response> {
    body.get("agents")
        .and_then(Value::as_array)
        .map(|a| {
            a.iter()
                .filter_map(Value::as_str)
                .map(str::to_owned)
                .collect()
        })
        .ok_or_else(|| {
            fail(
                StatusCode::BAD_REQUEST,
                "send {\"agents\": [\"id\", ...]}".into(),
            )
        })
}

async fn pingup_get(State(s): State<Sim>, Path(id): Path<String>) -> Response {
    let sim = try_or!(sim(&s));
    let found = read(&sim.world().pingup).assignees_of(&id);
    match found {
        Some(list) => Json(
            list.into_iter()
                .map(|(agent, until)| json!({"agent": agent, "dt_until": until}))
                .collect::<Vec<_>>(),
        )
        .into_response(),
        None => not_found("client"),
    }
}

async fn pingup_put(
    State(s): State<Sim>,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let sim = try_or!(sim(&s));
    let list = try_or!(agents(&body));
    let refs: Vec<&str> = list.iter().map(String::as_str).collect();
    if write(&sim.world().pingup).set_assignees(&id, &refs) {
        pingup_get(State(s), Path(id)).await
    } else {
        not_found("client or agent")
    }
}

async fn vambe_get(State(s): State<Sim>, Path(id): Path<String>) -> Response {
    let sim = try_or!(sim(&s));
    let found = read(&sim.world().vambe).assignees_of(&id);
    found.map_or_else(|| not_found("contact"), |list| Json(list).into_response())
}

async fn vambe_put(
    State(s): State<Sim>,
    Path(id): Path<String>,
    Json(body): Json<Value>,
) -> Response {
    let sim = try_or!(sim(&s));
    let list = try_or!(agents(&body));
    let refs: Vec<&str> = list.iter().map(String::as_str).collect();
    if write(&sim.world().vambe).set_assignees(&id, &refs) {
        vambe_get(State(s), Path(id)).await
    } else {
        not_found("contact or member")
    }
}

async fn helpcrunch_get(State(s): State<Sim>, Path(id): Path<u64>) -> Response {
    let sim = try_or!(sim(&s));
    let found = read(&sim.world().helpcrunch).assignee_of(id);
    found.map_or_else(
        || not_found("chat"),
        |a| Json(json!({"assignee": a})).into_response(),
    )
}

async fn helpcrunch_put(
    State(s): State<Sim>,
    Path(id): Path<u64>,
    Json(body): Json<Value>,
) -> Response {
    let sim = try_or!(sim(&s));
    let agent = body.get("assignee").and_then(Value::as_u64);
    if write(&sim.world().helpcrunch).set_assignee(id, agent) {
        helpcrunch_get(State(s), Path(id)).await
    } else {
        not_found("chat or agent")
    }
}

async fn splashify_get(State(s): State<Sim>, Path(phone): Path<u64>) -> Response {
    let sim = try_or!(sim(&s));
    let found = read(&sim.world().splashify).assignee_of(phone);
    found.map_or_else(
        || not_found("conversation"),
        |a| Json(json!({"agent_email": a})).into_response(),
    )
}

async fn splashify_put(
    State(s): State<Sim>,
    Path(phone): Path<u64>,
    Json(body): Json<Value>,
) -> Response {
    let sim = try_or!(sim(&s));
    let email = body
        .get("agent_email")
        .and_then(Value::as_str)
        .filter(|e| !e.is_empty());
    if write(&sim.world().splashify).set_assignee(phone, email) {
        splashify_get(State(s), Path(phone)).await
    } else {
        not_found("conversation or agent")
    }
}

async fn ccai_get(State(s): State<Sim>, Path(id): Path<u64>) -> Response {
    let sim = try_or!(sim(&s));
    let found = read(&sim.world().ccai).status_of(id);
    found.map_or_else(
        || not_found("agent"),
        |st: ccai::Status| Json(json!({"id": st.id, "name": st.name})).into_response(),
    )
}

async fn ccai_put(State(s): State<Sim>, Path(id): Path<u64>, Json(body): Json<Value>) -> Response {
    let sim = try_or!(sim(&s));
    let Some(status) = body.get("status_id").and_then(Value::as_i64) else {
        return fail(StatusCode::BAD_REQUEST, "send {\"status_id\": N}".into());
    };
    if write(&sim.world().ccai).set_status(id, status as i32) {
        ccai_get(State(s), Path(id)).await
    } else {
        not_found("agent or status")
    }
}
