//! The server under test when no URL is given: this binary's `serve`, in a child process, on a
//! fresh data folder (and, with `--postgres`, a fresh database), and what `/proc` says about it.

use std::path::PathBuf;
use std::process::Stdio;
use std::time::{Duration, Instant};

use sqlx::{Connection, PgConnection};

use super::LoadtestError;

pub struct ServerOptions {
    pub population: usize,
    pub seed: u64,
    pub postgres: Option<String>,
    pub keep_data: Option<PathBuf>,
    /// The server will be stopped and started again: shorter job leases, so that work a stopped
    /// process had taken is picked up again within seconds rather than a minute, and the
    /// simulators' state written before they answer.
    pub restarts: bool,
}

pub struct StartedServer {
    pub base: String,
    pub pid: u32,
    child: tokio::process::Child,
    data: PathBuf,
    port: u16,
    env: Vec<(String, String)>,
    /// Removed on drop unless the data is kept.
    _temp: Option<tempfile::TempDir>,
    /// The fresh database (admin URL, name), dropped at the end.
    database: Option<(String, String)>,
}

impl StartedServer {
    /// Starts `wangban serve` with the settings a load test needs on top of the defaults (and
    /// of the caller's own `WANGBAN_*` variables): the synthetic population, an OTP limit per
    /// address that lets every resident (all at 127.0.0.1) ask for a code, and its public URL.
    pub async fn start(options: ServerOptions) -> Result<StartedServer, LoadtestError> {
        let (temp, data) = match &options.keep_data {
            Some(dir) => {
                if dir.exists() {
                    return Err(LoadtestError::Setup(format!(
                        "{} exists; --keep-data wants a new folder",
                        dir.display()
                    )));
                }
                (None, dir.clone())
            }
            None => {
                let t = tempfile::tempdir()
                    .map_err(|e| LoadtestError::Setup(format!("temporary folder: {e}")))?;
                let d = t.path().join("data");
                (Some(t), d)
            }
        };
        std::fs::create_dir_all(&data)
            .map_err(|e| LoadtestError::Setup(format!("{}: {e}", data.display())))?;
        let database = match &options.postgres {
            Some(admin) => Some(create_database(admin).await?),
            None => None,
        };
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map_err(|e| LoadtestError::Setup(format!("no free port: {e}")))?
            .port();
        let base = format!("http://127.0.0.1:{port}");
        let mut env = vec![
            ("WANGBAN_PUBLIC_URL".to_owned(), base.clone()),
            (
                "WANGBAN_SIMULATORS__REGISTRY__SYNTHETIC_POPULATION".to_owned(),
                options.population.to_string(),
            ),
            (
                "WANGBAN_SIMULATORS__REGISTRY__SYNTHETIC_SEED".to_owned(),
                options.seed.to_string(),
            ),
            (
                "WANGBAN_OTP__PER_ADDRESS_PER_HOUR".to_owned(),
                "100000000".to_owned(),
            ),
        ];
        if options.restarts {
            env.push(("WANGBAN_WORKERS__LEASE_SECONDS".to_owned(), "5".to_owned()));
            // The simulated outside world must not forget what it answered when wangban's
            // process is killed: the real SMS gateway and payment provider would not.
            env.push((
                "WANGBAN_SIMULATORS__SNAPSHOT_DEBOUNCE_MS".to_owned(),
                "0".to_owned(),
            ));
        }
        if let Some((admin, name)) = &database {
            env.push((
                "WANGBAN_DATABASE__URL".to_owned(),
                database_url(admin, name),
            ));
        }
        let child = spawn(&data, port, &env)?;
        let mut server = StartedServer {
            base,
            pid: child.id().unwrap_or_default(),
            child,
            data,
            port,
            env,
            _temp: temp,
            database,
        };
        server.wait_ready().await?;
        Ok(server)
    }

