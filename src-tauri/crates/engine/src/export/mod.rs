//! Writing exports: whole files or nothing, and cells a spreadsheet cannot run.
//!
//! A file is written to a temporary file beside it and renamed over the target
//! only once everything was written and flushed to disk, so a failed export
//! never leaves half a file, nor a header-only file over an older export. An
//! existing file is replaced only when asked. A device or a pipe given as the
//! target (`/dev/stdout`, a shell's `>(gzip)`) is written directly.

use std::borrow::Cow;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use switchboard_domain::ValidationError;

use crate::EngineError;

mod jobs;
mod rows;
mod table;
mod what;
pub use jobs::{JOB_COLUMNS, write_job, write_plan};
pub use rows::{write_people, write_targets};
pub use table::Table;
pub use what::{Export, Exporter};

/// The file an export goes to, and whether it may replace one already there.
#[derive(Debug, Clone)]
pub struct Destination {
    pub path: PathBuf,
    pub replace: bool,
}

/// What the export writer says when a write fails; [`Destination::write`] puts
/// the file's name in.
pub fn io_error(source: std::io::Error) -> EngineError {
    EngineError::Write {
        path: UNNAMED.into(),
        source,
    }
}

/// As [`io_error`], for the CSV writer: the I/O error inside, so a closed pipe
/// or a full disk keeps its kind.
pub fn csv_error(e: csv::Error) -> EngineError {
    io_error(csv_io(e))
}

/// The I/O error inside a CSV writer's error (its kind kept).
pub fn csv_io(e: csv::Error) -> std::io::Error {
    match e.into_kind() {
        csv::ErrorKind::Io(source) => source,
        other => std::io::Error::other(format!("{other:?}")),
    }
}

const UNNAMED: &str = "the export";

/// Names the file in a write failure that did not know it.
fn named(path: &Path, e: EngineError) -> EngineError {
    match e {
        EngineError::Write { path: p, source } if p == UNNAMED => failed(path, source),
        other => other,
    }
}

fn failed(path: &Path, source: std::io::Error) -> EngineError {
    EngineError::Write {
        path: path.display().to_string(),
        source,
    }
}

impl Destination {
    /// Refuses a target that exists (unless `replace`) or whose folder does
    /// not, before any work is done.
    pub fn check(&self) -> Result<(), EngineError> {
        let path = &self.path;
        match std::fs::metadata(path) {
            Ok(meta) if meta.is_dir() => Err(ValidationError::new(
                "output",
                format!("{} is a folder; give a file name", path.display()),
            )
            .into()),
            Ok(meta) if meta.is_file() && !self.replace => Err(ValidationError::new(
                "output",
                format!(
                    "{} exists; add --force to replace it, or choose another name",
                    path.display()
                ),
            )
            .into()),
            Ok(_) => Ok(()),
            Err(_) => {
                let folder = folder_of(path);
                if folder.is_dir() {
                    Ok(())
                } else {
                    Err(ValidationError::new(
                        "output",
                        format!("the folder {} does not exist", folder.display()),
                    )
                    .into())
                }
            }
        }
    }

    /// Runs `write` on the file and makes the result visible only if it
    /// succeeded. Returns what `write` returned.
    pub fn write<T>(
        &self,
        write: impl FnOnce(&mut dyn Write) -> Result<T, EngineError>,
    ) -> Result<T, EngineError> {
        self.check()?;
        let path = &self.path;
        let special = std::fs::metadata(path).is_ok_and(|m| !m.is_file());
        if special {
            let mut out = BufWriter::new(File::create(path).map_err(|e| failed(path, e))?);
            let value = write(&mut out).map_err(|e| named(path, e))?;
            out.flush().map_err(|e| failed(path, e))?;
            return Ok(value);
        }
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "export".into());
        let tmp = folder_of(path).join(format!(".{name}.{}.part", std::process::id()));
        let result = (|| {
            let file = File::create(&tmp).map_err(|e| failed(path, e))?;
            let mut out = BufWriter::new(file);
            let value = write(&mut out).map_err(|e| named(path, e))?;
            let file = out.into_inner().map_err(|e| failed(path, e.into_error()))?;
            file.sync_all().map_err(|e| failed(path, e))?;
            // Checked again: another program may have made the file meanwhile.
            if !self.replace && path.exists() {
                return Err(ValidationError::new(
                    "output",
                    format!(
                        "{} appeared while writing; add --force to replace it",
                        path.display()
                    ),
                )
                .into());
            }
            std::fs::rename(&tmp, path).map_err(|e| failed(path, e))?;
            Ok(value)
        })();
        if result.is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
        result
    }
}

fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// A CSV cell a spreadsheet shows as text and never runs: one that starts
/// with `=`, `+`, `-`, `@`, a tab or a carriage return gets a leading `'`
/// (OWASP's advice for CSV injection). A signed number or phone (`-12.5`,
/// `+1 (555) 010-2030`) is left as it is: it cannot call anything.
pub fn cell(text: &str) -> Cow<'_, str> {
    let Some(first) = text.chars().next() else {
        return Cow::Borrowed(text);
    };
    let risky = match first {
        '=' | '@' | '\t' | '\r' => true,
        '+' | '-' => !text[1..]
            .chars()
            .all(|c| c.is_ascii_digit() || " ().-/".contains(c)),
        _ => false,
    };
    if risky {
        Cow::Owned(format!("'{text}"))
    } else {
        Cow::Borrowed(text)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells_that_a_spreadsheet_would_run_are_made_text() {
        for risky in [
            "=HYPERLINK(\"http://x\",\"y\")",
            "=1+1",
            "+cmd|' /C calc'!A0",
            "-2+3",
            "@SUM(A1)",
            "\t=1",
            "\r=1",
        ] {
            assert_eq!(cell(risky), format!("'{risky}"), "{risky:?}");
        }
        for safe in [
            "Ana Lima",
            "",
            "+1 (555) 010-2030",
            "-12.5",
            "a=b",
            "919876543210",
        ] {
            assert_eq!(cell(safe), safe, "{safe:?}");
        }
    }

    #[test]
    fn a_failed_write_leaves_the_old_file_and_no_temporary_one() {
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("out.csv");
        std::fs::write(&path, "old export\n").expect("seed");
        let keep = Destination {
            path: path.clone(),
            replace: false,
        };
        let err = keep.write(|_| Ok(())).expect_err("exists");
        assert!(err.to_string().contains("--force"), "{err}");

        let replace = Destination {
            path: path.clone(),
            replace: true,
        };
        let err = replace
            .write(|out| {
                out.write_all(b"header\n").map_err(|e| failed(&path, e))?;
                Err::<(), _>(EngineError::Internal("the database went away".into()))
            })
            .expect_err("failed");
        assert!(err.to_string().contains("went away"));
        assert_eq!(
            std::fs::read_to_string(&path).expect("read"),
            "old export\n"
        );
        assert_eq!(
            std::fs::read_dir(dir.path()).expect("ls").count(),
            1,
            "no .part left"
        );

        replace
            .write(|out| out.write_all(b"new\n").map_err(|e| failed(&path, e)))
            .expect("written");
        assert_eq!(std::fs::read_to_string(&path).expect("read"), "new\n");

        let missing = Destination {
            path: dir.path().join("nope/out.csv"),
            replace: false,
        };
        assert!(
            missing
                .check()
                .expect_err("no folder")
                .to_string()
                .contains("does not exist")
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn a_full_disk_is_a_write_failure() {
        let full = Destination {
            path: "/dev/full".into(),
            replace: false,
        };
        let err = full
            .write(|out| out.write_all(&[b'x'; 100_000]).map_err(io_error))
            .expect_err("no space");
        assert_eq!(err.code(), crate::ErrorCode::WriteFailed, "{err}");
        assert!(
            err.to_string().starts_with("cannot write /dev/full: "),
            "{err}"
        );
    }
}
