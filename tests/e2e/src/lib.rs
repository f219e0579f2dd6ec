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

/// Where screenshots go: `SWITCHBOARD_ARTIFACTS_DIR`, else `artifacts/e2e`.
pub fn artifacts_dir() -> PathBuf {
    let dir = std::env::var_os("SWITCHBOARD_ARTIFACTS_DIR")
        .filter(|d| !d.is_empty())
        .map(PathBuf::from)
        .unwrap_or_else(|| workspace_root().join("artifacts").join("e2e"));
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
/// A data folder for one window: a temporary one, or, when the test command
/// asks (`SWITCHBOARD_TEST_DATA_DIR`), one kept under that folder for the
/// secret scan to read afterwards.
pub fn data_dir() -> anyhow::Result<tempfile::TempDir> {
    Ok(match std::env::var_os("SWITCHBOARD_TEST_DATA_DIR") {
        Some(root) => {
            std::fs::create_dir_all(&root)?;
            let mut dir = tempfile::Builder::new().prefix("e2e-").tempdir_in(root)?;
            dir.disable_cleanup(true);
            dir
        }
        None => tempfile::tempdir()?,
    })
}

pub struct Session {
    pub driver: WebDriver,
    pub data_dir: tempfile::TempDir,
    pub namespace: String,
    /// The X display the window is on (for `xdotool`, which answers the OS's dialogs).
    pub display: String,
    _driver_process: Guard,
    _xvfb: Option<Guard>,
}

impl Session {
    /// Starts the app with a fresh data folder and the keychain namespace given.
    pub async fn start(namespace: &str) -> anyhow::Result<Self> {
        Self::start_with(namespace, &[]).await
    }

    /// As `start`, with command-line arguments for the app.
    pub async fn start_with(namespace: &str, args: &[&str]) -> anyhow::Result<Self> {
        Self::start_with_env(namespace, args, &[]).await
    }

    /// As `start_with`, with more environment for the app.
    pub async fn start_with_env(
        namespace: &str,
        args: &[&str],
        env: &[(&str, String)],
    ) -> anyhow::Result<Self> {
        Self::launch(namespace, args, env, data_dir()?).await
    }

    /// Closes the app and starts it again on the same data folder and
    /// keychain namespace (what a manager's next morning looks like).
    pub async fn reopen(self, args: &[&str]) -> anyhow::Result<Self> {
        self.close().await?.reopen(args).await
    }

    /// Closes the app (its window, driver and display go), keeping its data
    /// folder and keychain namespace for [`Closed::reopen`].
    pub async fn close(self) -> anyhow::Result<Closed> {
        let Session {
            driver,
            data_dir,
            namespace,
            ..
        } = self;
        driver.quit().await?;
        Ok(Closed {
            data_dir,
            namespace,
        })
    }

    /// Starts the app on a data folder prepared beforehand (by the command
    /// line, say) with the keychain namespace given.
    pub async fn start_in(
        namespace: &str,
        args: &[&str],
        env: &[(&str, String)],
        data_dir: tempfile::TempDir,
    ) -> anyhow::Result<Self> {
        Self::launch(namespace, args, env, data_dir).await
    }

    async fn launch(
        namespace: &str,
        args: &[&str],
        env: &[(&str, String)],
        data_dir: tempfile::TempDir,
    ) -> anyhow::Result<Self> {
        let app = app_binary()?;
        let tauri_driver = find_in_path("tauri-driver")
            .context("tauri-driver is not installed; run `cargo install tauri-driver --locked`")?;
        let native_driver = find_in_path("WebKitWebDriver")
            .context("WebKitWebDriver is not installed; run `apt-get install webkit2gtk-driver`")?;

        let xvfb = match std::env::var_os("DISPLAY").filter(|d| !d.is_empty()) {
            Some(_) => None,
            None => Some(start_xvfb()?),
        };
        let display = match &xvfb {
            Some((_, display)) => display.clone(),
            None => std::env::var("DISPLAY").unwrap_or_default(),
        };
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
        .envs(env.iter().map(|(k, v)| (*k, v.as_str())))
        .stdout(Stdio::null())
        .stderr(Stdio::null());
        if let Some((_, display)) = &xvfb {
            cmd.env("DISPLAY", display);
        }
        let driver_process = Guard(cmd.spawn().context("starting tauri-driver")?);
        wait_for_port(port, Duration::from_secs(20)).await?;

        let mut caps = Capabilities::new();
        caps.set("browserName", "wry")?;
        caps.set(
            "tauri:options",
            serde_json::json!({ "application": app, "args": args }),
        )?;
        // tauri-driver answers before WebKitWebDriver behind it is ready on a
        // busy machine: a failed first session is tried again.
        let mut tries = 0;
        let driver = loop {
            tries += 1;
            match WebDriver::new(format!("http://127.0.0.1:{port}"), caps.clone()).await {
                Ok(driver) => break driver,
                Err(e) if tries < 3 => {
                    tracing_free_log(&format!("opening a WebDriver session: {e}; trying again"));
                    tokio::time::sleep(Duration::from_secs(2)).await;
                }
                Err(e) => return Err(e).context("opening a WebDriver session on the app"),
            }
        };
        Ok(Self {
            driver,
            data_dir,
            namespace: namespace.to_owned(),
            display,
            _driver_process: driver_process,
            _xvfb: xvfb.map(|(g, _)| g),
        })
    }

    /// Answers the OS's file dialog titled `title` (GTK's, opened by the app)
    /// with `path`, as a person would: types it into the location box and
    /// presses Enter. Needs `xdotool`.
    pub async fn answer_file_dialog(&self, title: &str, path: &Path) -> anyhow::Result<()> {
        let xdotool = find_in_path("xdotool")
            .context("xdotool is not installed; run `apt-get install xdotool`")?;
        let run = |args: Vec<String>| {
            let out = Command::new(&xdotool)
                .args(&args)
                .env("DISPLAY", &self.display)
                .output()
                .with_context(|| format!("running xdotool {args:?}"))?;
            anyhow::ensure!(
                out.status.success(),
                "xdotool {args:?}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        let window = loop {
            match run(vec![
                "search".into(),
                "--onlyvisible".into(),
                "--name".into(),
                format!("^{}$", regex_escaped(title)),
            ]) {
                Ok(found) if !found.is_empty() => {
                    break found.lines().last().unwrap_or_default().to_owned();
                }
                _ if Instant::now() < deadline => {
                    tokio::time::sleep(Duration::from_millis(250)).await;
                }
                _ => bail!("no dialog titled '{title}' opened within 20 s"),
            }
        };
        // Let GTK finish laying the dialog out before keys arrive.
        tokio::time::sleep(Duration::from_millis(800)).await;
        run(vec!["windowfocus".into(), "--sync".into(), window.clone()])?;
        // Ctrl+L opens the location box (a Save dialog has its name box already).
        run(vec![
            "key".into(),
            "--window".into(),
            window.clone(),
            "ctrl+l".into(),
        ])?;
        run(vec![
            "key".into(),
            "--window".into(),
            window.clone(),
            "ctrl+a".into(),
        ])?;
        run(vec![
            "type".into(),
            "--delay".into(),
            "5".into(),
            path.display().to_string(),
        ])?;
        tokio::time::sleep(Duration::from_millis(300)).await;
        run(vec!["key".into(), "Return".into()])?;
        Ok(())
    }

    /// Makes the window this size (outer), and waits for the layout to follow.
    pub async fn resize(&self, width: u32, height: u32) -> anyhow::Result<()> {
        self.driver.set_window_rect(0, 0, width, height).await?;
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let inner: i64 = self
                .driver
                .execute("return window.innerWidth;", Vec::new())
                .await?
                .convert()?;
            if (inner - i64::from(width)).abs() <= 40 || Instant::now() > deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        tokio::time::sleep(Duration::from_millis(400)).await;
        Ok(())
    }

    /// Saves what the window shows now as `artifacts/e2e/<name>.png`.
    /// Saves what the window shows (`NAME.png`) and its DOM (`NAME.html`).
    pub async fn screenshot(&self, name: &str) -> anyhow::Result<PathBuf> {
        // The DOM can be a frame ahead of the pixels right after an assertion.
        tokio::time::sleep(Duration::from_millis(400)).await;
        let path = artifacts_dir().join(format!("{name}.png"));
        let png = self.driver.screenshot_as_png().await?;
        std::fs::write(&path, png)?;
        std::fs::write(path.with_extension("html"), self.driver.source().await?)?;
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
            let text = text_content(&element).await;
            if !text.trim().is_empty() || Instant::now() > deadline {
                return Ok(text);
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// The element with this `data-testid`, once it appears.
    pub async fn by_test_id(&self, test_id: &str) -> anyhow::Result<WebElement> {
        let selector = format!("[data-testid='{test_id}']");
        self.driver
            .query(By::Css(&selector))
            .wait(Duration::from_secs(20), Duration::from_millis(100))
            .first()
            .await
            .with_context(|| format!("no element {selector} appeared"))
    }

    pub async fn click(&self, test_id: &str) -> anyhow::Result<()> {
        self.by_test_id(test_id).await?.click().await?;
        Ok(())
    }

    /// Types into the input with this `data-testid`, replacing what is there.
    pub async fn type_into(&self, test_id: &str, text: &str) -> anyhow::Result<()> {
        let input = self.by_test_id(test_id).await?;
        // An input inside an opening panel is not interactable until it has opened.
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let attempt = async {
                input.clear().await?;
                input.send_keys(text).await
            };
            match attempt.await {
                Ok(()) => return Ok(()),
                Err(e) if Instant::now() < deadline => {
                    tracing_free_log(&format!("typing into {test_id}: {e}; retrying"));
                    tokio::time::sleep(Duration::from_millis(150)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// Waits until `check` holds for the text of the element with this `data-testid`.
    pub async fn wait_for_text(
        &self,
        test_id: &str,
        what: &str,
        check: impl Fn(&str) -> bool,
    ) -> anyhow::Result<String> {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            let text = match self.by_test_id(test_id).await {
                Ok(e) => text_content(&e).await,
                Err(_) => String::new(),
            };
            if check(&text) {
                return Ok(text);
            }
            if Instant::now() > deadline {
                bail!("{test_id} never showed {what}; it shows {text:?}");
            }
            tokio::time::sleep(Duration::from_millis(150)).await;
        }
    }

    /// Clicks the element whose visible text is exactly `text` (menu options, buttons).
    pub async fn click_text(&self, text: &str) -> anyhow::Result<()> {
        let xpath = format!("//*[normalize-space(text())='{text}']");
        let element = self
            .driver
            .query(By::XPath(&xpath))
            .wait(Duration::from_secs(20), Duration::from_millis(100))
            .first()
            .await
            .with_context(|| format!("nothing shows the text {text:?}"))?;
        element.click().await?;
        Ok(())
    }

    /// Clicks the first element `xpath` finds, looking again if the page
    /// re-rendered it between finding and clicking (live views do).
    pub async fn click_xpath(&self, xpath: &str) -> anyhow::Result<()> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let attempt = async {
                self.driver
                    .query(By::XPath(xpath))
                    .wait(Duration::from_secs(5), Duration::from_millis(100))
                    .first()
                    .await?
                    .click()
                    .await
            };
            match attempt.await {
                Ok(()) => return Ok(()),
                Err(e) if Instant::now() < deadline => {
                    tracing_free_log(&format!("clicking {xpath}: {e}; retrying"));
                    tokio::time::sleep(Duration::from_millis(150)).await;
                }
                Err(e) => return Err(e.into()),
            }
        }
    }

    /// How many elements with this `data-testid` there are now.
    /// How many elements carry this test id now. Elements replaced while they
    /// are counted (a view re-rendering) answer "stale": counted again, once.
    pub async fn count(&self, test_id: &str) -> anyhow::Result<usize> {
        let selector = format!("[data-testid='{test_id}']");
        match self.driver.find_all(By::Css(&selector)).await {
            Ok(found) => Ok(found.len()),
            Err(_) => {
                tokio::time::sleep(Duration::from_millis(200)).await;
                Ok(self.driver.find_all(By::Css(&selector)).await?.len())
            }
        }
    }

    /// Opens the status board and waits until it has filled (at least ten
    /// statuses; the demo syncs in the background, so it is shown again until
    /// they come) and says it read them live.
    pub async fn status_board_read_live(&self) -> anyhow::Result<()> {
        self.click("nav-status").await?;
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let chips = self.count("status-chip").await?;
            if chips >= 10 {
                break;
            }
            anyhow::ensure!(
                Instant::now() < deadline,
                "the board never filled ({chips} statuses)"
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
            // The board reads the cache once; come back to it after the sync.
            self.click("nav-history").await?;
            self.click("nav-status").await?;
        }
        self.wait_for_text("board-freshness", "a live read", |t| {
            t.contains("live, read")
        })
        .await?;
        Ok(())
    }

    pub async fn quit(self) -> anyhow::Result<()> {
        self.driver.clone().quit().await?;
        Ok(())
    }
}

/// An app closed by [`Session::close`]: what it needs to open again.
pub struct Closed {
    pub data_dir: tempfile::TempDir,
    pub namespace: String,
}

impl Closed {
    /// Starts the app again on the same data folder and keychain namespace.
    pub async fn reopen(self, args: &[&str]) -> anyhow::Result<Session> {
        Session::launch(&self.namespace, args, &[], self.data_dir).await
    }
}

/// `text` as a POSIX regular expression matching exactly it (xdotool's `--name`).
fn regex_escaped(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let special = "\\.^$|?*+()[]{}".contains(c);
            special.then_some('\\').into_iter().chain([c])
        })
        .collect()
}

pub fn unused_port() -> anyhow::Result<u16> {
    free_port()
}

/// The element's text, whitespace folded. WebKitWebDriver's "visible text" is
/// empty for elements in fixed-position portals (dialogs), so read the DOM's.
async fn text_content(element: &WebElement) -> String {
    let raw = element
        .prop("textContent")
        .await
        .ok()
        .flatten()
        .unwrap_or_default();
    raw.split_whitespace().collect::<Vec<_>>().join(" ")
}

fn tracing_free_log(message: &str) {
    eprintln!("e2e: {message}");
}

fn start_xvfb() -> anyhow::Result<(Guard, String)> {
    let xvfb =
        find_in_path("Xvfb").context("no DISPLAY and no Xvfb; run `apt-get install xvfb`")?;
    for n in 90..140 {
        let (socket, lock) = (format!("/tmp/.X11-unix/X{n}"), format!("/tmp/.X{n}-lock"));
        // A lock left by an X server that is gone (killed, not stopped) is stale.
        let owner_alive = std::fs::read_to_string(&lock)
            .ok()
            .and_then(|pid| pid.trim().parse::<u32>().ok())
            .is_some_and(|pid| Path::new(&format!("/proc/{pid}")).exists());
        if Path::new(&lock).exists() && !owner_alive {
            let _ = std::fs::remove_file(&lock);
            let _ = std::fs::remove_file(&socket);
        }
        if Path::new(&socket).exists() || Path::new(&lock).exists() {
            continue;
        }
        let display = format!(":{n}");
        let child = Command::new(&xvfb)
            .args([
                display.as_str(),
                "-screen",
                "0",
                // Room for the largest window a test looks at (1920×1200).
                "1920x1200x24",
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
