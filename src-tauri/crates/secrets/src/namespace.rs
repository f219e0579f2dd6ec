use switchboard_domain::APP_ID;

/// The keychain "service" under which Switchboard's entries are stored. Release,
/// development and test builds each have their own, so a test or a debug build can
/// never read, overwrite or delete a manager's real secrets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Namespace(String);

impl Namespace {
    /// The manager's real entries: release builds only.
    pub fn release() -> Self {
        Self(APP_ID.to_owned())
    }

    /// Debug builds: a developer's own entries, apart from release.
    pub fn development() -> Self {
        Self(format!("{APP_ID}.dev"))
    }

    /// A throw-away namespace for one test run.
    pub fn test(run: &str) -> Self {
        Self(format!("{APP_ID}.test.{run}"))
    }

    /// The namespace for this build: release or development.
    pub fn for_build() -> Self {
        if cfg!(debug_assertions) {
            Self::development()
        } else {
            Self::release()
        }
    }

    /// A namespace given by configuration (an environment variable in tests). It
    /// must start with the app id, so it cannot be pointed at another app's entries.
    pub fn custom(service: &str) -> Result<Self, String> {
        let service = service.trim();
        if service == APP_ID || service.starts_with(&format!("{APP_ID}.")) {
            Ok(Self(service.to_owned()))
        } else {
            Err(format!(
                "keychain namespace '{service}' must be {APP_ID} or start with '{APP_ID}.'"
            ))
        }
    }

    pub fn service(&self) -> &str {
        &self.0
    }

    /// True for the namespaces that hold real secrets (release and development).
    pub fn is_real(&self) -> bool {
        *self == Self::release() || *self == Self::development()
    }
}

impl std::fmt::Display for Namespace {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_and_tests_are_kept_apart() {
        assert_ne!(Namespace::release(), Namespace::development());
        assert!(
            Namespace::test("x")
                .service()
                .starts_with("io.switchboard.desktop.test.")
        );
        assert!(!Namespace::test("x").is_real());
        assert!(Namespace::release().is_real());
        assert!(Namespace::custom("com.other.app").is_err());
        assert!(Namespace::custom("io.switchboard.desktopX").is_err());
        assert_eq!(
            Namespace::custom(" io.switchboard.desktop.test.1 ")
                .expect("ok")
                .service(),
            "io.switchboard.desktop.test.1"
        );
    }
}
