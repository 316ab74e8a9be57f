//! `wangban stats rebuild`: recomputes the public statistics' aggregates from every
//! application's action log (after an upgrade from a version without them, or after a calendar
//! year was corrected, since durations are counted in working days). Safe while nodes serve:
//! commits that would add to the aggregates wait for the rebuild's transaction. Exit status 0
//! done, 2 could not rebuild.
//!
//! `wangban stats generate`: replaces the aggregates with those of N synthetic application
//! histories (`wangban_core::stats::synthetic`), each replayed through the live path's
//! `deltas` and folded in memory, then written with the rebuild's code in one transaction — to
//! measure the statistics page at a scale no real database here has (BENCHMARKS.md). It writes
//! no application rows: the page reads the aggregates only. Refuses a database that holds
//! applications unless `--force`. Exit status 0 done, 2 refused or could not.

use std::process::ExitCode;
use std::time::Instant;

use chrono::NaiveDate;
use clap::Subcommand;
use serde_json::json;
use wangban_core::i18n::{Locale, Message};
use wangban_core::stats::replay;
use wangban_core::stats::synthetic::{Histories, Span};
use wangban_store::{RebuildReport, StatsCells, Store};

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
    /// Replaces the statistics with those of N synthetic applications (for benchmarks): each
    /// history is replayed through the same code as a live action, and the cells written in one
    /// transaction. No application rows are made. Progress on stderr.
    Generate {
        /// How many applications (each one submitted).
        #[arg(long, value_name = "N")]
        applications: u64,
        /// The same seed gives the same histories, hence the same figures.
        #[arg(long, default_value_t = 1)]
        seed: u64,
        /// First day of submissions.
        #[arg(long, value_name = "DATE", default_value = "2023-01-01")]
        from: NaiveDate,
        /// Last day of any action (later steps are not taken: those applications are still
        /// under way).
        #[arg(long, value_name = "DATE", default_value = "2026-11-25")]
        until: NaiveDate,
        /// Replace the statistics even though the database holds applications.
        #[arg(long)]
        force: bool,
        /// Folder with the database [env: WANGBAN_DATA] [default: wangban-data]
        #[arg(long, value_name = "DIR")]
        data: Option<std::path::PathBuf>,
        /// One JSON object: {"applications":…,"seed":…,"actions":…,"count_cells":…,"duration_cells":…,"unmeasured":…,"fold_seconds":…,"write_seconds":…}
        #[arg(long)]
        json: bool,
    },
}

