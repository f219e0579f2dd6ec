//! The database file: check it, back it up, and after damage start fresh or
//! restore a backup. These never open the workspace (a damaged file is refused).

use std::path::PathBuf;

use clap::{Args, Subcommand};
use switchboard_engine::database::{self, DatabaseReport};
use switchboard_engine::{Config, EngineError, ErrorCode};

use super::output::{json, shown};

#[derive(Debug, Args)]
pub struct DbArgs {
    #[command(subcommand)]
    verb: DbVerb,
}

#[derive(Debug, Subcommand)]
enum DbVerb {
    /// Check the database without writing to it; exit 11 when it is damaged
    Check {
        /// JSON for scripts
        #[arg(long)]
        json: bool,
    },
    /// Write a consistent copy (SQLite's online backup; the app may run meanwhile)
    Backup {
        /// The new file (default: the backups folder beside the database)
        path: Option<PathBuf>,
    },
    /// Put a backup in place of the database (the file it replaces is kept aside)
    Restore { path: PathBuf },
    /// After damage: start with an empty database (the damaged file stays aside)
    Fresh,
}

pub async fn db(config: &Config, args: DbArgs) -> Result<i32, EngineError> {
    match args.verb {
        DbVerb::Check { json: as_json } => {
            let report = database::check(config).await?;
            if as_json {
                json(&report)?;
            } else {
                print_report(&report);
            }
            Ok(if report.sound {
                0
            } else {
                ErrorCode::DatabaseDamaged.exit_code()
            })
        }
        DbVerb::Backup { path } => {
            let to = database::backup(config, path).await?;
            say!("Backed up to {}", shown(&to.display().to_string()));
            Ok(0)
        }
        DbVerb::Restore { path } => {
            database::restore(config, path.clone()).await?;
            say!(
                "Restored {}; the app and commands use it from their next start",
                shown(&path.display().to_string())
            );
            Ok(0)
        }
        DbVerb::Fresh => {
            database::start_fresh(config).await?;
            say!(
                "The next start makes an empty database; add your connections again (their secrets are still in the keychain)"
            );
            Ok(0)
        }
    }
}

fn print_report(report: &DatabaseReport) {
    say!("Database: {}", shown(&report.path));
    if let Some(d) = &report.damaged {
        say!(
            "Damaged: {} (kept aside, untouched, as {})",
            shown(&d.detail),
            shown(&d.kept_at)
        );
        say!("Choose: `switchboard db fresh`, or `switchboard db restore BACKUP`");
    } else if report.sound {
        say!("No problem found");
    } else {
        say!("Damaged:");
        for p in &report.problems {
            say!("  {}", shown(p));
        }
        say!(
            "The next start keeps it aside; then `switchboard db restore BACKUP` or `switchboard db fresh`"
        );
    }
    if report.backups.is_empty() {
        say!("No backups in the backups folder");
    }
    for b in &report.backups {
        let when = chrono::DateTime::from_timestamp_millis(b.modified)
            .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
            .unwrap_or_default();
        say!("Backup: {} ({when}, {} KB)", shown(&b.path), b.bytes / 1024);
    }
}
