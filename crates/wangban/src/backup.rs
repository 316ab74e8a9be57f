//! `wangban backup create|verify|restore`: backups of an installation, on SQLite or PostgreSQL.
//!
//! A backup is a **folder** (copy it anywhere, compress it with any tool):
//!
//! - `wangban.db` — on SQLite, a consistent snapshot of the database made with SQLite's
//!   `VACUUM INTO` (one read transaction), taken while the service runs; or
//!   `database.pgdump` — on PostgreSQL, `pg_dump --format=custom` of a snapshot exported by a
//!   repeatable-read transaction (whose application count the manifest records), also taken
//!   while the service runs;
//! - `uploads/` — the uploaded files with `[storage] kind = "local"` (the default), sealed as
//!   stored (named by content, never changed once written), copied *after* the snapshot, so
//!   every file the snapshot refers to is there. With `kind = "s3"` the files live in the
//!   bucket and are not copied: the bucket's versioning and replication back them up;
//! - `sim/` — the simulators' state (a pilot's stand-ins for external systems);
//! - `MANIFEST.json` — the format, when it was made, and every file's size and SHA-256.
//!
//! It is written under a temporary name beside `--out` and renamed when complete, so a folder
//! with the final name is always whole. `verify` and `restore` check the manifest (no file
//! missing, extra, or changed) and the database (`PRAGMA integrity_check`, or `pg_restore
//! --list` reading the archive) before anything is written. `restore` refuses a data folder
//! that is not empty unless `--force`; then the old contents are moved aside
//! (`<data>.replaced-<time>`), never deleted. On PostgreSQL it restores into the configured
//! database in one transaction (`pg_restore --single-transaction`), which must hold no tables
//! unless `--force` (then the backup's objects replace the database's). The PostgreSQL client
//! tools (`pg_dump`, `pg_restore`, of the server's version or newer) must be on the PATH; a
//! password in the URL reaches them through `PGPASSWORD`, never the command line.

use std::collections::BTreeMap;
use std::io;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::Subcommand;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use wangban_core::i18n::{Locale, Message};
use wangban_store::DatabaseSettings;

const MANIFEST: &str = "MANIFEST.json";
const FORMAT: &str = "wangban-backup";
const VERSION: u32 = 1;
const DB: &str = "wangban.db";
const PG_DUMP: &str = "database.pgdump";
/// The folders of the data folder that a backup holds, besides the database.
const FOLDERS: &[&str] = &["uploads", "sim"];

#[derive(Debug, Subcommand)]
pub enum BackupCommand {
    /// Makes a backup of the data folder while the service runs: a folder holding a
    /// consistent copy of the database, the uploaded files, the simulators' state and a
    /// manifest of checksums.
    Create {
        /// The backup folder to write (must not exist).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// The data folder [env: WANGBAN_DATA] [default: wangban-data]
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
    },
    /// Checks a backup: every file present and unchanged, the database intact.
    Verify {
        /// The backup folder.
        backup: PathBuf,
    },
    /// Restores a backup into a data folder (stop the service first). The backup is verified
    /// before anything is written; a data folder that is not empty is refused unless --force.
    Restore {
        /// The backup folder.
        backup: PathBuf,
        /// The data folder to restore into.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// Replace a data folder that is not empty (its contents are moved aside, not deleted).
        #[arg(long)]
        force: bool,
    },
}

