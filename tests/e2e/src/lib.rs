//! The harness for end-to-end tests: a display (our own Xvfb when there is none),
//! `tauri-driver` on free loopback ports, and a WebDriver session on the real app
//! binary with its own data folder and keychain namespace.
//!
//! Build the app first (`cargo build`): the tests drive `target/debug/switchboard`,
//! or the binary named by `SWITCHBOARD_APP_BINARY`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use thirtyfour::prelude::*;

/// Where screenshots go: `artifacts/e2e/` at the top of the repository.
pub fn artifacts_dir() -> PathBuf {
    let dir = workspace_root().join("artifacts").join("e2e");
    let _ = std::fs::create_dir_all(&dir);
    dir
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../..")
        .canonicalize()
        .unwrap_or_else(|_| PathBuf::from("."))
}

pub fn app_binary() -> anyhow::Result<PathBuf> {
    let path = match std::env::var_os("SWITCHBOARD_APP_BINARY") {
        Some(p) => PathBuf::from(p),
        None => workspace_root().join("target/debug/switchboard"),
    };
    if !path.is_file() {
        bail!(
            "the app binary {} does not exist; build it first with `cargo build`",
            path.display()
        );
    }
    Ok(path)
}

fn find_in_path(name: &str) -> Option<PathBuf> {
    let candidates = std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain(std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".cargo/bin")));
    candidates.map(|dir| dir.join(name)).find(|p| p.is_file())
}

fn free_port() -> anyhow::Result<u16> {
    Ok(TcpListener::bind("127.0.0.1:0")?.local_addr()?.port())
}

/// A child process that is killed when dropped.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// One running app under WebDriver. Drop it (after `quit`) to stop everything.
pub struct Session {
    pub driver: WebDriver,
    pub data_dir: tempfile::TempDir,
    pub namespace: String,
    _driver_process: Guard,
    _xvfb: Option<Guard>,
}

impl Session {
    /// Starts the app with a fresh data folder and the keychain namespace given.
    pub async fn start(namespace: &str) -> anyhow::Result<Self> {
        let app = app_binary()?;
        let tauri_driver = find_in_path("tauri-driver")
            .context("tauri-driver is not installed; run `cargo install tauri-driver --locked`")?;
        let native_driver = find_in_path("WebKitWebDriver")
            .context("WebKitWebDriver is not installed; run `apt-get install webkit2gtk-driver`")?;

        let xvfb = match std::env::var_os("DISPLAY").filter(|d| !d.is_empty()) {
            Some(_) => None,
            None => Some(start_xvfb()?),
        };
        let data_dir = tempfile::tempdir()?;
        let (port, native_port) = (free_port()?, free_port()?);
        let mut cmd = Command::new(tauri_driver);
        cmd.args([
            "--port",
            &port.to_string(),
            "--native-port",
            &native_port.to_string(),
        ])
        .arg("--native-driver")
        .arg(native_driver)
        // The app inherits these through tauri-driver and WebKitWebDriver.
        .env("SWITCHBOARD_DATA_DIR", data_dir.path())
        .env("SWITCHBOARD_KEYCHAIN_NAMESPACE", namespace)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        if let Some((_, display)) = &xvfb {
            cmd.env("DISPLAY", display);
        }
        let driver_process = Guard(cmd.spawn().context("starting tauri-driver")?);
        wait_for_port(port, Duration::from_secs(20)).await?;

        let mut caps = Capabilities::new();
        caps.set("browserName", "wry")?;
        caps.set("tauri:options", serde_json::json!({ "application": app }))?;
        let driver = WebDriver::new(format!("http://127.0.0.1:{port}"), caps)
            .await
            .context("opening a WebDriver session on the app")?;
        Ok(Self {
            driver,
            data_dir,
            namespace: namespace.to_owned(),
            _driver_process: driver_process,
            _xvfb: xvfb.map(|(g, _)| g),
        })
    }

    /// Saves what the window shows now as `artifacts/e2e/<name>.png`.
    pub async fn screenshot(&self, name: &str) -> anyhow::Result<PathBuf> {
        // The DOM can be a frame ahead of the pixels right after an assertion.
        tokio::time::sleep(Duration::from_millis(400)).await;
        let path = artifacts_dir().join(format!("{name}.png"));
        let png = self.driver.screenshot_as_png().await?;
        std::fs::write(&path, png)?;
        Ok(path)
    }

    /// Waits for the element and for its text to be non-empty, then returns the text.
    pub async fn text_of(&self, test_id: &str) -> anyhow::Result<String> {
        let selector = format!("[data-testid='{test_id}']");
        let element = self
            .driver
            .query(By::Css(&selector))
            .wait(Duration::from_secs(20), Duration::from_millis(100))
            .first()
            .await
            .with_context(|| format!("no element {selector} appeared"))?;
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let text = element.text().await?;
            if !text.trim().is_empty() || Instant::now() > deadline {
                return Ok(text);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub async fn quit(self) -> anyhow::Result<()> {
        self.driver.clone().quit().await?;
        Ok(())
    }
}

fn start_xvfb() -> anyhow::Result<(Guard, String)> {
    let xvfb =
        find_in_path("Xvfb").context("no DISPLAY and no Xvfb; run `apt-get install xvfb`")?;
    for n in 90..140 {
        if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
            || Path::new(&format!("/tmp/.X{n}-lock")).exists()
        {
            continue;
        }
        let display = format!(":{n}");
        let child = Command::new(&xvfb)
            .args([
                display.as_str(),
                "-screen",
                "0",
                "1400x900x24",
                "-nolisten",
                "tcp",
            ])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()?;
        let guard = Guard(child);
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if Path::new(&format!("/tmp/.X11-unix/X{n}")).exists() {
                return Ok((guard, display));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
    bail!("could not start Xvfb on any display from :90 to :139")
}

async fn wait_for_port(port: u16, timeout: Duration) -> anyhow::Result<()> {
    let deadline = Instant::now() + timeout;
    while Instant::now() < deadline {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Ok(());
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    bail!("tauri-driver did not listen on port {port} within {timeout:?}")
}
