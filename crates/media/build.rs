//! Finds the SeetaFace model that the `rustface` package ships
//! (`model/seeta_fd_frontal_v1.0.bin`) and hands its path to the compiler as `RUSTFACE_MODEL`,
//! so that `photo::face` can `include_bytes!` it and the binary is self-contained.
//!
//! The package directory comes from `cargo metadata` (run with the `CARGO` that builds us), so
//! it works with any registry location or vendored sources; if that fails (no network for
//! another platform's manifests, say), the registry sources under `CARGO_HOME` are searched.

use std::path::{Path, PathBuf};
use std::process::Command;

const MODEL: &str = "seeta_fd_frontal_v1.0.bin";
const VERSION: &str = "0.1.7";

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    let model = from_metadata()
        .or_else(from_registry)
        .filter(|p| p.is_file())
        .unwrap_or_else(|| panic!("the rustface package's model/{MODEL} was not found"));
    println!("cargo:rerun-if-changed={}", model.display());
    println!("cargo:rustc-env=RUSTFACE_MODEL={}", model.display());
}

fn from_metadata() -> Option<PathBuf> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").ok()?;
    let target = std::env::var("TARGET").ok()?;
    let output = Command::new(cargo)
        .args([
            "metadata",
            "--format-version",
            "1",
            "--filter-platform",
            &target,
            // Everything is downloaded before build scripts run: never touch the network.
            "--offline",
        ])
        .arg("--manifest-path")
        .arg(Path::new(&manifest_dir).join("Cargo.toml"))
        .output()
        .ok()?;
    if !output.status.success() {
        println!(
            "cargo:warning=cargo metadata failed, searching CARGO_HOME: {}",
            String::from_utf8_lossy(&output.stderr)
                .lines()
                .next()
                .unwrap_or("")
        );
        return None;
    }
    let meta: serde_json::Value = serde_json::from_slice(&output.stdout).ok()?;
    let manifest = meta["packages"]
        .as_array()?
        .iter()
        .find(|p| p["name"] == "rustface")
        .and_then(|p| p["manifest_path"].as_str())?;
    Some(Path::new(manifest).parent()?.join("model").join(MODEL))
}

fn from_registry() -> Option<PathBuf> {
    let home = std::env::var_os("CARGO_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| Path::new(&h).join(".cargo")))?;
    let src = home.join("registry").join("src");
    std::fs::read_dir(src)
        .ok()?
        .filter_map(Result::ok)
        .map(|index| {
            index
                .path()
                .join(format!("rustface-{VERSION}"))
                .join("model")
                .join(MODEL)
        })
        .find(|p| p.is_file())
}
