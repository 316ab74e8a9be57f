//! The binary's integration tests: one test binary, one module per area.

mod admin;
mod audit;
mod keys;
mod loadtest;
mod media;
mod ops;
mod serve;
mod stats;

use std::process::Command;

/// Runs the built `wangban` with a clean environment (no WANGBAN_* from the caller).
pub fn wangban(args: &[&str]) -> Output {
    wangban_with_env(&[], args)
}

/// The built `wangban`, with no WANGBAN_* variable of the caller's (a test run's own, such as
/// `WANGBAN_TEST_DATABASE`, would be an unknown setting; a developer's would change the test).
pub fn wangban_command() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_wangban"));
    for (k, _) in std::env::vars() {
        if k.starts_with("WANGBAN_") {
            cmd.env_remove(k);
        }
    }
    cmd
}

/// Runs the built `wangban` with only the given WANGBAN_* variables set.
pub fn wangban_with_env(env: &[(&str, &std::ffi::OsStr)], args: &[&str]) -> Output {
    let mut cmd = wangban_command();
    cmd.envs(env.iter().copied());
    let out = cmd.args(args).output().expect("wangban runs");
    Output {
        status: out.status.code().expect("exited"),
        stdout: String::from_utf8(out.stdout).expect("utf-8 stdout"),
        stderr: String::from_utf8(out.stderr).expect("utf-8 stderr"),
    }
}

pub struct Output {
    pub status: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Output {
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}\n{}", self.stdout, self.stderr))
    }
}