    /// Waits until `/ready` answers 200 (migrations done, population generated).
    async fn wait_ready(&mut self) -> Result<(), LoadtestError> {
        let http = reqwest::Client::new();
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                let log = std::fs::read_to_string(self.data.join("server.log")).unwrap_or_default();
                let tail: Vec<&str> = log.lines().rev().take(20).collect();
                let tail: Vec<&str> = tail.into_iter().rev().collect();
                return Err(LoadtestError::Server(format!(
                    "the server exited ({status}):\n{}",
                    tail.join("\n")
                )));
            }
            if let Ok(r) = http.get(format!("{}/ready", self.base)).send().await
                && r.status().is_success()
            {
                return Ok(());
            }
            if started.elapsed() > Duration::from_secs(120) {
                let _ = self.child.kill().await;
                return Err(LoadtestError::Server(
                    "the server was not ready within 120 s".to_owned(),
                ));
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Kills the server with SIGKILL (no chance to finish anything) and starts it again on
    /// the same data, port and database.
    pub async fn kill_and_restart(&mut self) -> Result<(), LoadtestError> {
        let _ = self.child.kill().await;
        let _ = self.child.wait().await;
        self.child = spawn(&self.data, self.port, &self.env)?;
        self.pid = self.child.id().unwrap_or_default();
        self.wait_ready().await
    }

    /// Stops the server and drops its database.
    pub async fn stop(mut self) {
        let _ = self.child.kill().await;
        let _ = self.child.wait().await;
        if let Some((admin, name)) = self.database.take()
            && let Ok(mut conn) = PgConnection::connect(&admin).await
        {
            let _ = sqlx::query(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                .execute(&mut conn)
                .await;
        }
    }
}

/// `wangban serve` on `data` at 127.0.0.1:`port`, its output appended to `server.log`.
fn spawn(
    data: &std::path::Path,
    port: u16,
    env: &[(String, String)],
) -> Result<tokio::process::Child, LoadtestError> {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(data.join("server.log"))
        .map_err(|e| LoadtestError::Setup(format!("server log: {e}")))?;
    let exe = std::env::current_exe()
        .map_err(|e| LoadtestError::Setup(format!("this program's path: {e}")))?;
    let mut cmd = tokio::process::Command::new(exe);
    cmd.arg("serve")
        .arg("--listen")
        .arg(format!("127.0.0.1:{port}"))
        .arg("--data")
        .arg(data)
        .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .stdin(Stdio::null())
        .stdout(Stdio::from(log.try_clone().map_err(|e| {
            LoadtestError::Setup(format!("server log: {e}"))
        })?))
        .stderr(Stdio::from(log))
        .kill_on_drop(true);
    cmd.spawn()
        .map_err(|e| LoadtestError::Server(format!("could not start the server: {e}")))
}

/// Creates `wangban_loadtest_<random>` on the server of `admin`.
async fn create_database(admin: &str) -> Result<(String, String), LoadtestError> {
    let mut conn = PgConnection::connect(admin).await.map_err(|e| {
        LoadtestError::Setup(format!(
            "PostgreSQL at {}: {e}",
            wangban_store::redact_url(admin)
        ))
    })?;
    let name = format!("wangban_loadtest_{:016x}", rand_u64());
    sqlx::query(&format!("CREATE DATABASE {name}"))
        .execute(&mut conn)
        .await
        .map_err(|e| LoadtestError::Setup(format!("CREATE DATABASE: {e}")))?;
    let _ = conn.close().await;
    Ok((admin.to_owned(), name))
}

/// The admin URL with `name` as its database.
fn database_url(admin: &str, name: &str) -> String {
    let (base, params) = match admin.split_once('?') {
        Some((b, p)) => (b, format!("?{p}")),
        None => (admin, String::new()),
    };
    let server = match base.split_once("://").map(|(_, rest)| rest.contains('/')) {
        Some(true) => base.rsplit_once('/').map_or(base, |(s, _)| s),
        _ => base,
    };
    format!("{server}/{name}{params}")
}

fn rand_u64() -> u64 {
    use std::hash::{BuildHasher, Hasher};
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or_default(),
    );
    h.write_u32(std::process::id());
    h.finish()
}

/// Clock ticks per second of `/proc` times (USER_HZ, 100 on Linux for every architecture
/// this runs on).
const TICKS: f64 = 100.0;

/// User and system CPU seconds of process `pid` so far.
pub fn cpu_seconds(pid: u32) -> Option<f64> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the command name (which may contain spaces) in parentheses.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split_whitespace().collect();
    // utime and stime are fields 14 and 15 of the whole line, 12 and 13 after the name.
    let user: f64 = fields.get(11)?.parse().ok()?;
    let system: f64 = fields.get(12)?.parse().ok()?;
    Some((user + system) / TICKS)
}

/// Peak resident memory of process `pid` (VmHWM), in KiB.
pub fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))?
        .split_whitespace()
        .next()?
        .parse()
        .ok()
}

/// (busy, total) CPU ticks of the whole machine so far.
pub fn machine_ticks() -> Option<(u64, u64)> {
    let stat = std::fs::read_to_string("/proc/stat").ok()?;
    let cpu = stat.lines().next()?.strip_prefix("cpu ")?;
    let v: Vec<u64> = cpu
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    let total: u64 = v.iter().take(8).sum();
    let idle = v.get(3)? + v.get(4).copied().unwrap_or(0);
    Some((total - idle, total))
}

/// The share of the machine's CPU that was busy between two readings.
pub fn busy_share(before: (u64, u64), after: (u64, u64)) -> Option<f64> {
    let total = after.1.checked_sub(before.1)?;
    (total > 0).then(|| (after.0.saturating_sub(before.0)) as f64 / total as f64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn this_process_has_cpu_time_and_memory() {
        let me = std::process::id();
        let mut x = 0u64;
        for i in 0..5_000_000u64 {
            x = x.wrapping_mul(31).wrapping_add(i);
        }
        assert!(x != 1);
        assert!(cpu_seconds(me).is_some());
        assert!(peak_rss_kib(me).is_some_and(|k| k > 100));
        let (busy, total) = machine_ticks().unwrap();
        assert!(busy <= total);
        assert_eq!(busy_share((10, 100), (60, 200)), Some(0.5));
        assert_eq!(busy_share((10, 100), (10, 100)), None);
    }

    #[test]
    fn database_url_replaces_the_admin_database() {
        assert_eq!(
            database_url("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            database_url("postgres://postgres@127.0.0.1:5432?sslmode=disable", "x"),
            "postgres://postgres@127.0.0.1:5432/x?sslmode=disable"
        );
    }
}
