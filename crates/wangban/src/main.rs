//! The one wangban binary: the operators' admin commands now; `serve`, `migrate` and `demo` as
//! the service grows. Thin by design: it reads configuration, calls the library crates and
//! prints; decisions live in `wangban-core`.

mod audit;
mod backup;
mod config;
mod keys;
mod loadtest;
mod logging;
mod stats;

use std::path::PathBuf;
use std::process::ExitCode;

use chrono::{Datelike, NaiveDate, Utc};
use clap::{Parser, Subcommand};
use serde_json::{Value, json};
use wangban_core::calendar::{CalendarError, DayReason, WorkingCalendar};
use wangban_core::i18n::{Locale, Localize, Message};
use wangban_core::id_number::IdNumber;
use wangban_core::postal::S10Number;
use wangban_core::time::civil_date;

/// wangban (网办): online renewal and replacement of passports and travel permits.
#[derive(Debug, Parser)]
#[command(name = "wangban", version, about, long_about = None)]
struct Cli {
    /// A TOML configuration file (every setting has a default; WANGBAN_* variables override).
    #[arg(long, global = true, env = "WANGBAN_CONFIG")]
    config: Option<PathBuf>,
    /// Language of the output: zh-CN or en.
    #[arg(long, global = true, env = "WANGBAN_LANG", default_value = "zh-CN")]
    lang: Locale,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Runs the service: the JSON API, the simulators' pages and the background workers.
    /// With no configuration it listens on 127.0.0.1:8080, keeps its data in ./wangban-data/
    /// (SQLite in WAL mode, uploaded files beside it), turns the simulators on and loads the
    /// demo data on first start.
    #[command(after_long_help = wangban_server::Settings::help())]
    Serve {
        /// Address to listen on [env: WANGBAN_LISTEN] [default: 127.0.0.1:8080]
        #[arg(long, value_name = "ADDR")]
        listen: Option<std::net::SocketAddr>,
        /// Folder for the database, uploads and simulator state [env: WANGBAN_DATA]
        /// [default: wangban-data]
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
    },
    /// Creates or upgrades the database in the data folder, then exits.
    Migrate {
        /// Folder for the database [env: WANGBAN_DATA] [default: wangban-data]
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
    },
    /// The statutory working-day calendar (public holidays and adjusted working days).
    #[command(subcommand)]
    Calendar(CalendarCommand),
    /// Resident ID numbers (GB 11643-1999).
    #[command(subcommand)]
    Id(IdCommand),
    /// Postal item numbers (UPU S10, as on EMS waybills).
    #[command(subcommand)]
    Tracking(TrackingCommand),
    /// The automatic checks of uploaded files, for a resident who disputes a rejection.
    #[command(subcommand)]
    Media(MediaCommand),
    /// Backups of the data folder (SQLite): create while running, verify, restore.
    #[command(subcommand)]
    Backup(backup::BackupCommand),
    /// Encryption at rest: generate a key-encryption key, rotate to it, check the stored keys.
    #[command(subcommand)]
    Keys(keys::KeysCommand),
    /// The tamper-evident audit log (SM3 hash chain).
    #[command(subcommand)]
    Audit(audit::AuditCommand),
    /// The public statistics' aggregates: rebuild them from the action logs.
    #[command(subcommand)]
    Stats(stats::StatsCommand),
    /// Measures how much one node carries: simulated residents each do the whole journey over
    /// HTTP (SMS login, identity, eligibility, form, four checked uploads, submission, payment)
    /// while reviewers approve; then the bare request rate of `/health`. Against a server it
    /// starts (SQLite, or PostgreSQL with --postgres) or --url. Exit status 0 when every
    /// journey completed, 1 when some failed, 2 when it could not run.
    Loadtest(loadtest::LoadtestArgs),
}