pub fn run(mut settings: crate::config::Config, cmd: StatsCommand, locale: Locale) -> ExitCode {
    let (data, json) = match cmd {
        StatsCommand::Rebuild { data, json } => (data, json),
        StatsCommand::Generate {
            applications,
            seed,
            from,
            until,
            force,
            data,
            json,
        } => {
            if let Some(d) = data {
                settings.data = d;
            }
            let args = GenerateArgs {
                applications,
                seed,
                span: Span { from, until },
                force,
            };
            return run_generate(&settings, &args, json, locale);
        }
    };
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

/// Never make an empty database (and a key) where the operator mistyped a folder.
fn existing_database(settings: &crate::config::Config) -> Result<(), String> {
    let path = settings.data.join("wangban.db");
    if settings.database.url.is_empty() && !path.is_file() {
        return Err(format!("no database at {}", path.display()));
    }
    Ok(())
}

async fn rebuild(settings: &crate::config::Config) -> Result<RebuildReport, String> {
    existing_database(settings)?;
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

struct GenerateArgs {
    applications: u64,
    seed: u64,
    span: Span,
    force: bool,
}

struct Generated {
    actions: u64,
    count_cells: u64,
    duration_cells: u64,
    unmeasured: u64,
    fold_seconds: f64,
    write_seconds: f64,
}

enum GenerateError {
    /// The database holds this many applications, and no `--force`.
    Refused(u64),
    Failed(String),
}

impl From<String> for GenerateError {
    fn from(reason: String) -> Self {
        GenerateError::Failed(reason)
    }
}

fn run_generate(
    settings: &crate::config::Config,
    args: &GenerateArgs,
    json: bool,
    locale: Locale,
) -> ExitCode {
    let n = |v: u64| i64::try_from(v).unwrap_or(i64::MAX);
    match generate(settings, args, locale) {
        Ok(g) => {
            if json {
                println!(
                    "{}",
                    json!({
                        "applications": args.applications,
                        "seed": args.seed,
                        "actions": g.actions,
                        "count_cells": g.count_cells,
                        "duration_cells": g.duration_cells,
                        "unmeasured": g.unmeasured,
                        "fold_seconds": g.fold_seconds,
                        "write_seconds": g.write_seconds,
                    })
                );
            } else {
                println!(
                    "{}",
                    Message::new("stats-generated")
                        .with("applications", n(args.applications))
                        .with("seed", n(args.seed))
                        .with("actions", n(g.actions))
                        .with("count_cells", n(g.count_cells))
                        .with("duration_cells", n(g.duration_cells))
                        .with("unmeasured", n(g.unmeasured))
                        .with("fold_seconds", format!("{:.1}", g.fold_seconds))
                        .with("write_seconds", format!("{:.1}", g.write_seconds))
                        .render(locale)
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            let (code, message) = match e {
                GenerateError::Refused(apps) => (
                    "stats-generate-refused",
                    Message::new("stats-generate-refused").with("applications", n(apps)),
                ),
                GenerateError::Failed(reason) => (
                    "stats-generate-failed",
                    Message::new("stats-generate-failed").with("reason", reason),
                ),
            };
            let text = message.render(locale);
            if json {
                println!("{}", json!({ "error": { "code": code, "message": text } }));
            } else {
                eprintln!("{text}");
            }
            ExitCode::from(2)
        }
    }
}

fn generate(
    settings: &crate::config::Config,
    args: &GenerateArgs,
    locale: Locale,
) -> Result<Generated, GenerateError> {
    existing_database(settings)?;
    let calendar = settings.load_calendar().map_err(|e| e.to_string())?;
    let histories = Histories::new(args.seed, args.span, &calendar).map_err(|e| e.to_string())?;
    let rt = crate::runtime();
    // The aggregates are not sealed: no keys needed.
    let store = rt
        .block_on(Store::open(&settings.database, &settings.data))
        .map_err(|e| e.to_string())?;
    let result = (|| {
        let existing = rt
            .block_on(store.application_count())
            .map_err(|e| e.to_string())?;
        if existing > 0 && !args.force {
            return Err(GenerateError::Refused(existing));
        }
        let started = Instant::now();
        let mut cells = StatsCells::default();
        let (mut actions, mut unmeasured) = (0u64, 0u64);
        // A progress line every twentieth of the way.
        let step = (args.applications / 20).max(1);
        for (i, h) in histories.take(args.applications as usize).enumerate() {
            let (deltas, u) = replay(&h.facets, h.created_at, &h.log, &calendar)
                .map_err(|e| format!("synthetic history {i} does not replay: {}", e.error))?;
            actions += h.log.len() as u64;
            unmeasured += u.len() as u64;
            cells.add(deltas);
            let done = i as u64 + 1;
            if done.is_multiple_of(step) && done < args.applications {
                eprintln!(
                    "{}",
                    Message::new("stats-generate-progress")
                        .with("done", done as i64)
                        .with("total", args.applications as i64)
                        .with("seconds", format!("{:.0}", started.elapsed().as_secs_f64()))
                        .render(locale)
                );
            }
        }
        let fold_seconds = started.elapsed().as_secs_f64();
        let writing = Instant::now();
        rt.block_on(store.replace_stats(&cells))
            .map_err(|e| e.to_string())?;
        Ok(Generated {
            actions,
            count_cells: cells.counts.len() as u64,
            duration_cells: cells.durations.len() as u64,
            unmeasured,
            fold_seconds,
            write_seconds: writing.elapsed().as_secs_f64(),
        })
    })();
    rt.block_on(store.close());
    result
}
