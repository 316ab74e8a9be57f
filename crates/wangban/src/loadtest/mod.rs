//! `wangban loadtest`: how much one node carries, measured over HTTP.
//!
//! Simulated residents (people of the registry simulator's synthetic population, chosen so
//! that the eligibility engine says yes) each do the whole journey through the JSON API: SMS
//! login (reading the code from the SMS simulator's outbox), real-person authentication,
//! eligibility, a draft, the delivery answers, four uploads that go through the real checks,
//! submission; reviewers claim and approve; the resident pays on the payment simulator's page
//! and waits until the signed payment notification has moved the application into production.
//! Then, for a few seconds, the same number of clients ask for `/health` (a request that does
//! nothing), so that the journey's request rate can be compared with the server's bare one.
//!
//! It runs against a server it starts (this binary's `serve`, on a fresh SQLite data folder or
//! a fresh PostgreSQL database) or against a URL. The report: journeys per second, requests
//! per second, latency percentiles per endpoint, errors by kind, the server's CPU time and peak
//! memory (read from `/proc` for a server it started, or for `--server-pid`).

mod journey;
mod report;
mod server;

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use clap::Args;
use wangban_core::document::{DocumentKind, Reason};
use wangban_core::eligibility::{EligibilitySettings, Facts, Request, assess};
use wangban_core::i18n::{Locale, Message};
use wangban_gateways::registry::synthetic::{SyntheticPerson, synthetic_people};

pub use report::Report;

/// `wangban loadtest` options.
#[derive(Debug, Args)]
pub struct LoadtestArgs {
    /// Complete journeys to run.
    #[arg(long, default_value_t = 200)]
    pub journeys: usize,
    /// Residents on their journey at the same time.
    #[arg(long, default_value_t = 50)]
    pub concurrency: usize,
    /// Reviewers approving at the same time.
    #[arg(long, default_value_t = 4)]
    pub officers: usize,
    /// Seconds of the no-op phase (`GET /health` with the same concurrency); 0 to skip it.
    #[arg(long, default_value_t = 5)]
    pub noop_seconds: u64,
    /// A running server to test (its simulators on, demo officers present, the synthetic
    /// population of `--seed` loaded, and an OTP limit per address above the journey count).
    /// Without it, a server is started (this binary's `serve`) on a fresh data folder.
    #[arg(long, value_name = "URL")]
    pub url: Option<String>,
    /// The started server keeps its data in a fresh database on this PostgreSQL server (an
    /// admin URL, e.g. postgres://postgres@127.0.0.1:5432/postgres); dropped at the end.
    #[arg(long, value_name = "ADMIN_URL")]
    pub postgres: Option<String>,
    /// The process id of the server behind `--url`, for its CPU time and peak memory.
    #[arg(long, value_name = "PID")]
    pub server_pid: Option<u32>,
    /// The synthetic population's seed (the server's `[simulators.registry] synthetic_seed`).
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
    /// The synthetic population's size (the server's `synthetic_population`); by default four
    /// people per journey, enough to find that many eligible ones.
    #[arg(long)]
    pub population: Option<usize>,
    /// Skip this many people of the population (a second run against the same `--url` must
    /// not pick people who already have an application open).
    #[arg(long, default_value_t = 0)]
    pub skip: usize,
    /// Longest wait for one step of a journey (an SMS, an approval, a payment notification).
    #[arg(long, default_value_t = 120)]
    pub step_timeout_seconds: u64,
    /// Kill the started server with SIGKILL this many times during the journeys, at random
    /// moments (0.5 to 3 s apart, from `--seed`), starting it again each time; then check that
    /// every acknowledged submission, upload, officer decision and payment is there exactly
    /// once, and that every journey still completed (background work resumed).
    #[arg(long, default_value_t = 0)]
    pub kills: u32,
    /// Keep the started server's data folder here (it must not exist), instead of a
    /// temporary folder removed at the end.
    #[arg(long, value_name = "DIR")]
    pub keep_data: Option<std::path::PathBuf>,
    /// The report as one JSON object on standard output.
    #[arg(long)]
    pub json: bool,
}

/// Why a load test could not run (as opposed to journeys that failed, which it reports).
#[derive(Debug, thiserror::Error)]
pub enum LoadtestError {
    #[error("{0}")]
    Server(String),
    #[error("{0}")]
    Setup(String),
}

