//! The wangban HTTP service (axum): the JSON API under `/api/v1` with its OpenAPI document,
//! the simulators' pages, the demo start page, and the background workers.
//!
//! Owned here: routes (one module per resource under [`api`]), request parsing, sessions
//! ([`auth`]), the one mapping from errors to HTTP answers ([`error`]), applying actions with
//! their consequences ([`service`]), and the scheduling of background work ([`workers`]).
//! Decisions stay in `wangban-core`; storage in `wangban-store`; external systems in
//! `wangban-gateways`.

pub mod api;
pub mod app;
pub mod auth;
pub mod checks;
pub mod csv;
pub mod demo;
pub mod error;
pub mod form;
pub mod guide;
mod html;
pub mod idempotency;
pub mod openapi;
pub mod ops;
pub mod password;
pub mod routes;
pub mod service;
pub mod settings;
mod sim;
pub mod totp;
pub mod web;
pub mod workers;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::watch;
use wangban_core::document::DocumentNumberRules;
use wangban_gateways::{Clock, Simulators};
use wangban_store::Store;
use wangban_store::blobs::{BlobError, Blobs, StorageKind};

pub use app::{AppState, router};
pub use settings::Settings;

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("configuration: {0}")]
    Settings(#[from] settings::SettingsError),
    #[error("data folder {path}: {source}")]
    DataDir {
        path: std::path::PathBuf,
        source: std::io::Error,
    },
    #[error("database: {0}")]
    Store(#[from] wangban_store::StoreError),
    #[error("encryption keys: {0}")]
    Keys(#[from] wangban_store::crypto::CryptoError),
    /// The S3 bucket did not answer the start-up check (missing, refused credentials, no
    /// answer). Names the endpoint and the bucket, never the credentials.
    #[error("object storage: cannot use bucket {bucket:?} at {endpoint}: {}", .source.reason())]
    StorageUnreachable {
        endpoint: String,
        bucket: String,
        source: BlobError,
    },
    /// The local upload directory, or `[storage]` itself, is unusable.
    #[error("object storage: {0}")]
    Storage(#[from] BlobError),
    #[error("simulators: {0}")]
    Simulators(String),
    #[error("cannot listen on {addr}: {source}")]
    Listen {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("server: {0}")]
    Io(#[from] std::io::Error),
}

/// Builds the application's state from settings: opens (and migrates) the database in the data
/// folder and unlocks it with the configured keys, opens and checks the blob storage (sealing
/// once the plain files of earlier versions), the simulators; seeds demo officers when asked.
pub async fn build_state(
    settings: Settings,
    clock: Arc<dyn Clock>,
) -> Result<AppState, ServeError> {
    let data = settings.data.clone();
    std::fs::create_dir_all(&data).map_err(|source| ServeError::DataDir {
        path: data.clone(),
        source,
    })?;
    let calendar = settings.load_calendar()?;
    let halls = settings.load_halls()?;
    let number_rules = DocumentNumberRules::new(&settings.document_numbers)
        .map_err(settings::SettingsError::from)?;
    let store = Store::open(&settings.database, &data).await?;
    // Encryption at rest: the data keys must open under the configured KEKs before anything
    // is served (the key itself is never logged).
    let (keyring, made) = settings.keys.keyring(&data, settings.demo)?;
    if let Some(path) = made {
        tracing::warn!(
            path = %path.display(),
            "no key-encryption key configured: made one in the data folder (demo only; \
             configure [keys] in production)"
        );
    }
    // The store keeps the keys: it seals personal data on write and opens it on read (and
    // seals, once, what an older version left in clear).
    let store = store.unlock(&keyring, clock.now()).await?;
    tracing::info!(
        kek = keyring.active_id(),
        data_keys = store.vault()?.key_count(),
        "encryption keys loaded"
    );
    // Uploaded files, sealed with the same vault; the bucket must answer before anything is
    // served (the error names the endpoint and bucket, never the credentials).
    let blobs = Blobs::open(&settings.storage, &data, store.vault()?.clone())?;
    blobs
        .check()
        .await
        .map_err(|source| match settings.storage.kind {
            StorageKind::S3 => ServeError::StorageUnreachable {
                endpoint: settings.storage.endpoint_shown(),
                bucket: settings.storage.bucket.clone(),
                source,
            },
            StorageKind::Local => ServeError::Storage(source),
        })?;
    tracing::info!(place = blobs.place(), "object storage ready");
    // Once: files an earlier version wrote in clear to `<data>/uploads` are sealed into the
    // configured storage and renamed in `uploads`.
    let legacy = store
        .seal_legacy_blobs(&blobs, &data.join("uploads"), clock.now())
        .await?;
    if legacy.sealed > 0 {
        tracing::info!(
            files = legacy.sealed,
            rows = legacy.rows,
            "uploaded files of an earlier version sealed"
        );
    }
    let mut sim_settings = settings.simulators.clone();
    if sim_settings.payment.pay_url_base.starts_with('/') {
        // The hosted payment page is served by this server.
        sim_settings.payment.pay_url_base = format!(
            "{}{}",
            settings.public_url(),
            sim_settings.payment.pay_url_base
        );
    }
    let sims = Simulators::start(&sim_settings, clock.clone(), Some(data.join("sim")))
        .map_err(|e| ServeError::Simulators(e.to_string()))?;
    let gateways = sims.gateways();
    if settings.demo {
        demo::seed_officers(&store, clock.now()).await?;
    }
    let check_concurrency = match settings.uploads.check_concurrency {
        0 => std::thread::available_parallelism().map_or(2, |n| n.get()),
        n => n,
    };
    Ok(AppState::new(app::Inner {
        settings,
        store,
        blobs,
        gateways,
        sims,
        clock,
        calendar,
        halls,
        number_rules,
        metrics: ops::Metrics::new(),
        stats_cache: Default::default(),
        check_turns: tokio::sync::Semaphore::new(check_concurrency),
    }))
}

/// A running server: its address, and how to stop it.
pub struct Running {
    pub addr: SocketAddr,
    pub state: AppState,
    shutdown: watch::Sender<bool>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    workers: Option<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// Stops accepting requests, lets in-flight ones finish, stops the workers at a safe
    /// point, and closes the database.
    pub async fn stop(self) -> Result<(), ServeError> {
        let _ = self.shutdown.send(true);
        self.server
            .await
            .map_err(|e| ServeError::Io(std::io::Error::other(e)))??;
        if let Some(w) = self.workers {
            let _ = w.await;
        }
        self.state.store.close().await;
        Ok(())
    }

    /// Waits until the server stops by itself (it does not, unless shut down elsewhere).
    pub async fn wait(self) -> Result<(), ServeError> {
        let mut rx = self.shutdown.subscribe();
        let _ = rx.wait_for(|v| *v).await;
        self.stop().await
    }

    pub fn shutdown_handle(&self) -> watch::Sender<bool> {
        self.shutdown.clone()
    }
}

/// Binds `listener` and serves `state` until [`Running::stop`].
pub async fn start(state: AppState, listener: TcpListener) -> Result<Running, ServeError> {
    let addr = listener.local_addr()?;
    let (shutdown, rx) = watch::channel(false);
    let workers = state
        .settings
        .workers
        .enabled
        .then(|| tokio::spawn(workers::run(state.clone(), rx.clone())));
    let app = router(state.clone());
    let header_timeout =
        std::time::Duration::from_secs(state.settings.http.header_read_timeout_seconds.max(1));
    let server = tokio::spawn(serve_connections(listener, app, header_timeout, rx));
    Ok(Running {
        addr,
        state,
        shutdown,
        server,
        workers,
    })
}

/// The accept loop (what `axum::serve` does, plus a header read timeout, which it does not
/// set): each connection is served by hyper with the client's address for `ConnectInfo`; on
/// shutdown no new connection is taken and open ones finish their requests in flight.
async fn serve_connections(
    listener: TcpListener,
    app: axum::Router,
    header_timeout: std::time::Duration,
    shutdown: watch::Receiver<bool>,
) -> std::io::Result<()> {
    use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
    use tower::ServiceExt;
    // Every connection holds a receiver; the loop waits for all of them to be dropped.
    let (open_tx, open_rx) = watch::channel(());
    let stop_signal = {
        let mut shutdown = shutdown.clone();
        async move {
            let _ = shutdown.wait_for(|v| *v).await;
        }
    };
    let mut stop_signal = std::pin::pin!(stop_signal);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(a) => a,
                Err(e) => {
                    // Out of file descriptors and the like: wait a little, go on.
                    tracing::warn!(error = %e, "accept failed");
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop_signal => break,
        };
        let service =
            app.clone()
                .map_request(move |req: axum::http::Request<hyper::body::Incoming>| {
                    let mut req = req.map(axum::body::Body::new);
                    req.extensions_mut()
                        .insert(axum::extract::ConnectInfo(peer));
                    req
                });
        let service = hyper_util::service::TowerToHyperService::new(service);
        let mut stop = shutdown.clone();
        let open = open_rx.clone();
        tokio::spawn(async move {
            let stop_signal = async move {
                let _ = stop.wait_for(|v| *v).await;
            };
            let mut stop_signal = std::pin::pin!(stop_signal);
            let mut builder = hyper_util::server::conn::auto::Builder::new(TokioExecutor::new());
            builder
                .http1()
                .timer(TokioTimer::new())
                .header_read_timeout(header_timeout);
            builder.http2().timer(TokioTimer::new());
            let conn = builder.serve_connection_with_upgrades(TokioIo::new(stream), service);
            let mut conn = std::pin::pin!(conn);
            let mut stopping = false;
            loop {
                tokio::select! {
                    result = conn.as_mut() => {
                        if let Err(e) = result {
                            tracing::trace!(error = %e, "connection ended");
                        }
                        break;
                    }
                    () = &mut stop_signal, if !stopping => {
                        stopping = true;
                        conn.as_mut().graceful_shutdown();
                    }
                }
            }
            drop(open);
        });
    }
    drop(open_rx);
    drop(listener);
    open_tx.closed().await;
    Ok(())
}

/// `wangban serve`: runs until Ctrl-C or SIGTERM, then shuts down gracefully.
pub async fn serve(settings: Settings) -> Result<(), ServeError> {
    let listen = settings.listen;
    let clock: Arc<dyn Clock> = Arc::new(wangban_gateways::SystemClock);
    let state = build_state(settings, clock).await?;
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|source| ServeError::Listen {
            addr: listen,
            source,
        })?;
    // The signal handlers are in place before anyone is told the address: a SIGTERM that
    // follows the banner at once must stop the server gracefully, not kill it.
    let signal = shutdown_signal()?;
    let running = start(state.clone(), listener).await?;
    print_banner(&state, running.addr);
    let stop = running.shutdown_handle();
    tokio::spawn(async move {
        signal.await;
        tracing::info!("shutting down: finishing requests in flight");
        let _ = stop.send(true);
    });
    running.wait().await
}

fn print_banner(state: &AppState, addr: SocketAddr) {
    let url = state.settings.public_url();
    println!("wangban is listening on http://{addr}");
    println!("  data folder:   {}", state.settings.data.display());
    println!("  start page:    {url}/   (demo citizens and officers)");
    println!("  API document:  {url}/api/v1/openapi.json");
    println!("  SMS simulator: {url}/sim/sms");
    println!("Stop with Ctrl-C.");
}

/// Registers the handlers for Ctrl-C and SIGTERM now; the future resolves on either.
fn shutdown_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        Ok(async move {
            tokio::select! {
                _ = interrupt.recv() => {},
                _ = terminate.recv() => {},
            }
        })
    }
    #[cfg(not(unix))]
    {
        Ok(async {
            let _ = tokio::signal::ctrl_c().await;
        })
    }
}

/// Kept for the binary's demo command and tests: the simulators of a state.
pub fn simulators(state: &AppState) -> &Simulators {
    &state.sims
}
