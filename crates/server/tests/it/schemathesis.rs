//! API fuzzing: schemathesis (PyPI, pinned below) against the running server's own OpenAPI
//! document. Every answer must not be a 500, must have a status the document lists for its
//! operation, a documented content type, and a body that matches the documented schema.
//!
//! Short runs, one per kind of session: an applicant who passed real-person authentication
//! (every operation but the officers' and the logout, which would end the session under the
//! fuzzer), a supervisor (the officers' operations), an auditor (the audit log), and last the
//! logout with a session of its own. Without schemathesis the test is skipped, except under CI where it fails.
//!
//! `WANGBAN_FUZZ_EXAMPLES` sets the examples per operation (default 20); README.md shows a
//! longer run by hand against `wangban serve`.

use std::process::Stdio;

use crate::TestApp;

const PIN: &str = "schemathesis==4.32.5";

/// The checks every answer must pass.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
                      response_schema_conformance";

fn examples() -> u32 {
    std::env::var("WANGBAN_FUZZ_EXAMPLES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20)
}

/// The schemathesis command, if installed; `None` (the test skipped) otherwise, a failure
/// under CI.
async fn schemathesis() -> Option<&'static str> {
    let found = tokio::process::Command::new("schemathesis")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .await
        .is_ok_and(|s| s.success());
    if found {
        return Some("schemathesis");
    }
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
        panic!("schemathesis is required under CI (pip install '{PIN}')");
    }
    eprintln!("SKIPPED: schemathesis not installed (pip install {PIN})");
    None
}

/// Runs schemathesis against `app` with `token` on the operations `filters` select; panics
/// with its output unless every check passed.
async fn fuzz(app: &TestApp, program: &str, token: &str, filters: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let out = tokio::process::Command::new(program)
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .arg("run")
        .arg(app.url("/api/v1/openapi.json"))
        .args(["--url", &app.base])
        .args(["--checks", CHECKS])
        .args(["--max-examples", &examples().to_string()])
        .args(["--seed", "20260303"])
        // One worker: with more, CPython 3.11 can fail inside the fuzzer itself ("AST constructor
        // recursion depth mismatch", a race in its parser between threads).
        .args(["--workers", "1"])
        .args(["--request-timeout", "30"])
        .args(["-H", &format!("Authorization: Bearer {token}")])
        .args(filters)
        .stdin(Stdio::null())
        .output()
        .await
        .expect("schemathesis runs");
    let report = format!(
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // The summary (operations, test cases, time) for whoever runs the test with --nocapture.
    let summary = report.rsplit("SUMMARY").next().unwrap_or_default();
    eprintln!("schemathesis {filters:?}:{summary}");
    assert!(
        out.status.success(),
        "schemathesis {filters:?} failed ({}):\n{report}",
        out.status
    );
    // A run that tested nothing would pass too: the summary names the operations tested.
    assert!(
        report.contains("passed") && !report.contains("No operations"),
        "schemathesis {filters:?} tested nothing:\n{report}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_answers_as_its_openapi_document_says() {
    let Some(program) = schemathesis().await else {
        return;
    };
    let app = TestApp::start().await;
    // An applicant with a draft of their own, so that listing and the views have rows.
    let applicant = app.citizen_login("passport-expiring").await;
    let (status, body) = app
        .post(
            Some(&applicant),
            "/api/v1/applications",
            serde_json::json!({ "kind": "passport", "reason": "expiring_soon" }),
        )
        .await;
    assert_eq!(status, reqwest::StatusCode::CREATED, "{body}");

    fuzz(
        &app,
        program,
        &applicant,
        &[
            "--exclude-tag",
            "officer",
            "--exclude-path",
            "/api/v1/auth/logout",
        ],
    )
    .await;
    let supervisor = app.officer_login("supervisor").await;
    fuzz(&app, program, &supervisor, &["--include-tag", "officer"]).await;
    let auditor = app.officer_login("auditor").await;
    fuzz(
        &app,
        program,
        &auditor,
        &["--include-path", "/api/v1/audit"],
    )
    .await;
    // Last, the logout, with a session of its own (its first call ends it: 401 after).
    let leaving = app.citizen_login("hkmo-expiring").await;
    fuzz(
        &app,
        program,
        &leaving,
        &["--include-path", "/api/v1/auth/logout"],
    )
    .await;
}

/// The document itself, without the fuzzer: every path parameter is in its path and every
/// `{name}` of a path is a path parameter (query parameters were once declared as path ones),
/// and every error answer carries the error body's schema.
#[test]
fn the_document_declares_parameters_where_they_are_and_error_bodies() {
    use utoipa::OpenApi;
    let doc = serde_json::to_value(wangban_server::openapi::ApiDoc::openapi()).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() > 20, "{}", paths.len());
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let in_path: Vec<&str> = params
                .iter()
                .filter(|p| p["in"] == "path")
                .map(|p| p["name"].as_str().unwrap())
                .collect();
            for name in &in_path {
                assert!(
                    path.contains(&format!("{{{name}}}")),
                    "{method} {path}: path parameter {name} is not in the path"
                );
            }
            for segment in path.split('/').filter(|s| s.starts_with('{')) {
                let name = segment.trim_matches(|c| c == '{' || c == '}');
                assert!(
                    in_path.contains(&name),
                    "{method} {path}: {{{name}}} is not declared"
                );
            }
            let responses = op["responses"].as_object().unwrap();
            assert!(responses.contains_key("500"), "{method} {path}");
            for (status, response) in responses {
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(
                        response["content"]["application/json"]["schema"]["$ref"],
                        "#/components/schemas/Error",
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
}
