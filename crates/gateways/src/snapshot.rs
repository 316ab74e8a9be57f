//! Simulator state that outlives the process: a JSON file per simulator, replaced atomically.
//!
//! External systems keep their state when wangban restarts (a paid order stays paid, a parcel
//! stays in transit), so each simulator can be given a snapshot file. A change marks the
//! snapshot dirty; a writer thread coalesces changes for a short debounce interval, serialises
//! the state and replaces the file through a temporary file, `fsync` and `rename`, so a crash
//! leaves either the old or the new file, never half of one. `Persister::flush` writes at once
//! (tests, shutdown); dropping the persister writes what is pending.

use std::fs::{self, File};
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Condvar, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use serde::de::DeserializeOwned;

/// A snapshot file that could not be read or written.
#[derive(Debug, thiserror::Error)]
pub enum SnapshotError {
    #[error("cannot read simulator state {path}: {source}")]
    Read { path: PathBuf, source: io::Error },
    #[error("simulator state {path} is damaged ({detail}); move it away to start afresh")]
    Parse { path: PathBuf, detail: String },
    #[error("cannot create the simulator state folder {path}: {source}")]
    Folder { path: PathBuf, source: io::Error },
}

/// Reads a snapshot; a missing file is `None`, a damaged one an error (state is never dropped
/// silently).
pub(crate) fn load<T: DeserializeOwned>(path: &Path) -> Result<Option<T>, SnapshotError> {
    let bytes = match fs::read(path) {
        Ok(b) => b,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(SnapshotError::Read {
                path: path.to_owned(),
                source,
            });
        }
    };
    serde_json::from_slice(&bytes)
        .map(Some)
        .map_err(|e| SnapshotError::Parse {
            path: path.to_owned(),
            detail: e.to_string(),
        })
}

/// Creates the folder for snapshot files.
pub(crate) fn ensure_folder(dir: &Path) -> Result<(), SnapshotError> {
    fs::create_dir_all(dir).map_err(|source| SnapshotError::Folder {
        path: dir.to_owned(),
        source,
    })
}

/// Replaces `path` with `bytes` atomically.
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let name = path
        .file_name()
        .and_then(|n| n.to_str())
        .unwrap_or("snapshot");
    let tmp = path.with_file_name(format!(".{name}.tmp"));
    {
        let mut file = File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()?;
    }
    fs::rename(&tmp, path)?;
    if let Some(dir) = path.parent()
        && let Ok(dir) = File::open(dir)
    {
        // Makes the rename itself durable; not possible on every platform, so best effort.
        let _ = dir.sync_all();
    }
    Ok(())
}

type Render = Box<dyn Fn() -> Vec<u8> + Send + Sync>;

struct Shared {
    path: PathBuf,
    render: Render,
    flags: Mutex<Flags>,
    wake: Condvar,
    /// Held while rendering and writing, so writes never interleave or go back in time.
    writing: Mutex<()>,
}

#[derive(Default)]
struct Flags {
    dirty: bool,
    closed: bool,
}

impl Shared {
    fn flags(&self) -> std::sync::MutexGuard<'_, Flags> {
        self.flags.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn write_now(&self) -> io::Result<()> {
        let _guard = self.writing.lock().unwrap_or_else(|e| e.into_inner());
        self.flags().dirty = false;
        let bytes = (self.render)();
        write_atomically(&self.path, &bytes)
    }
}

/// Keeps one snapshot file up to date with a simulator's state.
pub(crate) struct Persister {
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
    /// A zero debounce: [`Persister::kept`] writes before the change is answered.
    sync: bool,
}

impl Persister {
    /// Starts the writer thread. `render` serialises the current state (it takes the
    /// simulator's read lock itself).
    pub(crate) fn spawn(
        path: PathBuf,
        debounce: Duration,
        render: impl Fn() -> Vec<u8> + Send + Sync + 'static,
    ) -> Persister {
        let shared = Arc::new(Shared {
            path,
            render: Box::new(render),
            flags: Mutex::new(Flags::default()),
            wake: Condvar::new(),
            writing: Mutex::new(()),
        });
        let worker = shared.clone();
        let thread = std::thread::Builder::new()
            .name("wangban-sim-snapshot".into())
            .spawn(move || writer(&worker, debounce))
            .expect("starting a thread");
        Persister {
            shared,
            thread: Some(thread),
            sync: debounce.is_zero(),
        }
    }

    /// Notes a change that a client is about to be told of (an order created or paid, an SMS
    /// accepted). With a zero debounce it is written before this returns, so that a process
    /// killed right after the answer keeps it, as the real external system would; otherwise
    /// as [`Persister::changed`]. Call it with the simulator's lock released.
    pub(crate) fn kept(&self) {
        self.changed();
        if self.sync
            && let Err(e) = self.flush()
        {
            tracing::error!(path = %self.shared.path.display(), error = %e, "cannot write simulator state");
        }
    }

