//! Shared by the adapter contract tests: a simulator and fast retry options.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::Duration;

use switchboard_simulator::{Fault, FaultKind, SimConfig, Simulator, Vendor};
use switchboard_vendors::{HttpOptions, Pacer};

pub async fn sim() -> Arc<Simulator> {
    Simulator::start(SimConfig::demo(3))
        .await
        .expect("simulator starts")
}

/// Retries that happen in milliseconds, so tests prove them quickly.
pub fn fast() -> HttpOptions {
    HttpOptions {
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(2),
        max_attempts: 4,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_secs(2),
    }
}

pub fn once() -> HttpOptions {
    HttpOptions {
        max_attempts: 1,
        ..fast()
    }
}

pub fn no_pace() -> Arc<Pacer> {
    Arc::new(Pacer::new(None))
}

pub fn fault(vendor: Vendor, endpoint: &str, kind: FaultKind, times: u32) -> Fault {
    Fault {
        vendor,
        endpoint: Some(endpoint.into()),
        kind,
        times: Some(times),
        probability: None,
    }
}

pub fn status(status: u16, retry_after: Option<u64>) -> FaultKind {
    FaultKind::Status {
        status,
        body: None,
        retry_after,
    }
}

/// The last request the simulator received for an endpoint.
pub fn last(
    sim: &Simulator,
    vendor: Vendor,
    endpoint: &str,
) -> switchboard_simulator::RequestRecord {
    sim.inspector()
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.vendor == vendor && r.endpoint == endpoint)
        .expect("a request was received")
}
