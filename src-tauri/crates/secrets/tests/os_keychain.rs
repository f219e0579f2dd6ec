//! Against the real OS keychain (on Linux: the Secret Service, run by the test
//! command inside `dbus-run-session` with gnome-keyring unlocked). Under `CI=true`
//! a missing keychain fails these tests; elsewhere they say so and pass.

use switchboard_secrets::{Keychain, KeychainError, Namespace, Secret};

fn keychain(test: &str) -> Option<Keychain> {
    let namespace = Namespace::test(&format!("{test}-{}", uuid::Uuid::new_v4()));
    match Keychain::open_platform(namespace) {
        Ok(k) => Some(k),
        Err(e) if std::env::var("CI").as_deref() != Ok("true") => {
            eprintln!("SKIPPED (no OS keychain here, and CI is not set): {e}");
            None
        }
        Err(e) => panic!("the OS keychain must be available under CI: {e}"),
    }
}

#[test]
fn a_secret_round_trips_through_the_os_keychain() {
    let Some(keychain) = keychain("round-trip") else {
        return;
    };
    let account = uuid::Uuid::now_v7().to_string();
    keychain
        .set(&account, &Secret::new("sk_live_first"))
        .expect("set");
    keychain
        .set(&account, &Secret::new("sk_live_second"))
        .expect("replace");
    assert_eq!(
        keychain
            .get(&account)
            .expect("get")
            .expect("present")
            .expose(),
        "sk_live_second"
    );
    assert!(keychain.delete(&account).expect("delete"));
    assert!(keychain.get(&account).expect("get").is_none());
}

#[test]
fn namespaces_do_not_see_each_other() {
    let (Some(a), Some(b)) = (keychain("ns-a"), keychain("ns-b")) else {
        return;
    };
    let account = "same-account";
    a.set(account, &Secret::new("a-secret")).expect("set a");
    assert!(
        b.get(account).expect("get b").is_none(),
        "b must not see a's entry"
    );
    assert!(a.delete(account).expect("delete"));
}

#[test]
fn the_check_passes_on_a_working_keychain() {
    let Some(keychain) = keychain("check") else {
        return;
    };
    keychain
        .check()
        .expect("a working keychain passes its check");
}

#[test]
fn without_a_session_bus_the_error_says_what_to_install() {
    // A child process with no D-Bus address must get a clear, actionable error.
    if std::env::var("SWITCHBOARD_KEYCHAIN_CHILD").is_ok() {
        let err =
            Keychain::open_platform(Namespace::test("nobus")).expect_err("no bus, no keychain");
        assert!(matches!(err, KeychainError::Unavailable { .. }), "{err:?}");
        assert!(err.to_string().contains("gnome-keyring"), "{err}");
        return;
    }
    if !cfg!(target_os = "linux") {
        return;
    }
    let exe = std::env::current_exe().expect("test binary");
    let out = std::process::Command::new(exe)
        .args([
            "--exact",
            "without_a_session_bus_the_error_says_what_to_install",
            "--nocapture",
        ])
        .env("SWITCHBOARD_KEYCHAIN_CHILD", "1")
        .env_remove("DBUS_SESSION_BUS_ADDRESS")
        .env(
            "XDG_RUNTIME_DIR",
            std::env::temp_dir().join("switchboard-no-such-runtime-dir"),
        )
        .output()
        .expect("run child");
    assert!(
        out.status.success(),
        "child failed:\n{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
