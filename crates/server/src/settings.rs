//! Every setting of the service, with defaults that run: `wangban serve` with no configuration
//! listens on 127.0.0.1:8080, keeps its data in `./wangban-data/`, turns the simulators on and
//! loads the demo data. The binary reads these from a TOML file and `WANGBAN_*` variables
//! ([`Settings::from_table_and_env`]).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use wangban_core::calendar::{CalendarError, WorkingCalendar, YearsWithoutData};
use wangban_core::document::DocumentNumberPatterns;
use wangban_core::eligibility::EligibilitySettings;
use wangban_core::fees::FeeSchedule;
use wangban_core::halls::{HallDirectory, HallsError};
use wangban_gateways::SimulatorSettings;

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Address to listen on (`--listen`, `WANGBAN_LISTEN`).
    pub listen: SocketAddr,
    /// Folder for the database, uploaded files and simulator state (`--data`, `WANGBAN_DATA`).
    pub data: PathBuf,
    /// The address people and callbacks reach the service at; default `http://<listen>`.
    pub public_url: Option<String>,
    /// Load the demo citizens' officers and print where to look, on first start.
    pub demo: bool,
    pub eligibility: EligibilitySettings,
    pub fees: FeeSchedule,
    pub document_numbers: DocumentNumberPatterns,
    pub calendar: CalendarSettings,
    /// The reception-hall directory (`[halls]`): the compiled-in sample of Shanghai's halls
    /// unless `file` names the published list.
    pub halls: HallSettings,
    pub sessions: SessionSettings,
    pub otp: OtpSettings,
    pub proofing: ProofingSettings,
    pub uploads: UploadSettings,
    /// The automatic checks of uploaded files (thresholds, decoding limits).
    pub media: wangban_media::MediaSettings,
    pub workers: WorkerSettings,
    pub simulators: SimulatorSettings,
    /// Logging (`[log]`) and who may read `/metrics` (`[metrics]`).
    pub log: crate::ops::LogSettings,
    pub metrics: crate::ops::MetricsSettings,
    /// Encryption at rest: the key-encryption keys (none configured and `demo` on: a key file
    /// is made in the data folder on first start).
    pub keys: wangban_store::crypto::KeySettings,
    /// The database (`[database]`): the SQLite file in the data folder by default, or
    /// PostgreSQL by URL, with its pool and statement timeout.
    pub database: wangban_store::DatabaseSettings,
    /// Where uploaded files are kept (`[storage]`): a local directory (`<data>/uploads`) by
    /// default, or an S3-compatible bucket; sealed either way.
    pub storage: wangban_store::blobs::StorageSettings,
    /// The public statistics (`[statistics]`): small-cell suppression, caching.
    pub statistics: StatisticsSettings,
    /// Time limits on clients (`[http]`): slow senders are cut off.
    pub http: HttpSettings,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HttpSettings {
    /// A client must send a request's headers within this many seconds of starting them (or
    /// of the connection opening); else the connection is closed (slow-header attacks).
    pub header_read_timeout_seconds: u64,
    /// A request, its body included, must be answered within this many seconds; else 408 and
    /// the connection is closed (slow-body attacks).
    pub request_timeout_seconds: u64,
    /// Largest JSON request body of the API, in bytes (uploads have their own limits,
    /// `[uploads] max_bytes` and `max_capture_bytes`); a larger one is refused with 413.
    pub json_max_bytes: usize,
    /// The reverse proxies whose `X-Forwarded-For` is believed (their own address is the
    /// peer's): the client's address for rate limits and locks is the last entry that is not
    /// one of them. From anyone else the header is ignored, so that a client cannot pick a new
    /// address for each guess.
    pub trusted_proxies: Vec<std::net::IpAddr>,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            header_read_timeout_seconds: 10,
            request_timeout_seconds: 30,
            json_max_bytes: 256 * 1024,
            trusted_proxies: vec![
                std::net::IpAddr::from([127, 0, 0, 1]),
                std::net::IpAddr::from(std::net::Ipv6Addr::LOCALHOST),
            ],
        }
    }
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            listen: SocketAddr::from(([127, 0, 0, 1], 8080)),
            data: PathBuf::from("wangban-data"),
            public_url: None,
            demo: true,
            eligibility: EligibilitySettings::default(),
            fees: FeeSchedule::default(),
            document_numbers: DocumentNumberPatterns::default(),
            calendar: CalendarSettings::default(),
            halls: HallSettings::default(),
            sessions: SessionSettings::default(),
            otp: OtpSettings::default(),
            proofing: ProofingSettings::default(),
            uploads: UploadSettings::default(),
            media: wangban_media::MediaSettings::default(),
            workers: WorkerSettings::default(),
            simulators: SimulatorSettings::default(),
            log: crate::ops::LogSettings::default(),
            metrics: crate::ops::MetricsSettings::default(),
            keys: wangban_store::crypto::KeySettings::default(),
            database: wangban_store::DatabaseSettings::default(),
            storage: wangban_store::blobs::StorageSettings::default(),
            statistics: StatisticsSettings::default(),
            http: HttpSettings::default(),
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StatisticsSettings {
    /// Counts by district from 1 to `min_cell - 1` are published as "fewer than `min_cell`"
    /// (and, when that would hide one cell only, the next smallest too), so that no small group
    /// of residents can be picked out. 0 or 1 publishes every count.
    pub min_cell: u64,
    /// How long browsers and proxies may keep the statistics (`Cache-Control: max-age`).
    pub cache_seconds: u64,
}

