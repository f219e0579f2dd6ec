//! Shared by the conformance tests: a simulator per test and a raw HTTP client.
#![allow(dead_code)]

use std::sync::Arc;

use serde_json::Value;
use switchboard_simulator::{Limits, SimConfig, Simulator, Vendor};

pub async fn sim() -> Arc<Simulator> {
    Simulator::start(SimConfig::demo(7))
        .await
        .expect("simulator starts")
}

pub async fn sim_with(limits: Limits) -> Arc<Simulator> {
    Simulator::start(SimConfig::demo(7).with_limits(limits))
        .await
        .expect("simulator starts")
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .no_proxy()
        .build()
        .expect("client")
}

/// Status, headers and JSON body (Null when the body is not JSON).
pub async fn parts(response: reqwest::Response) -> (u16, reqwest::header::HeaderMap, Value) {
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let text = response.text().await.expect("body");
    (
        status,
        headers,
        serde_json::from_str(&text).unwrap_or(Value::Null),
    )
}

pub fn base(sim: &Simulator, vendor: Vendor) -> String {
    sim.base_url(vendor)
}

/// A request to `path` under a vendor's base URL, with that vendor's credentials as
/// its docs say to send them.
pub fn authed(
    sim: &Simulator,
    vendor: Vendor,
    method: reqwest::Method,
    path: &str,
) -> reqwest::RequestBuilder {
    let c = sim.credentials();
    let request = http().request(method, format!("{}{path}", sim.base_url(vendor)));
    match vendor {
        Vendor::Pingup => request.bearer_auth(&c.pingup_secret_key),
        Vendor::Vambe => request.header("x-api-key", &c.vambe_api_key),
        Vendor::Helpcrunch => request.bearer_auth(&c.helpcrunch_api_key),
        Vendor::CcaiPlatform => request.basic_auth(&c.ccai_username, Some(&c.ccai_api_token)),
        Vendor::Splashify => {
            request.header("authorization", format!("Basic {}", c.splashify_api_key))
        }
    }
}
