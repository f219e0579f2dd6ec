//! The updater against a loopback update server: it finds a newer version in
//! a `latest.json`, accepts a bundle whose signature matches the build's key,
//! refuses one whose bytes were changed or that was signed by another key, and
//! finds nothing when the version on offer is not newer. The key pair and the
//! signature in `tests/fixtures/updater/` were made offline with
//! `tauri signer generate` and `tauri signer sign` (see the README there).

use std::net::SocketAddr;
use std::path::PathBuf;

use serde_json::json;
use switchboard_app::updates::{self, UpdateSource};
use switchboard_engine::ErrorCode;
use tauri::test::{MockRuntime, mock_builder, mock_context, noop_assets};

fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/updater")
        .join(name)
}

fn read(name: &str) -> String {
    std::fs::read_to_string(fixture(name)).expect("fixture")
}

const BUNDLE: &str = "switchboard_0.2.0_amd64.AppImage.tar.gz";

/// Serves `GET /<name>` from `files`, everything else 404, on 127.0.0.1.
async fn serve(files: Vec<(String, Vec<u8>)>) -> SocketAddr {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move {
        loop {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let files = files.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                while !request.windows(4).any(|w| w == b"\r\n\r\n") {
                    match socket.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let line = String::from_utf8_lossy(&request);
                let path = line
                    .split_whitespace()
                    .nth(1)
                    .unwrap_or("/")
                    .trim_start_matches('/');
                let path = path.split('?').next().unwrap_or_default().to_owned();
                let (status, body) = match files.iter().find(|(name, _)| *name == path) {
                    Some((_, body)) => ("200 OK", body.clone()),
                    None => ("404 Not Found", b"not found".to_vec()),
                };
                let head = format!(
                    "HTTP/1.1 {status}\r\ncontent-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(&body).await;
            });
        }
    });
    addr
}

/// A `latest.json` offering `version` with the bundle at `bundle` (a path on the server).
fn latest(addr: SocketAddr, version: &str, bundle: &str) -> Vec<u8> {
    let platform = json!({
        "signature": read(&format!("{BUNDLE}.sig")).trim(),
        "url": format!("http://{addr}/{bundle}"),
    });
    serde_json::to_vec(&json!({
        "version": version,
        "notes": "Faster bulk jobs.",
        "pub_date": "2026-11-29T12:00:00Z",
        "platforms": {
            "linux-x86_64": platform, "windows-x86_64": platform,
            "darwin-aarch64": platform, "darwin-x86_64": platform,
        }
    }))
    .expect("json")
}

/// An app on the mock runtime (version 0.1.0) with the updater for `pubkey`.
fn app(pubkey: &str) -> tauri::App<MockRuntime> {
    let mut context = mock_context(noop_assets());
    context.config_mut().plugins.0.insert(
        "updater".into(),
        json!({ "pubkey": pubkey, "endpoints": [] }),
    );
    let source = UpdateSource::new("http://127.0.0.1:1/latest.json", pubkey).expect("source");
    mock_builder()
        .plugin(updates::plugin(&source))
        .build(context)
        .expect("app")
}

#[tokio::test(flavor = "multi_thread")]
async fn the_updater_finds_a_newer_version_and_installs_only_what_the_key_signed() {
    let bundle = std::fs::read(fixture(BUNDLE)).expect("bundle");
    let mut tampered = bundle.clone();
    tampered[0] ^= 0x20;
    // The server's address goes into its own latest.json files: serve them
    // from a second server that knows the first's address.
    let files = serve(vec![
        (BUNDLE.into(), bundle.clone()),
        ("tampered.tar.gz".into(), tampered),
    ])
    .await;
    let offers = serve(vec![
        ("latest.json".into(), latest(files, "0.2.0", BUNDLE)),
        (
            "tampered.json".into(),
            latest(files, "0.2.0", "tampered.tar.gz"),
        ),
        ("same.json".into(), latest(files, "0.1.0", BUNDLE)),
    ])
    .await;
    let pubkey = read("test.key.pub");
    let app = app(pubkey.trim());
    let source = |name: &str| {
        UpdateSource::new(&format!("http://{offers}/{name}"), pubkey.trim()).expect("source")
    };

    // A newer version is found, with its notes and date.
    let found = updates::check(app.handle(), Some(&source("latest.json")))
        .await
        .expect("check");
    assert!(found.configured);
    assert_eq!(found.current_version, "0.1.0");
    let offered = found.available.expect("0.2.0 is on offer");
    assert_eq!(offered.version, "0.2.0");
    assert_eq!(offered.notes.as_deref(), Some("Faster bulk jobs."));
    assert_eq!(offered.published.as_deref(), Some("2026-11-29T12:00:00Z"));

    // Its bundle's signature matches the key: the bytes are handed over whole.
    let update = updates::find(app.handle(), &source("latest.json"))
        .await
        .expect("check")
        .expect("an update");
    let bytes = updates::download_verified(&update)
        .await
        .expect("a verified bundle");
    assert_eq!(bytes, bundle);

    // Changed bytes under the same signature are refused.
    let update = updates::find(app.handle(), &source("tampered.json"))
        .await
        .expect("check")
        .expect("an update");
    let refused = updates::download_verified(&update)
        .await
        .expect_err("tampered");
    assert_eq!(refused.code, ErrorCode::UpdateFailed);
    assert!(
        refused
            .message
            .contains("the update to 0.2.0 was not installed: The signature verification failed"),
        "{}",
        refused.message
    );

    // Not newer: nothing on offer.
    let same = updates::check(app.handle(), Some(&source("same.json")))
        .await
        .expect("check");
    assert!(same.available.is_none());

    // An endpoint that is down is said as such.
    let down = UpdateSource::new("http://127.0.0.1:9/latest.json", pubkey.trim()).expect("source");
    let err = updates::check(app.handle(), Some(&down))
        .await
        .expect_err("down");
    assert_eq!(err.code, ErrorCode::UpdateFailed);

    // A build without a source never checks.
    let off = updates::check(app.handle(), None).await.expect("off");
    assert!(!off.configured && off.available.is_none());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_bundle_signed_by_another_key_is_refused() {
    let bundle = std::fs::read(fixture(BUNDLE)).expect("bundle");
    let files = serve(vec![(BUNDLE.into(), bundle)]).await;
    let offers = serve(vec![("latest.json".into(), latest(files, "0.2.0", BUNDLE))]).await;
    // Another key pair's public key (made with `tauri signer generate`).
    let other = read("other.key.pub");
    let app = app(other.trim());
    let source =
        UpdateSource::new(&format!("http://{offers}/latest.json"), other.trim()).expect("source");
    let update = updates::find(app.handle(), &source)
        .await
        .expect("check")
        .expect("an update");
    let refused = updates::download_verified(&update)
        .await
        .expect_err("wrong key");
    assert_eq!(refused.code, ErrorCode::UpdateFailed);
}