#[derive(Debug, Serialize, Deserialize)]
struct Manifest {
    format: String,
    version: u32,
    backend: String,
    created_at: String,
    applications: i64,
    /// Relative path (with `/`) → size and SHA-256.
    files: BTreeMap<String, FileEntry>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
struct FileEntry {
    bytes: u64,
    sha256: String,
}

/// Why a backup command failed: the message key and its arguments.
struct Failure(Message);

impl From<Message> for Failure {
    fn from(m: Message) -> Self {
        Failure(m)
    }
}

pub fn run(cmd: BackupCommand, settings: &wangban_server::Settings, locale: Locale) -> ExitCode {
    let result = match cmd {
        BackupCommand::Create { out, data } => {
            let data = data.unwrap_or_else(|| settings.data.clone());
            create(&data, &out, &settings.database)
        }
        BackupCommand::Verify { backup } => verify(&backup).map(|m| {
            vec![
                Message::new("ops-backup-verified")
                    .with("path", backup.display().to_string())
                    .with("files", m.files.len() as i64)
                    .with("applications", m.applications),
            ]
        }),
        BackupCommand::Restore {
            backup,
            data,
            force,
        } => restore(&backup, &data, force, &settings.database),
    };
    match result {
        Ok(lines) => {
            for m in lines {
                println!("{}", m.render(locale));
            }
            ExitCode::SUCCESS
        }
        Err(Failure(m)) => {
            eprintln!("{}", m.render(locale));
            ExitCode::from(2)
        }
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("the async runtime starts")
}

fn failed(e: impl std::fmt::Display) -> Failure {
    Failure(Message::new("ops-backup-failed").with("reason", e.to_string()))
}

fn create(data: &Path, out: &Path, database: &DatabaseSettings) -> Result<Vec<Message>, Failure> {
    let postgres = database.is_postgres();
    let db = data.join(DB);
    if !postgres && !db.is_file() {
        return Err(Message::new("ops-backup-no-database")
            .with("path", data.display().to_string())
            .into());
    }
    if out.exists() {
        return Err(Message::new("ops-backup-exists")
            .with("path", out.display().to_string())
            .into());
    }
    let tmp = sibling(out, "partial");
    std::fs::create_dir_all(&tmp).map_err(failed)?;
    let result = (|| {
        let rt = runtime();
        // The snapshot first: files it refers to were written before it, so they are copied.
        let applications = if postgres {
            rt.block_on(dump_postgres(database, &tmp.join(PG_DUMP)))?
        } else {
            rt.block_on(wangban_store::ops::backup_sqlite(&db, &tmp.join(DB)))
                .map_err(failed)?;
            rt.block_on(wangban_store::ops::check_sqlite(&tmp.join(DB)))
                .map_err(failed)?
        };
        for folder in FOLDERS {
            let from = data.join(folder);
            if from.is_dir() {
                copy_tree(&from, &tmp.join(folder)).map_err(failed)?;
            }
        }
        let manifest = Manifest {
            format: FORMAT.into(),
            version: VERSION,
            backend: if postgres { "postgres" } else { "sqlite" }.into(),
            created_at: chrono::Utc::now().to_rfc3339(),
            applications,
            files: inventory(&tmp).map_err(failed)?,
        };
        let text = serde_json::to_string_pretty(&manifest).map_err(failed)?;
        std::fs::write(tmp.join(MANIFEST), text).map_err(failed)?;
        std::fs::rename(&tmp, out).map_err(failed)?;
        Ok(manifest)
    })();
    match result {
        Ok(m) => Ok(vec![
            Message::new("ops-backup-created")
                .with("path", out.display().to_string())
                .with("applications", m.applications)
                .with("files", m.files.len() as i64),
        ]),
        Err(e) => {
            let _ = std::fs::remove_dir_all(&tmp);
            Err(e)
        }
    }
}

fn invalid(path: &Path, reason: impl std::fmt::Display) -> Failure {
    Failure(
        Message::new("ops-backup-invalid")
            .with("path", path.display().to_string())
            .with("reason", reason.to_string()),
    )
}

/// Checks the manifest against the folder and the database's integrity.
fn verify(backup: &Path) -> Result<Manifest, Failure> {
    let text = std::fs::read_to_string(backup.join(MANIFEST))
        .map_err(|e| invalid(backup, format!("{MANIFEST}: {e}")))?;
    let manifest: Manifest =
        serde_json::from_str(&text).map_err(|e| invalid(backup, format!("{MANIFEST}: {e}")))?;
    if manifest.format != FORMAT
        || manifest.version != VERSION
        || !matches!(manifest.backend.as_str(), "sqlite" | "postgres")
    {
        return Err(invalid(
            backup,
            format!(
                "format {} {} ({}), expected {FORMAT} {VERSION} (sqlite or postgres)",
                manifest.format, manifest.version, manifest.backend
            ),
        ));
    }
    let mut found = inventory(backup).map_err(|e| invalid(backup, e))?;
    found.remove(MANIFEST);
    for (path, want) in &manifest.files {
        match found.remove(path) {
            None => return Err(invalid(backup, format!("{path} is missing"))),
            Some(got) if &got != want => {
                return Err(invalid(backup, format!("{path} has changed")));
            }
            Some(_) => {}
        }
    }
    if let Some(extra) = found.keys().next() {
        return Err(invalid(backup, format!("{extra} is not in the manifest")));
    }
    if manifest.backend == "postgres" {
        if !manifest.files.contains_key(PG_DUMP) {
            return Err(invalid(backup, format!("{PG_DUMP} is missing")));
        }
        // pg_restore reads the archive's table of contents: a readable dump.
        let out = pg_tool("pg_restore", None)
            .map_err(|e| invalid(backup, e))?
            .arg("--list")
            .arg(backup.join(PG_DUMP))
            .output()
            .map_err(|e| invalid(backup, tool_error("pg_restore", e)))?;
        if !out.status.success() {
            return Err(invalid(
                backup,
                format!("{PG_DUMP}: {}", String::from_utf8_lossy(&out.stderr).trim()),
            ));
        }
    } else {
        if !manifest.files.contains_key(DB) {
            return Err(invalid(backup, format!("{DB} is missing")));
        }
        runtime()
            .block_on(wangban_store::ops::check_sqlite(&backup.join(DB)))
            .map_err(|e| invalid(backup, e))?;
    }
    Ok(manifest)
}

fn restore(
    backup: &Path,
    data: &Path,
    force: bool,
    database: &DatabaseSettings,
) -> Result<Vec<Message>, Failure> {
    let manifest = verify(backup)?;
    let postgres = manifest.backend == "postgres";
    if postgres != database.is_postgres() {
        return Err(Message::new("ops-backup-backend-mismatch")
            .with("backup", manifest.backend.clone())
            .with(
                "configured",
                if database.is_postgres() {
                    "postgres"
                } else {
                    "sqlite"
                },
            )
            .into());
    }
    let replace_database = if postgres {
        let contents = runtime()
            .block_on(wangban_store::ops::postgres_contents(database))
            .map_err(restore_failed)?;
        if let Some(applications) = contents
            && !force
        {
            return Err(Message::new("ops-backup-database-not-empty")
                .with("url", wangban_store::redact_url(&database.url))
                .with("applications", applications)
                .into());
        }
        contents.is_some()
    } else {
        false
    };
    let not_empty = match std::fs::read_dir(data) {
        Ok(mut entries) => entries.next().is_some(),
        Err(e) if e.kind() == io::ErrorKind::NotFound => false,
        Err(e) => return Err(restore_failed(e)),
    };
    if not_empty && !force {
        return Err(Message::new("ops-backup-not-empty")
            .with("path", data.display().to_string())
            .into());
    }
    // Build the new folder beside the target, then swap it in.
    let tmp = sibling(data, "restoring");
    let result = (|| {
        std::fs::create_dir_all(&tmp)?;
        if !postgres {
            std::fs::copy(backup.join(DB), tmp.join(DB))?;
        }
        for folder in FOLDERS {
            let from = backup.join(folder);
            if from.is_dir() {
                copy_tree(&from, &tmp.join(folder))?;
            }
        }
        io::Result::Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(restore_failed(e));
    }
    if postgres && let Err(e) = restore_postgres(database, &backup.join(PG_DUMP), replace_database)
    {
        let _ = std::fs::remove_dir_all(&tmp);
        return Err(e);
    }
    let mut lines = Vec::new();
    if not_empty {
        let old = sibling(data, "replaced");
        std::fs::rename(data, &old).map_err(restore_failed)?;
        lines.push(Message::new("ops-backup-replaced").with("old", old.display().to_string()));
    } else if data.exists() {
        std::fs::remove_dir(data).map_err(restore_failed)?;
    }
    std::fs::rename(&tmp, data).map_err(restore_failed)?;
    lines.insert(
        0,
        Message::new("ops-backup-restored")
            .with("path", backup.display().to_string())
            .with("data", data.display().to_string())
            .with("applications", manifest.applications),
    );
    Ok(lines)
}

/// Dumps the PostgreSQL database to `file` from an exported snapshot; returns the number of
/// applications in it.
async fn dump_postgres(database: &DatabaseSettings, file: &Path) -> Result<i64, Failure> {
    let snapshot = wangban_store::ops::PostgresSnapshot::take(database)
        .await
        .map_err(failed)?;
    let out = pg_tool("pg_dump", Some(&database.url)).map(|mut cmd| {
        cmd.args([
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            &format!("--snapshot={}", snapshot.id()),
            "--file",
        ])
        .arg(file)
        .output()
    });
    let applications = snapshot.applications();
    snapshot.release().await;
    let out = out
        .map_err(failed)?
        .map_err(|e| failed(tool_error("pg_dump", e)))?;
    if !out.status.success() {
        return Err(failed(format!(
            "pg_dump: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(applications)
}

/// Restores `file` into the configured PostgreSQL database in one transaction; with
/// `replace`, the backup's objects replace those of the same names first.
fn restore_postgres(
    database: &DatabaseSettings,
    file: &Path,
    replace: bool,
) -> Result<(), Failure> {
    let mut cmd = pg_tool("pg_restore", Some(&database.url)).map_err(restore_failed)?;
    cmd.args([
        "--no-owner",
        "--no-privileges",
        "--exit-on-error",
        "--single-transaction",
    ]);
    if replace {
        cmd.args(["--clean", "--if-exists"]);
    }
    let out = cmd
        .arg(file)
        .output()
        .map_err(|e| restore_failed(tool_error("pg_restore", e)))?;
    if !out.status.success() {
        return Err(restore_failed(format!(
            "pg_restore: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(())
}

/// A PostgreSQL client tool, connected to `url` if given: the URL goes on the command line
/// without its password, which goes in `PGPASSWORD` (a command line is visible to every user
/// of the machine).
fn pg_tool(program: &str, url: Option<&str>) -> Result<std::process::Command, String> {
    let mut cmd = std::process::Command::new(program);
    if let Some(url) = url {
        let mut parsed = url::Url::parse(url).map_err(|e| format!("the database URL: {e}"))?;
        if let Some(password) = parsed.password() {
            let password = percent_decode(password);
            cmd.env("PGPASSWORD", password);
            let _ = parsed.set_password(None);
        }
        cmd.arg(format!("--dbname={parsed}"));
    }
    Ok(cmd)
}

fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(b) = s
                .get(i + 1..i + 3)
                .and_then(|h| u8::from_str_radix(h, 16).ok())
        {
            out.push(b);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

fn tool_error(program: &str, e: io::Error) -> String {
    if e.kind() == io::ErrorKind::NotFound {
        format!(
            "{program} was not found: install the PostgreSQL client tools (postgresql-client) \
             of the server's version or newer"
        )
    } else {
        format!("{program}: {e}")
    }
}

fn restore_failed(e: impl std::fmt::Display) -> Failure {
    Failure(Message::new("ops-backup-restore-failed").with("reason", e.to_string()))
}

/// `<path>.<what>-<UTC time>-<pid>`, beside `path` (so a rename stays on one file system).
fn sibling(path: &Path, what: &str) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "wangban".into(), |n| n.to_string_lossy().into_owned());
    let stamp = chrono::Utc::now().format("%Y%m%dT%H%M%SZ");
    path.with_file_name(format!("{name}.{what}-{stamp}-{}", std::process::id()))
}

/// Whether a file is a writer's temporary file (`.name.tmp` and the like): never copied.
fn is_temporary(name: &std::ffi::OsStr) -> bool {
    name.to_string_lossy().starts_with('.')
}

/// Copies the regular files under `from` to `to`, skipping temporary files.
fn copy_tree(from: &Path, to: &Path) -> io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        if is_temporary(&entry.file_name()) {
            continue;
        }
        let kind = entry.file_type()?;
        let target = to.join(entry.file_name());
        if kind.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else if kind.is_file() {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// Every regular file under `root` with its size and SHA-256, by relative path.
fn inventory(root: &Path) -> io::Result<BTreeMap<String, FileEntry>> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let entry = entry?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() {
                let path = entry.path();
                let rel = path
                    .strip_prefix(root)
                    .expect("under the root")
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect::<Vec<_>>()
                    .join("/");
                let mut hasher = Sha256::new();
                let bytes = io::copy(&mut std::fs::File::open(&path)?, &mut hasher)?;
                out.insert(
                    rel,
                    FileEntry {
                        bytes,
                        sha256: format!("{:x}", hasher.finalize()),
                    },
                );
            } else {
                return Err(io::Error::other(format!(
                    "{} is neither a file nor a folder",
                    entry.path().display()
                )));
            }
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_changed_missing_or_extra_file_fails_verification() {
        let dir = tempfile_dir("verify");
        std::fs::create_dir_all(dir.join("uploads/ab")).unwrap();
        std::fs::write(dir.join("uploads/ab/one"), b"one").unwrap();
        let files = inventory(&dir).unwrap();
        assert_eq!(files["uploads/ab/one"].bytes, 3);
        std::fs::write(dir.join("uploads/ab/one"), b"One").unwrap();
        assert_ne!(inventory(&dir).unwrap(), files, "a change is seen");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    fn tempfile_dir(what: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("wangban-backup-{what}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }
}
