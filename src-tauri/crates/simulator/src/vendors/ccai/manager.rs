//! CCAI Platform's Manager API: the agents listing (paged by `Link`, `Total`
//! and `Per-Page` headers; sorted by `sort_column`/`sort_direction` and filtered
//! by `status_updated_at[from]`, with the headers counting the filtered set),
//! the agent activity log (filtered by `started_at[from]`, paged the same
//! way), teams, and the tenant's statuses.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, Uri, header};
use axum::response::Response;
use serde_json::{Value, json};

use super::super::{World, iso, page_size, parse_iso, read, reply};
use super::{Data, OFFLINE, STATUSES, authorize, error, status};

/// The page asked for (from 1) and its size.
fn paging(q: &HashMap<String, String>) -> (usize, usize) {
    let per = page_size(q.get("per").map(String::as_str), 25, 100) as usize;
    let page = q
        .get("page")
        .and_then(|p| p.trim().parse::<usize>().ok())
        .filter(|p| *p >= 1)
        .unwrap_or(1);
    (page, per)
}

/// `sort_direction`: ASC (the default) or DESC, in any case.
fn descending(q: &HashMap<String, String>) -> Result<bool, Response> {
    match q
        .get("sort_direction")
        .map(|d| d.trim().to_ascii_uppercase())
    {
        None => Ok(false),
        Some(d) if d.is_empty() || d == "ASC" => Ok(false),
        Some(d) if d == "DESC" => Ok(true),
        Some(d) => Err(error(
            StatusCode::BAD_REQUEST,
            format!("sort_direction must be ASC or DESC, not '{d}'"),
        )),
    }
}

/// What a listing asks besides its page: `sort_direction` (descending?) and
/// the `<column>[from]` filter.
fn asked(q: &HashMap<String, String>, column: &str) -> Result<(bool, Option<i64>), Response> {
    Ok((descending(q)?, from_ms(q, column)?))
}

fn unsupported_sort(column: &str) -> Response {
    error(
        StatusCode::BAD_REQUEST,
        format!("sort_column '{column}' is not supported"),
    )
}

/// A `<column>[from]` filter as UNIX milliseconds (inclusive).
fn from_ms(q: &HashMap<String, String>, column: &str) -> Result<Option<i64>, Response> {
    let key = format!("{column}[from]");
    match q.get(&key).map(|v| v.trim()).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => parse_iso(v)
            .map(|t| Some(t.timestamp_millis()))
            .ok_or_else(|| {
                error(
                    StatusCode::BAD_REQUEST,
                    format!("{key} must be an ISO 8601 time, not '{v}'"),
                )
            }),
    }
}

/// The listing's answer: one page of `items` out of `total`, with `Link`
/// headers that keep every other parameter of the request (sort, filters).
fn paged(
    uri: &Uri,
    headers: &HeaderMap,
    (page, per): (usize, usize),
    total: usize,
    items: Vec<Value>,
) -> Response {
    let host = super::super::header(headers, "host").unwrap_or("127.0.0.1");
    let kept: Vec<&str> = uri
        .query()
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty() && !p.starts_with("page=") && !p.starts_with("per="))
        .collect();
    let last = total.div_ceil(per).max(1);
    let link = |p: usize, rel: &str| {
        let mut query = kept.clone().join("&");
        if !query.is_empty() {
            query.push('&');
        }
        format!(
            "<http://{host}{}?{query}page={p}&per={per}>; rel=\"{rel}\"",
            uri.path()
        )
    };
    let mut links = vec![link(1, "first")];
    if page > 1 {
        links.push(link(page - 1, "prev"));
    }
    if page < last {
        links.push(link(page + 1, "next"));
    }
    links.push(link(last, "last"));
    let mut r = reply(StatusCode::OK, Value::Array(items));
    let h = r.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&links.join(", ")) {
        h.insert(header::LINK, v);
    }
    h.insert("total", HeaderValue::from(total));
    h.insert("per-page", HeaderValue::from(per));
    r
}

