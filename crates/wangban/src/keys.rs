//! `wangban keys`: the key-encryption keys of encryption at rest (see
//! `wangban_store::crypto`). `generate` prints a fresh KEK; `rotate` re-wraps every stored key
//! under the active KEK; `check` opens every stored key with the configured KEKs.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Subcommand;
use serde_json::json;
use wangban_core::i18n::{Locale, Message};
use wangban_store::crypto::{CryptoError, KeyFormat, Keyring, LOCAL_KEK_FILE, Secret};
use wangban_store::{Store, StoreError};

use crate::config::Config;

#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Prints a fresh random 128-bit key-encryption key, in `[keys] format` (hex or base64)
    /// unless --format says otherwise. The key goes to standard output, advice to standard
    /// error: `wangban keys generate > /etc/wangban/kek-2026a`.
    Generate {
        #[arg(long)]
        format: Option<FormatArg>,
    },
    /// Re-wraps every stored data key under the active key-encryption key, in one
    /// transaction; prints how many changed. Needs every KEK a key is wrapped under now; when
    /// one is missing, changes nothing (exit status 2). Running it again changes nothing.
    Rotate {
        /// Folder for the database [env: WANGBAN_DATA] [default: wangban-data]
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
    /// Opens every stored data key with the configured key-encryption keys (making the first
    /// data key on first use, as `serve` does) and prints how many. Exit status 2 when one
    /// does not open.
    Check {
        /// Folder for the database [env: WANGBAN_DATA] [default: wangban-data]
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
        #[arg(long)]
        json: bool,
    },
}

#[derive(Debug, Clone, Copy, clap::ValueEnum)]
pub enum FormatArg {
    Hex,
    Base64,
}

pub fn run(mut config: Config, cmd: KeysCommand, locale: Locale) -> ExitCode {
    let rotate = matches!(cmd, KeysCommand::Rotate { .. });
    let (data, json) = match cmd {
        KeysCommand::Generate { format } => {
            let format = match format {
                Some(FormatArg::Hex) => KeyFormat::Hex,
                Some(FormatArg::Base64) => KeyFormat::Base64,
                None => config.keys.format,
            };
            println!("{}", format.encode(&Secret::random()));
            eprintln!("{}", Message::new("keys-generated").render(locale));
            return ExitCode::SUCCESS;
        }
        KeysCommand::Rotate { data, json } | KeysCommand::Check { data, json } => (data, json),
    };
    if let Some(d) = data {
        config.data = d;
    }
    let result = crate::runtime().block_on(async {
        std::fs::create_dir_all(&config.data).map_err(|e| keyfile(&config.data, e))?;
        // Rotation never makes the demo's local key: it only uses one that exists.
        let allow_local = config.demo && (!rotate || config.data.join(LOCAL_KEK_FILE).exists());
        let (ring, made) = config.keys.keyring(&config.data, allow_local)?;
        let store = Store::open(&config.database, &config.data).await?;
        let answer = if rotate {
            rotate_keys(&store, &ring).await
        } else {
            check_keys(&store, &ring).await
        };
        store.close().await;
        answer.map(|a| (a, made))
    });
    match result {
        Ok(((message, value), made)) => {
            if let Some(path) = made {
                let path = path.display().to_string();
                eprintln!(
                    "{}",
                    Message::new("keys-local-made")
                        .with("path", path)
                        .render(locale)
                );
            }
            if json {
                println!("{value}");
            } else {
                println!("{}", message.render(locale));
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            let message = error_message(&e).render(locale);
            if json {
                println!(
                    "{}",
                    json!({ "error": { "code": error_message(&e).key, "message": message } })
                );
            } else {
                eprintln!(
                    "{}",
                    Message::new("cli-error")
                        .with("reason", message)
                        .render(locale)
                );
            }
            ExitCode::from(2)
        }
    }
}

async fn rotate_keys(
    store: &Store,
    ring: &Keyring,
) -> Result<(Message, serde_json::Value), StoreError> {
    let done = store.rewrap_data_keys(ring).await?;
    let message = Message::new("keys-rotated")
        .with("kek", ring.active_id())
        .with("rewrapped", done.rewrapped as i64)
        .with("unchanged", done.unchanged as i64);
    let value = json!({
        "kek": ring.active_id(),
        "rewrapped": done.rewrapped,
        "unchanged": done.unchanged,
    });
    Ok((message, value))
}

async fn check_keys(
    store: &Store,
    ring: &Keyring,
) -> Result<(Message, serde_json::Value), StoreError> {
    let vault = store.load_vault(ring, chrono::Utc::now()).await?;
    let message = Message::new("keys-checked")
        .with("kek", ring.active_id())
        .with("count", vault.key_count());
    let value = json!({
        "kek": ring.active_id(),
        "data_keys": vault.key_count(),
        "active_data_key": vault.active_id(),
    });
    Ok((message, value))
}

fn keyfile(path: &std::path::Path, source: std::io::Error) -> StoreError {
    StoreError::Crypto(CryptoError::KeyFile {
        path: path.to_owned(),
        source,
    })
}

fn error_message(e: &StoreError) -> Message {
    match e {
        StoreError::Crypto(c) => match c {
            CryptoError::UnknownKeyId(id) => {
                Message::new("keys-error-unknown-kek").with("id", id.as_str())
            }
            CryptoError::WrongKey { kek_id, .. } => {
                Message::new("keys-error-wrong-key").with("id", kek_id.as_str())
            }
            CryptoError::NoActiveKek(reason) => {
                Message::new("keys-error-no-active").with("reason", reason.as_str())
            }
            CryptoError::BadKey { id, reason } => Message::new("keys-error-bad-key")
                .with("id", id.as_str())
                .with("reason", reason.as_str()),
            CryptoError::KeyFile { path, source } => Message::new("keys-error-key-file")
                .with("path", path.display().to_string())
                .with("reason", source.to_string()),
            other => Message::new("keys-error").with("reason", other.to_string()),
        },
        other => Message::new("keys-error").with("reason", other.to_string()),
    }
}
