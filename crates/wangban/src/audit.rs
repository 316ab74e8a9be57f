//! `wangban audit verify`: checks the audit log's SM3 hash chain and names the first broken
//! record. Exit status 0 intact, 1 broken, 2 could not check (no database, unreadable).

use std::path::Path;
use std::process::ExitCode;

use clap::Subcommand;
use serde_json::json;
use wangban_core::i18n::{Locale, Message};
use wangban_store::{ChainReport, DatabaseSettings, Store};

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Checks every record of the audit log: ids without gaps, each record pointing at the
    /// hash of the one before, each hash the SM3 of its record, and the last record the one
    /// the log last wrote. Prints the number checked and the last hash (keep it elsewhere:
    /// a later check must chain through it), or the first broken record and what is wrong.
    /// Exit status 0 intact, 1 broken, 2 could not check.
    Verify {
        /// Folder with the database [env: WANGBAN_DATA] [default: wangban-data]
        #[arg(long, value_name = "DIR")]
        data: Option<std::path::PathBuf>,
        /// One JSON object: {"intact":…,"checked":…,"last_hash":…,"broken":{"id":…,"problem":…}}
        #[arg(long)]
        json: bool,
    },
}

/// Runs an `audit` subcommand with the configured data folder.
pub fn run(config: &crate::config::Config, cmd: AuditCommand, locale: Locale) -> ExitCode {
    let AuditCommand::Verify { data, json } = cmd;
    let dir = data.unwrap_or_else(|| config.data.clone());
    let (status, line, value) = match crate::runtime().block_on(verify(&config.database, &dir)) {
        Ok(report) => answer(&report, locale),
        Err(message) => {
            let text = message.render(locale);
            (
                2,
                text.clone(),
                json!({ "error": { "code": message.key, "message": text } }),
            )
        }
    };
    if json {
        println!("{value}");
    } else if status == 2 {
        eprintln!("{line}");
    } else {
        println!("{line}");
    }
    ExitCode::from(status)
}

async fn verify(database: &DatabaseSettings, dir: &Path) -> Result<ChainReport, Message> {
    let path = dir.join("wangban.db");
    if database.url.is_empty() && !path.is_file() {
        return Err(Message::new("audit-no-database").with("path", path.display().to_string()));
    }
    let cannot = |e: wangban_store::StoreError| {
        Message::new("audit-cannot-check").with("reason", e.to_string())
    };
    // Opening runs any pending migrations, as `serve` would.
    let store = Store::open(database, dir).await.map_err(cannot)?;
    let report = store.verify_audit_chain().await.map_err(cannot);
    store.close().await;
    report
}

fn answer(report: &ChainReport, locale: Locale) -> (u8, String, serde_json::Value) {
    let value = json!({
        "intact": report.intact(),
        "checked": report.checked,
        "last_hash": report.last_hash,
        "broken": report.broken.map(|b| json!({ "id": b.id, "problem": b.problem.code() })),
    });
    match report.broken {
        None => (
            0,
            Message::new("audit-verify-intact")
                .with("checked", i64::try_from(report.checked).unwrap_or(i64::MAX))
                .with("hash", report.last_hash.as_str())
                .render(locale),
            value,
        ),
        Some(b) => (
            1,
            Message::new("audit-verify-broken")
                .with("id", b.id)
                .with("checked", i64::try_from(report.checked).unwrap_or(i64::MAX))
                .with(
                    "problem",
                    Message::new(b.problem.message_key()).render(locale),
                )
                .render(locale),
            value,
        ),
    }
}