/// Runs the load test and prints the report. Exit status 0 when every journey completed,
/// 1 when some failed, 2 when the test could not run.
pub fn run(args: LoadtestArgs, locale: Locale) -> std::process::ExitCode {
    if args.kills > 0 && args.url.is_some() {
        eprintln!(
            "{}",
            Message::new("loadtest-kills-need-own-server").render(locale)
        );
        return std::process::ExitCode::from(2);
    }
    if args.journeys == 0 || args.concurrency == 0 || args.officers == 0 {
        eprintln!("{}", Message::new("loadtest-bad-counts").render(locale));
        return std::process::ExitCode::from(2);
    }
    match crate::runtime().block_on(run_async(&args, locale)) {
        Ok(report) => {
            if args.json {
                println!("{}", report.to_json());
            } else {
                println!("{}", report.render(locale));
            }
            if report.failed_journeys() == 0
                && report
                    .durability
                    .as_ref()
                    .is_none_or(|d| d.problems.is_empty())
            {
                std::process::ExitCode::SUCCESS
            } else {
                std::process::ExitCode::from(1)
            }
        }
        Err(e) => {
            eprintln!(
                "{}",
                Message::new("loadtest-could-not-run")
                    .with("reason", e.to_string())
                    .render(locale)
            );
            std::process::ExitCode::from(2)
        }
    }
}

async fn run_async(args: &LoadtestArgs, locale: Locale) -> Result<Report, LoadtestError> {
    let population = args
        .population
        .unwrap_or_else(|| (args.skip + args.journeys) * 4 + 100);
    let today = wangban_core::time::civil_date(chrono::Utc::now());
    let residents = choose_residents(population, args.seed, args.skip, args.journeys, today);
    if residents.len() < args.journeys {
        return Err(LoadtestError::Setup(
            Message::new("loadtest-not-enough-people")
                .with("wanted", args.journeys as i64)
                .with("found", residents.len() as i64)
                .with("population", population as i64)
                .render(locale),
        ));
    }
    let started = match &args.url {
        Some(_) => None,
        None => {
            eprintln!(
                "{}",
                Message::new("loadtest-starting-server").render(locale)
            );
            Some(
                server::StartedServer::start(server::ServerOptions {
                    population,
                    seed: args.seed,
                    postgres: args.postgres.clone(),
                    keep_data: args.keep_data.clone(),
                    restarts: args.kills > 0,
                })
                .await?,
            )
        }
    };
    let base = match (&args.url, &started) {
        (Some(u), _) => u.trim_end_matches('/').to_owned(),
        (None, Some(s)) => s.base.clone(),
        (None, None) => unreachable!("a server was started when no URL was given"),
    };
    let started = started.map(|s| Arc::new(tokio::sync::Mutex::new(s)));
    let outcome = drive(args, &base, residents, started.clone(), locale).await;
    if let Some(s) = started
        && let Ok(s) = Arc::try_unwrap(s)
    {
        s.into_inner().stop().await;
    }
    let mut report = outcome?;
    report.target = match (&args.url, &args.postgres) {
        (Some(u), _) => u.clone(),
        (None, Some(_)) => "started server, PostgreSQL".to_owned(),
        (None, None) => "started server, SQLite".to_owned(),
    };
    Ok(report)
}

/// The first `n` people of the population (after `skip`) for whom some renewal or replacement
/// is allowed today, each with that request. Minors, people outside the pilot city, people
/// with nothing to renew and the like are passed over, as they would be turned away.
fn choose_residents(
    population: usize,
    seed: u64,
    skip: usize,
    n: usize,
    today: chrono::NaiveDate,
) -> Vec<(SyntheticPerson, Request)> {
    let settings = EligibilitySettings::default();
    synthetic_people(population, seed, today)
        .skip(skip)
        .filter_map(|p| {
            let request = [
                DocumentKind::Passport,
                DocumentKind::HkMacaoPermit,
                DocumentKind::TaiwanPermit,
            ]
            .into_iter()
            .flat_map(|kind| {
                Reason::ALL
                    .into_iter()
                    .map(move |reason| Request { kind, reason })
            })
            .filter(|r| r.reason != Reason::LostOrStolen)
            .find(|request| {
                assess(
                    &Facts {
                        person: &p.person.record,
                        request: *request,
                        today,
                        open_applications: &[],
                    },
                    &settings,
                )
                .failures()
                .next()
                .is_none()
            })?;
            Some((p, request))
        })
        .take(n)
        .collect()
}

/// Latencies and errors, shared by every task of the run.
#[derive(Default)]
pub(crate) struct Recorder {
    /// Per endpoint (method and route template): latencies in microseconds.
    latencies: Mutex<BTreeMap<&'static str, Vec<u32>>>,
    /// Per kind ("endpoint: HTTP 409 api-…", "endpoint: timeout", …): how many.
    errors: Mutex<BTreeMap<String, u64>>,
    requests: AtomicU64,
    /// Requests sent again because the first got no answer.
    retries: AtomicU64,
    /// Steps whose answer was lost with a stopped server, found done on a second look.
    reconciled: AtomicU64,
}

impl Recorder {
    fn latency(&self, endpoint: &'static str, took: Duration) {
        self.requests.fetch_add(1, Ordering::Relaxed);
        let micros = u32::try_from(took.as_micros()).unwrap_or(u32::MAX);
        self.latencies
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(endpoint)
            .or_default()
            .push(micros);
    }

    fn error(&self, kind: String) {
        *self
            .errors
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .entry(kind)
            .or_default() += 1;
    }
}