    /// Notes that the state changed; it is written within the debounce interval.
    pub(crate) fn changed(&self) {
        self.shared.flags().dirty = true;
        self.shared.wake.notify_one();
    }

    /// Writes the current state now.
    pub(crate) fn flush(&self) -> io::Result<()> {
        self.shared.write_now()
    }
}

fn writer(shared: &Shared, debounce: Duration) {
    loop {
        {
            let mut flags = shared.flags();
            while !flags.dirty && !flags.closed {
                flags = shared.wake.wait(flags).unwrap_or_else(|e| e.into_inner());
            }
            if !flags.dirty {
                return;
            }
            // Gather further changes for the debounce interval, unless shutting down.
            let deadline = std::time::Instant::now() + debounce;
            while !flags.closed {
                let left = deadline.saturating_duration_since(std::time::Instant::now());
                if left.is_zero() {
                    break;
                }
                flags = shared
                    .wake
                    .wait_timeout(flags, left)
                    .unwrap_or_else(|e| e.into_inner())
                    .0;
            }
        }
        if let Err(e) = shared.write_now() {
            tracing::error!(path = %shared.path.display(), error = %e, "cannot write simulator state");
        }
    }
}

impl Drop for Persister {
    fn drop(&mut self) {
        self.shared.flags().closed = true;
        self.shared.wake.notify_one();
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::RwLock;

    #[test]
    fn changes_are_written_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        assert!(load::<Vec<u32>>(&path).unwrap().is_none());
        let state = Arc::new(RwLock::new(vec![1u32, 2]));
        let s = state.clone();
        let persister = Persister::spawn(path.clone(), Duration::from_millis(5), move || {
            serde_json::to_vec(&*s.read().unwrap()).unwrap()
        });
        state.write().unwrap().push(3);
        persister.changed();
        // The writer thread gets there on its own.
        let deadline = std::time::Instant::now() + Duration::from_secs(5);
        while load::<Vec<u32>>(&path).unwrap() != Some(vec![1, 2, 3]) {
            assert!(std::time::Instant::now() < deadline, "never written");
            std::thread::sleep(Duration::from_millis(5));
        }
        // A change just before the persister goes away is not lost.
        state.write().unwrap().push(4);
        persister.changed();
        drop(persister);
        assert_eq!(load::<Vec<u32>>(&path).unwrap(), Some(vec![1, 2, 3, 4]));
        // No temporary file is left behind.
        let names: Vec<_> = fs::read_dir(dir.path()).unwrap().collect();
        assert_eq!(names.len(), 1);
    }

    #[test]
    fn shutting_down_does_not_wait_for_the_debounce_and_writes_what_is_pending() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let state = Arc::new(RwLock::new(vec![7u32]));
        let s = state.clone();
        let persister = Persister::spawn(path.clone(), Duration::from_secs(60), move || {
            serde_json::to_vec(&*s.read().unwrap()).unwrap()
        });
        persister.changed();
        // Let the writer start its 60 s wait.
        std::thread::sleep(Duration::from_millis(50));
        let started = std::time::Instant::now();
        drop(persister);
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(load::<Vec<u32>>(&path).unwrap(), Some(vec![7]));
    }

    #[test]
    fn with_no_debounce_a_kept_change_is_on_disk_when_kept_returns() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        let state = Arc::new(RwLock::new(vec![1u32]));
        let s = state.clone();
        let persister = Persister::spawn(path.clone(), Duration::ZERO, move || {
            serde_json::to_vec(&*s.read().unwrap()).unwrap()
        });
        state.write().unwrap().push(2);
        persister.kept();
        // No waiting: the file holds the change already (a kill now would keep it).
        assert_eq!(load::<Vec<u32>>(&path).unwrap(), Some(vec![1, 2]));
        // With a debounce, `kept` is only `changed`: nothing is written yet.
        let other = dir.path().join("later.json");
        let s = state.clone();
        let later = Persister::spawn(other.clone(), Duration::from_secs(60), move || {
            serde_json::to_vec(&*s.read().unwrap()).unwrap()
        });
        later.kept();
        assert_eq!(load::<Vec<u32>>(&other).unwrap(), None);
    }

    #[test]
    fn a_damaged_file_is_an_error_not_an_empty_state() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("state.json");
        fs::write(&path, b"{not json").unwrap();
        assert!(matches!(
            load::<Vec<u32>>(&path),
            Err(SnapshotError::Parse { .. })
        ));
    }
}
