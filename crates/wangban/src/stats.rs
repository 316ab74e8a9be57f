//! `wangban stats rebuild`: recomputes the public statistics' aggregates from every
//! application's action log (after an upgrade from a version without them, or after a calendar
//! year was corrected, since durations are counted in working days). Safe while nodes serve:
//! commits that would add to the aggregates wait for the rebuild's transaction. Exit status 0
//! done, 2 could not rebuild.

use std::process::ExitCode;

use clap::Subcommand;
use serde_json::json;
use wangban_core::i18n::{Locale, Message};
use wangban_store::{RebuildReport, Store};

#[derive(Debug, Subcommand)]
pub enum StatsCommand {
    /// Recomputes the statistics' counts and duration histograms from the action logs, in one
    /// transaction that replaces them.
    Rebuild {
        /// Folder with the database and keys [env: WANGBAN_DATA] [default: wangban-data]
        #[arg(long, value_name = "DIR")]
        data: Option<std::path::PathBuf>,
        /// One JSON object: {"applications":…,"actions":…,"count_cells":…,"duration_cells":…,"unmeasured":…}
        #[arg(long)]
        json: bool,
    },
}

pub fn run(mut settings: crate::config::Config, cmd: StatsCommand, locale: Locale) -> ExitCode {
    let StatsCommand::Rebuild { data, json } = cmd;
    if let Some(d) = data {
        settings.data = d;
    }
    match crate::runtime().block_on(rebuild(&settings)) {
        Ok(r) => {
            if json {
                println!(
                    "{}",
                    json!({
                        "applications": r.applications,
                        "actions": r.actions,
                        "count_cells": r.count_cells,
                        "duration_cells": r.duration_cells,
                        "unmeasured": r.unmeasured,
                    })
                );
            } else {
                let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
                println!(
                    "{}",
                    Message::new("stats-rebuilt")
                        .with("applications", n(r.applications))
                        .with("actions", n(r.actions))
                        .with("unmeasured", n(r.unmeasured))
                        .render(locale)
                );
            }
            ExitCode::SUCCESS
        }
        Err(reason) => {
            let text = Message::new("stats-rebuild-failed")
                .with("reason", reason.as_str())
                .render(locale);
            if json {
                println!(
                    "{}",
                    json!({ "error": { "code": "stats-rebuild-failed", "message": text } })
                );
            } else {
                eprintln!("{text}");
            }
            ExitCode::from(2)
        }
    }
}

async fn rebuild(settings: &crate::config::Config) -> Result<RebuildReport, String> {
    let path = settings.data.join("wangban.db");
    if settings.database.url.is_empty() && !path.is_file() {
        // Never make an empty database (and a key) where the operator mistyped a folder.
        return Err(format!("no database at {}", path.display()));
    }
    let calendar = settings.load_calendar().map_err(|e| e.to_string())?;
    // The logs are sealed: the store must be unlocked with the configured keys.
    let (keyring, _) = settings
        .keys
        .keyring(&settings.data, settings.demo)
        .map_err(|e| e.to_string())?;
    let store = Store::open(&settings.database, &settings.data)
        .await
        .map_err(|e| e.to_string())?
        .unlock(&keyring, chrono::Utc::now())
        .await
        .map_err(|e| e.to_string())?;
    let report = store
        .rebuild_stats(&calendar)
        .await
        .map_err(|e| e.to_string());
    store.close().await;
    report
}
