//! The bad-answer corpus (`tests/corpus/vendor-answers.json`): every answer a
//! vendor (or a proxy in front of it) could give that is not what its API
//! documents, served by the simulator on every endpoint of every vendor, and
//! read by each adapter's account check, agent list and target list. Each call
//! returns within its timeout with a value or a typed error whose message is
//! short plain text; none panics; none reads an oversized body whole.

use std::path::Path;
use std::time::{Duration, Instant};

use serde::Deserialize;
use switchboard_domain::Vendor;
use switchboard_engine::demo;
use switchboard_secrets::Secret;
use switchboard_simulator::{Fault, FaultKind, SimConfig, Simulator};
use switchboard_vendors::{Adapter, HttpOptions, Pacer, VendorError};

#[derive(Debug, Deserialize)]
struct Answer {
    name: String,
    #[serde(default)]
    status: u16,
    #[serde(default)]
    content_type: String,
    #[serde(default)]
    body: String,
    huge_bytes: Option<u64>,
}

/// Expands `{{TEXT*N}}` to TEXT repeated N times (keeps the corpus file small).
fn expand(body: &str) -> String {
    let mut out = String::new();
    let mut rest = body;
    while let Some(start) = rest.find("{{") {
        out.push_str(&rest[..start]);
        let end = rest[start..].find("}}").expect("closed template") + start;
        let inner = &rest[start + 2..end];
        let (text, n) = inner.rsplit_once('*').expect("TEXT*N");
        out.push_str(&text.repeat(n.trim().parse().expect("a count")));
        rest = &rest[end + 2..];
    }
    out.push_str(rest);
    out
}

fn corpus() -> Vec<Answer> {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../tests/corpus/vendor-answers.json");
    serde_json::from_slice(&std::fs::read(path).expect("corpus")).expect("corpus is JSON")
}

/// The longest error message a manager is shown.
const MESSAGE_MAX: usize = 2_000;

fn options() -> HttpOptions {
    HttpOptions {
        connect_timeout: Duration::from_secs(2),
        request_timeout: Duration::from_secs(5),
        max_attempts: 2,
        base_delay: Duration::from_millis(5),
        max_delay: Duration::from_millis(50),
    }
}

fn adapters(sim: &Simulator) -> Vec<(Vendor, Adapter)> {
    demo::forms(&sim.manifest(), "Corpus ")
        .into_iter()
        .map(|(vendor, form)| {
            let resolved = form.resolve(vendor, true).expect("demo form resolves");
            let secret = form.secret.clone().unwrap_or_else(|| Secret::new(""));
            let adapter = Adapter::new(
                vendor,
                &resolved.base_url,
                &resolved.settings,
                secret,
                options(),
                std::sync::Arc::new(Pacer::new(None)),
            )
            .expect("adapter");
            (vendor, adapter)
        })
        .collect()
}

fn check_error(
    case: &str,
    vendor: Vendor,
    call: &str,
    e: &VendorError,
    failures: &mut Vec<String>,
) {
    let message = e.to_string();
    if message.chars().count() > MESSAGE_MAX {
        failures.push(format!(
            "{case} / {vendor} / {call}: a message of {} characters",
            message.chars().count()
        ));
    }
    if message.trim().is_empty() {
        failures.push(format!("{case} / {vendor} / {call}: an empty message"));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_bad_answer_from_every_vendor_is_an_error_or_a_value_never_a_panic() {
    let sim = Simulator::start(SimConfig::demo(3))
        .await
        .expect("simulator");
    let adapters = adapters(&sim);
    let corpus = corpus();
    assert!(
        corpus.len() >= 45,
        "the corpus lost answers: {}",
        corpus.len()
    );
    let mut failures = Vec::new();
    let mut calls = 0;
    for answer in &corpus {
        let kind = match answer.huge_bytes {
            Some(bytes) => FaultKind::Huge { bytes },
            None => FaultKind::Raw {
                status: answer.status,
                content_type: answer.content_type.clone(),
                body: expand(&answer.body),
            },
        };
        for (vendor, adapter) in &adapters {
            sim.inspector().clear_faults(None);
            sim.inspector().add_fault(Fault {
                vendor: *vendor,
                endpoint: None,
                kind: kind.clone(),
                times: None,
                probability: None,
            });
            let started = Instant::now();
            let results = [
                ("check", adapter.check().await.map(|_| ())),
                ("agents", adapter.agents(None).await.map(|_| ())),
                ("targets", adapter.targets(None, None).await.map(|_| ())),
            ];
            calls += results.len();
            for (call, result) in &results {
                if let Err(e) = result {
                    check_error(&answer.name, *vendor, call, e, &mut failures);
                }
            }
            if answer.huge_bytes.is_some() {
                let caps = adapter.capabilities();
                let made = [true, caps.list_agents, caps.list_targets];
                for ((call, result), made) in results.iter().zip(made) {
                    match result {
                        // A call the vendor cannot make sends nothing.
                        Ok(()) if !made => {}
                        Err(VendorError::Unexpected { excerpt, .. })
                            if excerpt.contains("larger than") => {}
                        other => {
                            failures.push(format!("{} / {vendor} / {call}: {other:?}", answer.name))
                        }
                    }
                }
            }
            // Two attempts of three calls, each within the request timeout.
            if started.elapsed() > Duration::from_secs(30) {
                failures.push(format!(
                    "{} / {vendor}: took {:?}",
                    answer.name,
                    started.elapsed()
                ));
            }
        }
    }
    sim.inspector().clear_faults(None);
    // The adapters still work once the vendor answers properly again.
    for (vendor, adapter) in &adapters {
        if let Err(e) = adapter.check().await {
            failures.push(format!("{vendor} after the corpus: {e}"));
        }
    }
    println!("{} bad answers, {} calls", corpus.len(), calls);
    assert!(
        failures.is_empty(),
        "{} problems:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
