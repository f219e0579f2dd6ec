//! Helpers for the TypeScript bindings: the config, and which declared types a
//! signature names and must be exported.

use ts_rs::{Dependency, TS};

/// The TypeScript config: i64 ids and timestamps are plain numbers in JSON.
pub(crate) fn ts_config() -> ts_rs::Config {
    ts_rs::Config::new().with_large_int("number")
}

/// The declared types a signature names: the type itself, or what a wrapper
/// (`Option`, `Vec`) holds, looked through until a declared type.
pub(crate) fn deps_of<T: TS + 'static + ?Sized>(cfg: &ts_rs::Config) -> Vec<Dependency> {
    if let Some(own) = Dependency::from_ty::<T>(cfg) {
        return vec![own];
    }
    struct Generics<'a>(&'a ts_rs::Config, Vec<Dependency>);
    impl ts_rs::TypeVisitor for Generics<'_> {
        fn visit<U: TS + 'static + ?Sized>(&mut self) {
            let found = deps_of::<U>(self.0);
            self.1.extend(found);
        }
    }
    let mut visitor = Generics(cfg, Vec::new());
    T::visit_generics(&mut visitor);
    visitor.1
}

pub(crate) fn export_if_declared<T: TS + 'static + ?Sized>(
    cfg: &ts_rs::Config,
) -> Result<(), ts_rs::ExportError> {
    if T::output_path().is_some() {
        return T::export_all(cfg);
    }
    // `Option<T>`, `Vec<T>`, ...: export what they hold.
    struct Export<'a>(&'a ts_rs::Config, Result<(), ts_rs::ExportError>);
    impl ts_rs::TypeVisitor for Export<'_> {
        fn visit<U: TS + 'static + ?Sized>(&mut self) {
            if self.1.is_ok() {
                self.1 = export_if_declared::<U>(self.0);
            }
        }
    }
    let mut visitor = Export(cfg, Ok(()));
    T::visit_generics(&mut visitor);
    visitor.1
}
