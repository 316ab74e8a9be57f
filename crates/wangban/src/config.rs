//! Configuration: defaults that run, a TOML file on top (`--config FILE` or `WANGBAN_CONFIG`),
//! and `WANGBAN_*` environment variables on top of that (the rules are the server's:
//! [`wangban_server::Settings::from_table_and_env`], where the fuzz target reaches them).
//!
//! An environment variable names a key path with `__` between levels, in any case:
//! `WANGBAN_FEES__PASSPORT=15000` sets `[fees] passport`. Its value is read as a TOML value when
//! it is one (`15000`, `true`, `["a"]`, `[{ code = "3101", … }]`) and as a string otherwise.
//! Unknown keys are errors, in the file and in the environment alike: a typo never passes
//! silently.

use std::path::{Path, PathBuf};

use wangban_server::settings::LoadError;

/// The whole configuration: the server's settings (which include the domain's).
pub type Config = wangban_server::Settings;

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("cannot read {path}: {source}")]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{path}: {message}")]
    File { path: PathBuf, message: String },
    #[error("environment variable {var}: {message}")]
    Env { var: String, message: String },
    #[error("{0}")]
    Invalid(String),
}

/// Reads the configuration from an optional file and the given environment.
pub fn load(
    file: Option<&Path>,
    env: impl IntoIterator<Item = (String, String)>,
) -> Result<Config, ConfigError> {
    let table = match file {
        Some(path) => {
            let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Read {
                path: path.to_owned(),
                source,
            })?;
            text.parse::<toml::Table>().map_err(|e| ConfigError::File {
                path: path.to_owned(),
                message: e.to_string(),
            })?
        }
        None => toml::Table::new(),
    };
    wangban_server::Settings::from_table_and_env(table, env).map_err(|e| match e {
        LoadError::Env { var, message } => ConfigError::Env { var, message },
        LoadError::Invalid(message) => ConfigError::Invalid(message),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use wangban_core::calendar::YearsWithoutData;
    use wangban_core::document::DocumentKind;
    use wangban_core::money::Fen;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_run() {
        let c = load(None, env(&[])).unwrap();
        assert_eq!(c.fees.fee(DocumentKind::Passport), Fen::new(12000));
        assert_eq!(c.eligibility.pilot_cities[0].code, "3101");
        assert_eq!(c.calendar.years_without_data, YearsWithoutData::default());
    }

    #[test]
    fn file_then_environment() {
        let dir = std::env::temp_dir().join(format!("wangban-config-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("wangban.toml");
        std::fs::write(
            &file,
            "[fees]\npassport = 13000\ntaiwan_permit = 7000\n[eligibility]\nmin_age = 18\n",
        )
        .unwrap();
        let c = load(
            Some(&file),
            env(&[
                ("WANGBAN_FEES__PASSPORT", "15000"),
                (
                    "WANGBAN_ELIGIBILITY__PILOT_CITIES",
                    r#"[{ code = "4401", name_zh = "广州市", name_en = "Guangzhou" }]"#,
                ),
                ("WANGBAN_CONFIG", "ignored"),
                ("OTHER", "ignored"),
            ]),
        )
        .unwrap();
        assert_eq!(c.fees.fee(DocumentKind::Passport), Fen::new(15000));
        assert_eq!(c.fees.fee(DocumentKind::TaiwanPermit), Fen::new(7000));
        assert_eq!(c.eligibility.min_age, 18);
        assert_eq!(c.eligibility.pilot_cities[0].name_en, "Guangzhou");
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn storage_comes_from_the_environment_and_its_secret_is_never_shown() {
        let c = load(
            None,
            env(&[
                ("WANGBAN_STORAGE__KIND", "s3"),
                ("WANGBAN_STORAGE__ENDPOINT", "http://127.0.0.1:9000"),
                ("WANGBAN_STORAGE__BUCKET", "wangban-uploads"),
                ("WANGBAN_STORAGE__ACCESS_KEY_ID", "AKID"),
                ("WANGBAN_STORAGE__SECRET_ACCESS_KEY", "s3cr3t-from-env"),
                ("WANGBAN_STORAGE__ALLOW_HTTP", "true"),
            ]),
        )
        .unwrap();
        assert_eq!(c.storage.kind, wangban_store::blobs::StorageKind::S3);
        assert_eq!(c.storage.bucket, "wangban-uploads");
        assert!(c.storage.allow_http);
        assert_eq!(c.storage.secret_access_key, "s3cr3t-from-env");
        assert!(!format!("{c:?}").contains("s3cr3t-from-env"));
        let e = load(None, env(&[("WANGBAN_STORAGE__BUKET", "x")])).unwrap_err();
        assert!(e.to_string().contains("buket"), "{e}");
    }

    #[test]
    fn the_readme_configuration_examples_are_valid() {
        let readme = include_str!("../../../README.md");
        let section = &readme[readme
            .find("## Configuration")
            .expect("a Configuration section")..];
        let section = &section[..section[3..].find("\n## ").map_or(section.len(), |i| i + 3)];
        let dir = std::env::temp_dir().join(format!("wangban-readme-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let mut examples = Vec::new();
        let mut rest = section;
        while let Some(at) = rest.find("```toml\n") {
            let start = at + "```toml\n".len();
            let end = start + rest[start..].find("```").expect("the example ends");
            let file = dir.join(format!("example-{}.toml", examples.len()));
            std::fs::write(&file, &rest[start..end]).unwrap();
            let c = load(Some(&file), env(&[]))
                .unwrap_or_else(|e| panic!("README example {}: {e}", examples.len() + 1));
            examples.push(c);
            rest = &rest[end..];
        }
        std::fs::remove_dir_all(dir).unwrap();
        assert!(examples.len() >= 2, "the database example and the full one");
        assert!(
            examples.iter().any(|c| c.database.is_postgres()),
            "the database example names PostgreSQL"
        );
        assert!(
            examples
                .iter()
                .any(|c| c.storage.kind == wangban_store::blobs::StorageKind::S3
                    && !c.storage.bucket.is_empty()),
            "the storage example names an S3 bucket"
        );
        let full = examples
            .iter()
            .find(|c| c.simulators.payment.out_of_order)
            .expect("the full example sets the payment simulator");
        assert_eq!(full.fees.fee(DocumentKind::Passport), Fen::new(12000));
    }

    #[test]
    fn the_sample_production_configuration_is_valid() {
        let file = Path::new(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../deploy/wangban.toml"
        ));
        let c = load(
            Some(file),
            env(&[("WANGBAN_METRICS__TOKEN", "from-secrets-env")]),
        )
        .unwrap_or_else(|e| panic!("deploy/wangban.toml: {e}"));
        assert!(!c.demo, "no demo data in production");
        assert!(c.public_url().starts_with("https://"), "{}", c.public_url());
        assert_eq!(c.log.format, wangban_server::ops::LogFormat::Json);
        assert!(c.metrics.enabled && !c.metrics.allow_loopback);
        assert_eq!(c.metrics.token.as_deref(), Some("from-secrets-env"));
        assert_eq!(c.data, Path::new("/var/lib/wangban"));
        assert!(!c.simulators.payment.out_of_order);
    }

    #[test]
    fn unknown_keys_and_bad_values_are_errors() {
        let e = load(None, env(&[("WANGBAN_FEES__PASPORT", "1")])).unwrap_err();
        assert!(e.to_string().contains("pasport"), "{e}");
        let e = load(None, env(&[("WANGBAN_FEES__PASSPORT", "lots")])).unwrap_err();
        assert!(matches!(e, ConfigError::Invalid(_)), "{e}");
        let e = load(None, env(&[("WANGBAN_DOCUMENT_NUMBERS__PASSPORT", "E[")])).unwrap_err();
        assert!(e.to_string().contains("regular expression"), "{e}");
        let e = load(Some(Path::new("/nonexistent/wangban.toml")), env(&[])).unwrap_err();
        assert!(matches!(e, ConfigError::Read { .. }));
    }
}