pub(super) async fn agents(
    State(world): State<Arc<World>>,
    Query(q): Query<HashMap<String, String>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let data = read(&world.ccai);
    if let Err(r) = authorize(&data, &headers) {
        return r;
    }
    let (desc, from) = match asked(&q, "status_updated_at") {
        Ok(asked) => asked,
        Err(r) => return r,
    };
    let mut order: Vec<usize> = (0..data.agents.len())
        .filter(|&i| from.is_none_or(|f| data.agents[i].status_updated * 1000 >= f))
        .collect();
    match q.get("sort_column").map(|c| c.trim()) {
        None | Some("" | "id") => {}
        Some("status_updated_at") => order.sort_by_key(|&i| (data.agents[i].status_updated, i)),
        Some("email") => order.sort_by_key(|&i| data.agents[i].person.email()),
        Some(other) => {
            return unsupported_sort(other);
        }
    }
    if desc {
        order.reverse();
    }
    let (page, per) = paging(&q);
    let items: Vec<Value> = order
        .iter()
        .skip((page - 1) * per)
        .take(per)
        .map(|&i| agent_json(&data, i))
        .collect();
    paged(&uri, &headers, (page, per), order.len(), items)
}

fn agent_json(data: &Data, i: usize) -> Value {
    let a = &data.agents[i];
    let s = status(a.status);
    let team = &data.teams[a.team as usize];
    json!({
        "id": Data::agent_id(i),
        "email": a.person.email(),
        "first_name": a.person.first_name(),
        "last_name": a.person.last_name(),
        "agent_number": Data::number(i),
        "status": {"id": s.id, "name": s.name, "color": s.color},
        "status_updated_at": iso(a.status_updated),
        "online": a.status != OFFLINE,
        "teams": [{"id": a.team + 1, "name": team.name}],
    })
}

pub(super) async fn activity_logs(
    State(world): State<Arc<World>>,
    Query(q): Query<HashMap<String, String>>,
    uri: Uri,
    headers: HeaderMap,
) -> Response {
    let data = read(&world.ccai);
    if let Err(r) = authorize(&data, &headers) {
        return r;
    }
    let (desc, from) = match asked(&q, "started_at") {
        Ok(asked) => asked,
        Err(r) => return r,
    };
    match q.get("sort_column").map(|c| c.trim()) {
        // Records are kept in the order they started, which is their ids' too.
        None | Some("" | "id" | "started_at") => {}
        Some(other) => {
            return unsupported_sort(other);
        }
    }
    // `[from]` in milliseconds; records start on whole seconds.
    let records = data.log.since(from.map_or(i64::MIN, |ms| {
        ms.div_euclid(1000) + i64::from(ms.rem_euclid(1000) != 0)
    }));
    let (page, per) = paging(&q);
    let total = records.len();
    let at = |k: usize| if desc { total - 1 - k } else { k };
    let items: Vec<Value> = ((page - 1) * per..total)
        .take(per)
        .map(|k| record_json(&data, &records[at(k)]))
        .collect();
    paged(&uri, &headers, (page, per), total, items)
}

fn record_json(data: &Data, r: &super::Record) -> Value {
    let a = &data.agents[r.agent];
    let s = status(r.status);
    json!({
        "id": r.id,
        "agent_id": Data::agent_id(r.agent),
        "whodunnit": {
            "id": Data::agent_id(r.agent),
            "name": a.person.full_name(),
            "first_name": a.person.first_name(),
            "last_name": a.person.last_name(),
            "agent_number": Data::number(r.agent),
            "avatar_url": null,
        },
        "status": {"id": s.id, "name": s.name, "color": s.color, "wfm_id": null},
        "started_at": iso(r.started_at),
        "ended_at": r.ended_at.map(iso),
        "duration": r.ended_at.map(|e| e - r.started_at),
        "activity": r.activity.as_str(),
        "call_id": r.call_id,
        "chat_id": r.chat_id,
    })
}

pub(super) async fn teams(State(world): State<Arc<World>>, headers: HeaderMap) -> Response {
    let data = read(&world.ccai);
    if let Err(r) = authorize(&data, &headers) {
        return r;
    }
    let list: Vec<Value> = data
        .teams
        .iter()
        .enumerate()
        .map(|(i, t)| json!({"id": i + 1, "name": t.name, "parent_id": t.parent.map(|p| p + 1)}))
        .collect();
    reply(StatusCode::OK, Value::Array(list))
}

pub(super) async fn user_statuses(State(world): State<Arc<World>>, headers: HeaderMap) -> Response {
    let data = read(&world.ccai);
    if let Err(r) = authorize(&data, &headers) {
        return r;
    }
    let list: Vec<Value> = STATUSES
        .iter()
        .map(|s| json!({"id": s.id, "name": s.name, "color": s.color}))
        .collect();
    reply(StatusCode::OK, Value::Array(list))
}