impl Default for StatisticsSettings {
    fn default() -> Self {
        StatisticsSettings {
            min_cell: 5,
            cache_seconds: 60,
        }
    }
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CalendarSettings {
    /// A folder of `YYYY.toml` files that add years to (or replace years of) the built-in
    /// statutory calendar: how operators load next year's notice without a new release.
    pub dir: Option<PathBuf>,
    /// What to do with a date in a year without data.
    pub years_without_data: YearsWithoutData,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct HallSettings {
    /// A TOML file of `[[hall]]` entries (the format of `crates/core/halls/shanghai-sample.toml`)
    /// that replaces the compiled-in sample directory.
    pub file: Option<PathBuf>,
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SessionSettings {
    pub applicant_idle_minutes: i64,
    pub applicant_absolute_hours: i64,
    pub officer_idle_minutes: i64,
    pub officer_absolute_hours: i64,
    /// Minutes an officer has to enter the TOTP code after the password.
    pub totp_pending_minutes: i64,
}

impl Default for SessionSettings {
    fn default() -> Self {
        SessionSettings {
            applicant_idle_minutes: 30,
            applicant_absolute_hours: 12,
            officer_idle_minutes: 15,
            officer_absolute_hours: 10,
            totp_pending_minutes: 5,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OtpSettings {
    pub ttl_seconds: i64,
    pub max_attempts: u32,
    /// Code requests allowed per number per hour.
    pub per_number_per_hour: u32,
    /// Code requests allowed per client address per hour.
    pub per_address_per_hour: u32,
    /// Wrong codes accepted from one client address per hour, across numbers; then every
    /// code from that address is refused until the hour has passed (a guesser spreading over
    /// many numbers is stopped as well as one hammering a single number).
    pub wrong_per_address_per_hour: u32,
    /// Wrong authenticator (TOTP) codes an officer may enter within `totp_lock_minutes`;
    /// then the pending login is ended and the second step is locked for that long.
    pub totp_max_attempts: u32,
    pub totp_lock_minutes: i64,
    /// Wrong officer passwords for one username (existing or not) within `totp_lock_minutes`;
    /// then that username's password step is locked for that long.
    pub password_max_attempts: u32,
}

impl Default for OtpSettings {
    fn default() -> Self {
        OtpSettings {
            ttl_seconds: 300,
            max_attempts: 5,
            per_number_per_hour: 5,
            per_address_per_hour: 30,
            wrong_per_address_per_hour: 20,
            totp_max_attempts: 5,
            totp_lock_minutes: 15,
            password_max_attempts: 10,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ProofingSettings {
    /// Failed real-person authentications before a lock.
    pub max_failures: u32,
    pub lock_minutes: i64,
}

impl Default for ProofingSettings {
    fn default() -> Self {
        ProofingSettings {
            max_failures: 3,
            lock_minutes: 60,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct UploadSettings {
    /// Largest accepted file, in bytes (phone photos are large; they are normalised later).
    pub max_bytes: usize,
    /// Largest live capture for real-person authentication.
    pub max_capture_bytes: usize,
    /// Upload checks run at once (each is CPU-bound, tens of milliseconds); more wait their
    /// turn. 0: one per CPU core. More than the cores only adds thread switching.
    pub check_concurrency: usize,
    /// Quotas against upload floods (0: no limit). Uploads (accepted or refused by the
    /// checks) to one application in the last hour:
    pub per_application_per_hour: u32,
    /// Bytes one applicant may upload in the last 24 hours, across applications.
    pub bytes_per_applicant_per_day: u64,
}

impl Default for UploadSettings {
    fn default() -> Self {
        UploadSettings {
            max_bytes: 10 * 1024 * 1024,
            max_capture_bytes: 5 * 1024 * 1024,
            check_concurrency: 0,
            per_application_per_hour: 60,
            bytes_per_applicant_per_day: 200 * 1024 * 1024,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WorkerSettings {
    /// Run background workers in this process.
    pub enabled: bool,
    /// How often idle workers look for due jobs, in milliseconds.
    pub poll_ms: u64,
    /// How often the deadline sweeper runs, in seconds.
    pub sweep_seconds: u64,
    /// Lease on a job while a worker runs it, in seconds.
    pub lease_seconds: i64,
    /// Hours before a 7-day deadline when the reminder goes out.
    pub reminder_hours_before: i64,
    /// Minutes after which a payment without a callback is asked about (reconciliation).
    pub reconcile_after_minutes: i64,
}

impl Default for WorkerSettings {
    fn default() -> Self {
        WorkerSettings {
            enabled: true,
            poll_ms: 250,
            sweep_seconds: 60,
            lease_seconds: 60,
            reminder_hours_before: 24,
            reconcile_after_minutes: 10,
        }
    }
}

/// Problems with the settings found at start.
#[derive(Debug, thiserror::Error)]
pub enum SettingsError {
    #[error("{0}")]
    Calendar(#[from] CalendarError),
    #[error("calendar folder {path}: {source}")]
    CalendarDir {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("halls file {path}: {source}")]
    HallsFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("reception halls ({place}): {source}")]
    Halls { place: String, source: HallsError },
    #[error("{0}")]
    DocumentNumbers(#[from] wangban_core::document::BadPattern),
}

impl Settings {
    /// Every setting with its default, as the TOML a configuration file would hold, followed
    /// by how to set each one from the environment. (`wangban serve --help` prints it.)
    pub fn help() -> String {
        let defaults = toml::to_string(&Settings::default())
            .unwrap_or_else(|e| format!("# (cannot show the defaults: {e})"));
        format!(
            "SETTINGS (defaults shown; optional settings without a default: public_url, \
             calendar.dir, halls.file, metrics.token)\n\nSet them in the file given by --config / WANGBAN_CONFIG, or as \
             environment variables WANGBAN_<KEY>, with __ between a section and its key: \
             WANGBAN_LISTEN=0.0.0.0:8080, WANGBAN_DATA=/var/lib/wangban, \
             WANGBAN_FEES__PASSPORT=12000, WANGBAN_SIMULATORS__PAYMENT__OUT_OF_ORDER=true.\n\n\
             {defaults}"
        )
    }

    pub fn public_url(&self) -> String {
        self.public_url
            .clone()
            .unwrap_or_else(|| format!("http://{}", self.listen))
            .trim_end_matches('/')
            .to_owned()
    }

    /// The built-in calendar plus the years in `[calendar] dir`, under the configured policy.
    pub fn load_calendar(&self) -> Result<WorkingCalendar, SettingsError> {
        let mut cal = WorkingCalendar::builtin();
        if let Some(dir) = &self.calendar.dir {
            let texts = read_calendar_dir(dir)?;
            cal = cal.with_year_sources(texts.iter().map(String::as_str))?;
        }
        Ok(cal.with_policy(self.calendar.years_without_data))
    }
}

impl Settings {
    /// The reception-hall directory: `[halls] file` if set, else the compiled-in sample; checked
    /// against the pilot cities (each of their known districts needs a hall).
    pub fn load_halls(&self) -> Result<HallDirectory, SettingsError> {
        let (place, text) = match &self.halls.file {
            Some(path) => (
                path.display().to_string(),
                std::fs::read_to_string(path).map_err(|source| SettingsError::HallsFile {
                    path: path.clone(),
                    source,
                })?,
            ),
            None => (
                "built-in sample".to_owned(),
                wangban_core::halls::SAMPLE.to_owned(),
            ),
        };
        let cities: Vec<&str> = self
            .eligibility
            .pilot_cities
            .iter()
            .map(|c| c.code.as_str())
            .collect();
        HallDirectory::parse(&text, &cities)
            .map_err(|source| SettingsError::Halls { place, source })
    }
}

/// Every `*.toml` file in `dir`, in name order.
fn read_calendar_dir(dir: &Path) -> Result<Vec<String>, SettingsError> {
    let io = |path: &Path| {
        let path = path.to_owned();
        move |source| SettingsError::CalendarDir { path, source }
    };
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(io(dir))?
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    paths.sort();
    paths
        .iter()
        .map(|p| std::fs::read_to_string(p).map_err(io(p)))
        .collect()
}

/// Environment variables that are command-line options, not configuration keys.
const NOT_CONFIG: &[&str] = &["WANGBAN_CONFIG", "WANGBAN_LANG", "WANGBAN_LOG"];
const ENV_PREFIX: &str = "WANGBAN_";

/// Why the settings of a configuration file and the environment do not load.
#[derive(Debug, thiserror::Error)]
pub enum LoadError {
    #[error("environment variable {var}: {message}")]
    Env { var: String, message: String },
    #[error("{0}")]
    Invalid(String),
}

impl Settings {
    /// The settings of a configuration file (its TOML table; empty without a file) with the
    /// `WANGBAN_*` variables of `env` on top.
    ///
    /// A variable names a key path with `__` between levels, in any case:
    /// `WANGBAN_FEES__PASSPORT=15000` sets `[fees] passport`. Its value is read as a TOML value
    /// when it is one (`15000`, `true`, `["a"]`, `[{ code = "3101", … }]`) and as a string
    /// otherwise. Unknown keys are errors, in the file and in the environment alike.
    pub fn from_table_and_env(
        mut table: toml::Table,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Settings, LoadError> {
        let mut vars: Vec<(String, String)> = env
            .into_iter()
            .filter(|(k, _)| k.starts_with(ENV_PREFIX) && !NOT_CONFIG.contains(&k.as_str()))
            .collect();
        vars.sort();
        for (var, value) in vars {
            let path: Vec<String> = var[ENV_PREFIX.len()..]
                .split("__")
                .map(str::to_ascii_lowercase)
                .collect();
            if path.iter().any(String::is_empty) {
                return Err(LoadError::Env {
                    var,
                    message: "empty key".into(),
                });
            }
            set(&mut table, &path, parse_value(&value)).map_err(|message| LoadError::Env {
                var: var.clone(),
                message,
            })?;
        }
        let settings: Settings = toml::Value::Table(table)
            .try_into()
            .map_err(|e: toml::de::Error| LoadError::Invalid(e.message().to_owned()))?;
        // Compile-time checks of what can only be checked whole.
        wangban_core::document::DocumentNumberRules::new(&settings.document_numbers)
            .map_err(|e| LoadError::Invalid(e.to_string()))?;
        Ok(settings)
    }
}

fn parse_value(text: &str) -> toml::Value {
    format!("v = {text}")
        .parse::<toml::Table>()
        .ok()
        .and_then(|mut t| t.remove("v"))
        .unwrap_or_else(|| toml::Value::String(text.to_owned()))
}

fn set(table: &mut toml::Table, path: &[String], value: toml::Value) -> Result<(), String> {
    let (last, parents) = path.split_last().expect("non-empty path");
    let mut here = table;
    for key in parents {
        let entry = here
            .entry(key.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        here = entry
            .as_table_mut()
            .ok_or_else(|| format!("{key} is not a section"))?;
    }
    here.insert(last.clone(), value);
    Ok(())
}
