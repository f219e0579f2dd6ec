//! What the command line prints: lines for people (escaped, so no value can
//! recolour or reorder the terminal), tables, and files written whole or not
//! at all; and a reader that goes away (`| head`) ends the command quietly.

use std::io::Write;
use std::path::PathBuf;

use switchboard_engine::EngineError;
use switchboard_engine::connections::ConnectionSummary;
use switchboard_engine::export::{self, Destination};

/// Prints a line for a person, with control characters and text-direction
/// marks (typed by the caller or sent by a vendor) escaped, so no value can
/// recolour, hide or reorder what the terminal shows. JSON goes out as it is.
macro_rules! say {
    ($($t:tt)*) => { println!("{}", $crate::cli::output::shown(&format!($($t)*))) };
}

/// As [`say!`], on standard error.
macro_rules! tell {
    ($($t:tt)*) => { eprintln!("{}", $crate::cli::output::shown(&format!($($t)*))) };
}

/// `text` with every control character but newline and tab, and every
/// bidirectional mark or override, written as `\u{..}`.
pub fn shown(text: &str) -> std::borrow::Cow<'_, str> {
    let hidden = |c: char| {
        (c.is_control() && c != '\n' && c != '\t')
            || matches!(c, '\u{061c}' | '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
    };
    if !text.chars().any(hidden) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hidden(c) {
            out.push_str(&format!("\\u{{{:x}}}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    std::borrow::Cow::Owned(out)
}

/// JSON for scripts, as it is.
pub fn json(value: &impl serde::Serialize) -> Result<(), EngineError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| EngineError::Internal(format!("writing JSON: {e}")))?;
    println!("{text}");
    Ok(())
}

/// Output piped into `head` (or anything that stops reading) ends the command
/// quietly, as other command-line tools do, instead of a panic on the next write.
pub fn quiet_on_closed_pipe() {
    let default = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let message = info
            .payload()
            .downcast_ref::<String>()
            .map(String::as_str)
            .or_else(|| info.payload().downcast_ref::<&str>().copied())
            .unwrap_or_default();
        // `println!` panics when stdout's reader has gone away.
        if message.starts_with("failed printing to stdout") && message.contains("Broken pipe") {
            std::process::exit(0);
        }
        default(info);
    }));
}

pub fn print_table<const N: usize>(header: &[&str; N], rows: &[[String; N]]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.len()).collect();
    for row in rows {
        for (w, cell) in widths.iter_mut().zip(row) {
            *w = (*w).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<&str>| {
        cells
            .iter()
            .zip(&widths)
            .map(|(c, w)| format!("{c:<w$}"))
            .collect::<Vec<_>>()
            .join("  ")
            .trim_end()
            .to_owned()
    };
    say!("{}", line(header.to_vec()));
    for row in rows {
        say!("{}", line(row.iter().map(String::as_str).collect()));
    }
}

pub fn health(s: &ConnectionSummary) -> &'static str {
    match s.last_check.as_ref().map(|c| c.outcome.as_str()) {
        None => "not tested",
        Some(_) if s.unreachable => "unreachable",
        Some("ok") => "connected",
        Some("unauthorized") => "key refused",
        Some(_) => "problem",
    }
}

pub fn ago(ms: Option<switchboard_domain::Timestamp>) -> String {
    let Some(ms) = ms else { return "never".into() };
    let secs = (switchboard_domain::Timestamp::now().0 - ms.0).max(0) / 1000;
    match secs {
        0..=59 => format!("{secs}s ago"),
        60..=3599 => format!("{}m ago", secs / 60),
        3600..=86_399 => format!("{}h ago", secs / 3600),
        _ => format!("{}d ago", secs / 86_400),
    }
}

/// Where a command printing `format` writes: `--output` (and `--force`) only
/// with CSV; see [`destination`].
pub fn csv_destination(
    format: &str,
    output: Option<&PathBuf>,
    force: bool,
) -> Result<Option<Destination>, EngineError> {
    if format != "csv" && (output.is_some() || force) {
        return Err(super::usage(
            "--output (and --force) write a file only with --format csv; add it, or leave --output out",
        ));
    }
    destination(output, force)
}

/// Where `--output` (and `--force`) say the output goes; standard output when
/// not given. A file is checked before any work is done.
pub fn destination(
    output: Option<&PathBuf>,
    force: bool,
) -> Result<Option<Destination>, EngineError> {
    let Some(path) = output else {
        if force {
            return Err(super::usage(
                "--force replaces an --output file; give --output FILE",
            ));
        }
        return Ok(None);
    };
    let destination = Destination {
        path: path.clone(),
        replace: force,
    };
    destination.check()?;
    Ok(Some(destination))
}

/// Runs `write` off the async runtime on the file (whole or not at all) or on
/// standard output.
pub async fn to_output(
    destination: Option<Destination>,
    write: switchboard_engine::export::Exporter,
) -> Result<(), EngineError> {
    tokio::task::spawn_blocking(move || match destination {
        Some(d) => d.write(write),
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            write(&mut out)?;
            out.flush().map_err(export::io_error)
        }
    })
    .await?
}