#[derive(Debug, Subcommand)]
enum MediaCommand {
    /// Runs every check on each file and prints each verdict with the measured values, the
    /// threshold and the advice. Exit status 0 when no check fails, 1 when one does, 2 when a
    /// file cannot be read or decoded.
    Check {
        /// What the files are.
        kind: MediaKind,
        /// The image files (JPEG or PNG).
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// One JSON object per file, one per line.
        #[arg(long)]
        json: bool,
        /// Writes the visual feedback (boxes, guide lines) as PNG; with several files, the
        /// file's position is added to the name (OUT-1.png, OUT-2.png, …).
        #[arg(long, value_name = "OUT.png")]
        overlay: Option<PathBuf>,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
enum MediaKind {
    Photo,
    Signature,
    IdFront,
    IdBack,
}

#[derive(Debug, Subcommand)]
enum CalendarCommand {
    /// Is DATE a working day? Exit status 0 either way; 2 if the year has no data.
    IsWorkingDay {
        date: NaiveDate,
        #[arg(long)]
        json: bool,
    },
    /// The N-th working day after DATE (before it when N is negative; DATE itself when 0).
    AddWorkingDays {
        date: NaiveDate,
        #[arg(allow_negative_numbers = true)]
        n: i32,
        #[arg(long)]
        json: bool,
    },
    /// The number of working days after FROM up to and including TO (negative if TO < FROM).
    WorkingDaysBetween {
        from: NaiveDate,
        to: NaiveDate,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum IdCommand {
    /// Checks an ID number: valid (with birth date, sex and issuing area) or why not.
    /// Exit status 0 when valid, 1 when not.
    Check {
        number: String,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Subcommand)]
enum TrackingCommand {
    /// Checks a postal item number's format and check digit. Exit status 0 when valid, 1 when not.
    Check {
        number: String,
        #[arg(long)]
        json: bool,
    },
}

/// What a command answers: the text for people, the JSON for programs, and the exit status.
struct Answer {
    lines: Vec<String>,
    json: Value,
    status: u8,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let locale = cli.lang;
    let config = match config::load(cli.config.as_deref(), std::env::vars()) {
        Ok(c) => c,
        Err(e) => {
            let reason = e.to_string();
            eprintln!(
                "{}",
                Message::new("cli-config-error")
                    .with("reason", reason)
                    .render(locale)
            );
            return ExitCode::from(2);
        }
    };
    let (answer, json) = match cli.command {
        Command::Serve { listen, data } => {
            let mut settings = config;
            if let Some(l) = listen {
                settings.listen = l;
            }
            if let Some(d) = data {
                settings.data = d;
            }
            return run_server(settings);
        }
        Command::Migrate { data } => {
            let mut settings = config;
            if let Some(d) = data {
                settings.data = d;
            }
            return migrate(settings);
        }
        Command::Backup(cmd) => return backup::run(cmd, &config, locale),
        Command::Keys(cmd) => return keys::run(config, cmd, locale),
        Command::Audit(cmd) => return audit::run(&config, cmd, locale),
        Command::Stats(cmd) => return stats::run(config, cmd, locale),
        Command::Loadtest(args) => return loadtest::run(args, locale),
        Command::Id(IdCommand::Check { number, json }) => (id_check(&number, locale), json),
        Command::Tracking(TrackingCommand::Check { number, json }) => {
            (tracking_check(&number, locale), json)
        }
        Command::Media(MediaCommand::Check {
            kind,
            files,
            json,
            overlay,
        }) => return media_check(&config, kind, &files, json, overlay.as_deref(), locale),
        Command::Calendar(cmd) => {
            let json = match cmd {
                CalendarCommand::IsWorkingDay { json, .. }
                | CalendarCommand::AddWorkingDays { json, .. }
                | CalendarCommand::WorkingDaysBetween { json, .. } => json,
            };
            let answer = match calendar(&config) {
                Ok(cal) => calendar_command(&cal, cmd, locale),
                Err(e) => Err(e),
            };
            (answer.unwrap_or_else(|e| error_answer(&e, locale)), json)
        }
    };
    if json {
        println!("{}", answer.json);
    } else if answer.status == 2 {
        for line in &answer.lines {
            eprintln!("{line}");
        }
    } else {
        for line in &answer.lines {
            println!("{line}");
        }
    }
    ExitCode::from(answer.status)
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("the async runtime starts")
}

fn run_server(settings: wangban_server::Settings) -> ExitCode {
    logging::init(&settings.log);
    match runtime().block_on(wangban_server::serve(settings)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("wangban: {e}");
            ExitCode::from(2)
        }
    }
}

fn migrate(settings: wangban_server::Settings) -> ExitCode {
    let result = runtime().block_on(async {
        std::fs::create_dir_all(&settings.data)?;
        let place = if settings.database.url.is_empty() {
            settings.data.join("wangban.db").display().to_string()
        } else {
            settings.database.redacted_url()
        };
        // Unlocking seals what an older version left in clear (migration 0005), so the
        // migrated database holds no personal data in clear.
        let (keyring, _) = settings
            .keys
            .keyring(&settings.data, settings.demo)
            .map_err(std::io::Error::other)?;
        wangban_store::Store::open(&settings.database, &settings.data)
            .await
            .map_err(std::io::Error::other)?
            .unlock(&keyring, chrono::Utc::now())
            .await
            .map_err(std::io::Error::other)?
            .close()
            .await;
        Ok::<_, std::io::Error>(place)
    });
    match result {
        Ok(place) => {
            println!("{place}: migrated");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("wangban: {e}");
            ExitCode::from(2)
        }
    }
}

/// An error the command could not answer past (exit status 2).
fn error_answer(e: &dyn Localize, locale: Locale) -> Answer {
    let reason = e.localize(locale);
    Answer {
        lines: vec![
            Message::new("cli-error")
                .with("reason", reason.as_str())
                .render(locale),
        ],
        json: json!({ "error": { "code": e.code(), "message": reason } }),
        status: 2,
    }
}

/// The built-in calendar, plus the years in `[calendar] dir`, under the configured policy.
fn calendar(config: &config::Config) -> Result<WorkingCalendar, CliError> {
    config.load_calendar().map_err(|e| match e {
        wangban_server::settings::SettingsError::Calendar(c) => CliError::Calendar(c),
        other => CliError::CalendarDir(other.to_string()),
    })
}

/// Why an admin command could not answer.
#[derive(Debug)]
enum CliError {
    Calendar(CalendarError),
    CalendarDir(String),
}

impl Localize for CliError {
    fn message(&self) -> Message {
        match self {
            CliError::Calendar(e) => e.message(),
            CliError::CalendarDir(detail) => {
                Message::new("cli-calendar-dir").with("detail", detail.as_str())
            }
        }
    }
}

/// Lines warning that an answer rests on years without data (the weekends-only fallback).
fn provisional(cal: &WorkingCalendar, dates: &[NaiveDate], locale: Locale) -> (bool, Vec<String>) {
    let mut years: Vec<i32> = dates
        .iter()
        .filter(|d| !cal.covers(**d))
        .map(|d| d.year())
        .collect();
    years.sort_unstable();
    years.dedup();
    let lines = years
        .iter()
        .map(|y| WorkingCalendar::provisional_notice(*y).render(locale))
        .collect();
    (!years.is_empty(), lines)
}

fn weekday(date: NaiveDate) -> Message {
    Message::new("calendar-weekday").with("weekday", date.weekday().number_from_monday())
}

fn calendar_command(
    cal: &WorkingCalendar,
    cmd: CalendarCommand,
    locale: Locale,
) -> Result<Answer, CliError> {
    let iso = |d: NaiveDate| d.format("%Y-%m-%d").to_string();
    match cmd {
        CalendarCommand::IsWorkingDay { date, .. } => {
            let day = cal.day(date).map_err(CliError::Calendar)?;
            let holiday = match day.reason {
                DayReason::Holiday(h) | DayReason::AdjustedWorkingDay(h) => {
                    json!({ "name_zh": h.name_zh(), "name_en": h.name_en() })
                }
                DayReason::Weekday | DayReason::Weekend => Value::Null,
            };
            let mut lines = vec![day.localize(locale)];
            let (is_provisional, warn) = provisional(cal, &[date], locale);
            lines.extend(warn);
            Ok(Answer {
                lines,
                json: json!({
                    "working_day": day.working,
                    "date": iso(date),
                    "weekday": date.weekday().number_from_monday(),
                    "adjusted_working_day": matches!(day.reason, DayReason::AdjustedWorkingDay(_)),
                    "holiday": holiday,
                    "provisional": is_provisional,
                }),
                status: 0,
            })
        }
        CalendarCommand::AddWorkingDays { date, n, .. } => {
            let result = cal.add_working_days(date, n).map_err(CliError::Calendar)?;
            let key = if n < 0 {
                "cli-add-working-days-back"
            } else {
                "cli-add-working-days"
            };
            let mut lines = vec![
                Message::new(key)
                    .with("from", date)
                    .with("n", n.unsigned_abs())
                    .with("date", result)
                    .with("weekday", weekday(result))
                    .render(locale),
            ];
            let (is_provisional, warn) = provisional(cal, &[date, result], locale);
            lines.extend(warn);
            Ok(Answer {
                lines,
                json: json!({
                    "date": iso(result),
                    "from": iso(date),
                    "working_days": n,
                    "provisional": is_provisional,
                }),
                status: 0,
            })
        }
        CalendarCommand::WorkingDaysBetween { from, to, .. } => {
            let n = cal
                .working_days_between(from, to)
                .map_err(CliError::Calendar)?;
            let mut lines = vec![
                Message::new("cli-working-days-between")
                    .with("from", from)
                    .with("to", to)
                    .with("n", n)
                    .render(locale),
            ];
            let (is_provisional, warn) = provisional(cal, &[from, to], locale);
            lines.extend(warn);
            Ok(Answer {
                lines,
                json: json!({
                    "working_days": n,
                    "from": iso(from),
                    "to": iso(to),
                    "provisional": is_provisional,
                }),
                status: 0,
            })
        }
    }
}

fn id_check(number: &str, locale: Locale) -> Answer {
    let today = civil_date(Utc::now());
    match IdNumber::parse(number, today) {
        Ok(id) => {
            let area = id.issuing_area();
            let age = id.age_on(today);
            let lines = vec![
                Message::new("cli-id-valid").render(locale),
                Message::new("cli-id-birth-date")
                    .with("date", id.birth_date())
                    .render(locale),
                Message::new("cli-id-sex")
                    .with("sex", id.sex().message())
                    .render(locale),
                Message::new("cli-id-age").with("age", age).render(locale),
                Message::new("cli-id-area")
                    .with("area", area)
                    .with("code", area.to_string())
                    .render(locale),
            ];
            Answer {
                lines,
                json: json!({
                    "valid": true,
                    "number": id.as_str(),
                    "birth_date": id.birth_date().format("%Y-%m-%d").to_string(),
                    "sex": id.sex(),
                    "age": age,
                    "issuing_area": {
                        "code": area.to_string(),
                        "name_zh": area.describe(Locale::ZhCn),
                        "name_en": area.describe(Locale::En),
                        "current": area.is_current(),
                    },
                }),
                status: 0,
            }
        }
        Err(e) => invalid("cli-id-invalid", &e, locale),
    }
}

fn tracking_check(number: &str, locale: Locale) -> Answer {
    match S10Number::parse(number) {
        Ok(n) => Answer {
            lines: vec![
                Message::new("cli-tracking-valid")
                    .with("number", n.as_str())
                    .with("service", n.service_indicator())
                    .with("serial", format!("{:08}", n.serial()))
                    .with("country", n.country())
                    .render(locale),
            ],
            json: json!({
                "valid": true,
                "number": n.as_str(),
                "service_indicator": n.service_indicator(),
                "serial": format!("{:08}", n.serial()),
                "country": n.country(),
            }),
            status: 0,
        },
        Err(e) => invalid("cli-tracking-invalid", &e, locale),
    }
}

fn invalid(key: &'static str, e: &dyn Localize, locale: Locale) -> Answer {
    let reason = e.localize(locale);
    Answer {
        lines: vec![
            Message::new(key)
                .with("reason", reason.as_str())
                .render(locale),
        ],
        json: json!({ "valid": false, "code": e.code(), "reason": reason }),
        status: 1,
    }
}

/// The overlay path for the `index`-th of `count` files.
fn overlay_path(out: &std::path::Path, index: usize, count: usize) -> PathBuf {
    if count == 1 {
        return out.to_owned();
    }
    let stem = out
        .file_stem()
        .and_then(|s| s.to_str())
        .unwrap_or("overlay");
    let ext = out.extension().and_then(|s| s.to_str()).unwrap_or("png");
    out.with_file_name(format!("{stem}-{}.{ext}", index + 1))
}

fn media_check(
    config: &config::Config,
    kind: MediaKind,
    files: &[PathBuf],
    json: bool,
    overlay: Option<&std::path::Path>,
    locale: Locale,
) -> ExitCode {
    use wangban_media::{FileKind, Verdict};
    let kind = match kind {
        MediaKind::Photo => FileKind::Photo,
        MediaKind::Signature => FileKind::Signature,
        MediaKind::IdFront => FileKind::IdFront,
        MediaKind::IdBack => FileKind::IdBack,
    };
    let today = civil_date(Utc::now());
    let mut status = 0u8;
    for (i, path) in files.iter().enumerate() {
        let name = path.display().to_string();
        let result = std::fs::read(path)
            .map_err(|e| Message::new("cli-media-unreadable").with("detail", e.to_string()))
            .and_then(|bytes| {
                wangban_media::check_upload(kind, &bytes, &config.media, today)
                    .map_err(|e| e.message())
            });
        let report = match result {
            Ok(r) => r,
            Err(message) => {
                status = 2;
                let reason = message.render(locale);
                if json {
                    println!(
                        "{}",
                        json!({ "file": name, "overall": "error", "code": message.key, "reason": reason, "checks": [] })
                    );
                } else {
                    println!(
                        "{name}: {}",
                        Message::new("cli-media-error")
                            .with("reason", reason)
                            .render(locale)
                    );
                }
                continue;
            }
        };
        if report.overall == Verdict::Fail {
            status = status.max(1);
        }
        if let (Some(out), Some(png)) = (overlay, &report.overlay) {
            let target = overlay_path(out, i, files.len());
            if let Err(e) = std::fs::write(&target, png) {
                eprintln!("{}: {e}", target.display());
                status = 2;
            }
        }
        let verdict = |v: Verdict| match v {
            Verdict::Pass => "pass",
            Verdict::Officer => "officer",
            Verdict::Advisory => "advisory",
            Verdict::Fail => "fail",
        };
        if json {
            let checks: Vec<Value> = report
                .checks
                .iter()
                .map(|c| {
                    json!({
                        "code": c.code,
                        "verdict": verdict(c.verdict),
                        "measured": c.measured,
                        "threshold": c.threshold,
                        "message": c.render(locale),
                    })
                })
                .collect();
            println!(
                "{}",
                json!({ "file": name, "overall": verdict(report.overall), "checks": checks })
            );
        } else {
            println!("{name}: {}", verdict(report.overall));
            for c in &report.checks {
                let measured: Vec<String> = c
                    .measured
                    .iter()
                    .map(|m| format!("{}={:.3}{}", m.name, m.value, m.unit))
                    .collect();
                println!(
                    "  [{}] {}: {}",
                    verdict(c.verdict),
                    c.code,
                    c.render(locale)
                );
                if !measured.is_empty() || !c.threshold.is_empty() {
                    println!("      {} | {}", measured.join(", "), c.threshold);
                }
            }
        }
    }
    ExitCode::from(status)
}