/// Logs the reviewers in, runs the journeys with a progress bar, then the no-op phase.
async fn drive(
    args: &LoadtestArgs,
    base: &str,
    residents: Vec<(SyntheticPerson, Request)>,
    server: Option<Arc<tokio::sync::Mutex<server::StartedServer>>>,
    locale: Locale,
) -> Result<Report, LoadtestError> {
    let pid_now = async || match &server {
        Some(s) => Some(s.lock().await.pid),
        None => args.server_pid,
    };
    let pid = pid_now().await;
    let recorder = Arc::new(Recorder::default());
    let client = journey::Client::new(
        base,
        recorder.clone(),
        args.step_timeout_seconds,
        args.kills > 0,
    )
    .map_err(|e| LoadtestError::Setup(e.to_string()))?;
    let reviewers = journey::reviewer_sessions(&client)
        .await
        .map_err(|e| LoadtestError::Setup(e.to_string()))?;
    // Officer logins are set-up, not the journeys' traffic.
    *recorder.latencies.lock().unwrap_or_else(|e| e.into_inner()) = BTreeMap::new();
    recorder.requests.store(0, Ordering::Relaxed);

    let total = residents.len() as u64;
    let bar = indicatif::ProgressBar::new(total);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{spinner} [{elapsed_precise}] {wide_bar} {pos}/{len} {msg}",
        )
        .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
    );
    if args.json {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    let cpu_before = pid.and_then(server::cpu_seconds);
    let machine_before = server::machine_ticks();
    let started = Instant::now();
    let ledger = Arc::new(journey::Ledger::default());
    let stop_chaos = Arc::new(tokio::sync::Notify::new());
    let chaos = match (&server, args.kills) {
        (Some(server), kills) if kills > 0 => {
            let (server, stop, bar, seed) =
                (server.clone(), stop_chaos.clone(), bar.clone(), args.seed);
            Some(tokio::spawn(async move {
                let mut rng = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
                let mut done = 0u32;
                while done < kills {
                    // xorshift64: the same moments for the same seed.
                    rng ^= rng << 13;
                    rng ^= rng >> 7;
                    rng ^= rng << 17;
                    let pause = Duration::from_millis(500 + rng % 2500);
                    tokio::select! {
                        _ = tokio::time::sleep(pause) => {}
                        _ = stop.notified() => break,
                    }
                    let mut s = server.lock().await;
                    s.kill_and_restart().await?;
                    done += 1;
                    bar.set_message(format!("SIGKILL ×{done}"));
                }
                Ok(done)
            }))
        }
        _ => None,
    };
    let outcomes = journey::run_all(
        &client,
        residents,
        reviewers,
        journey::Staffing {
            concurrency: args.concurrency,
            officers: args.officers,
        },
        &ledger,
        &bar,
        locale,
    )
    .await;
    let journey_time = started.elapsed();
    stop_chaos.notify_one();
    let kills = match chaos {
        Some(task) => Some(
            task.await
                .map_err(|e| LoadtestError::Server(e.to_string()))??,
        ),
        None => None,
    };
    bar.finish_and_clear();
    let durability = match kills {
        Some(_) => Some(journey::verify(&client, &ledger).await),
        None => None,
    };
    // After a restart the process is another: its CPU and memory are not the run's.
    let pid = if kills.is_some_and(|k| k > 0) {
        None
    } else {
        pid
    };
    let cpu_after = pid.and_then(server::cpu_seconds);
    let machine_after = server::machine_ticks();
    let journey_requests = recorder.requests.load(Ordering::Relaxed);

    let noop = if args.noop_seconds > 0 {
        eprintln!(
            "{}",
            Message::new("loadtest-noop-phase")
                .with("seconds", args.noop_seconds as i64)
                .render(locale)
        );
        Some(
            journey::noop_phase(
                &client,
                args.concurrency,
                Duration::from_secs(args.noop_seconds),
            )
            .await,
        )
    } else {
        None
    };
    let latencies =
        std::mem::take(&mut *recorder.latencies.lock().unwrap_or_else(|e| e.into_inner()));
    let errors = std::mem::take(&mut *recorder.errors.lock().unwrap_or_else(|e| e.into_inner()));
    Ok(Report {
        target: String::new(),
        journeys: total,
        concurrency: args.concurrency,
        officers: args.officers,
        completed: outcomes.completed,
        final_states: outcomes.final_states,
        journey_seconds: journey_time.as_secs_f64(),
        journey_requests,
        latencies,
        errors,
        noop,
        server_cpu_seconds: match (cpu_before, cpu_after) {
            (Some(a), Some(b)) => Some(b - a),
            _ => None,
        },
        server_peak_rss_kib: pid.and_then(server::peak_rss_kib),
        kills,
        retries: recorder.retries.load(Ordering::Relaxed),
        reconciled: recorder.reconciled.load(Ordering::Relaxed),
        durability,
        machine_busy_share: match (machine_before, machine_after) {
            (Some(a), Some(b)) => server::busy_share(a, b),
            _ => None,
        },
    })
}
