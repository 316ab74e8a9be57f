//! A thin W3C WebDriver client over `reqwest` (WebDriver is JSON over HTTP), and the
//! chromedriver process it talks to. Only what the browser tests use: sessions, navigation,
//! elements by CSS, clicks, keys (file paths into file inputs too), text, scripts (sync and
//! async), window size, screenshots (the viewport, and the full page through Chromium's
//! DevTools protocol, which chromedriver passes on).
// A general client: the journeys use more of it as they grow.
#![allow(dead_code)]

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{Value, json};

/// The key W3C WebDriver gives element references under.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

/// Chromium's flags: headless, and no connections of its own (the machine's closed network
/// refuses them, and waiting for them would slow every page).
pub const CHROMIUM_FLAGS: &[&str] = &[
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
];

/// A program on `PATH`.
pub fn on_path(names: &[&str]) -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .flat_map(|dir| names.iter().map(move |n| dir.join(n)))
        .find(|p| p.is_file())
}

/// A running chromedriver, killed when dropped.
pub struct Driver {
    pub url: String,
    pub chromium: PathBuf,
    child: Mutex<Child>,
    _log_dir: tempfile::TempDir,
}

impl Driver {
    /// Starts `chromedriver` on a free port and waits until it is ready.
    pub async fn start(chromedriver: &Path, chromium: PathBuf) -> Driver {
        let log_dir = tempfile::tempdir().expect("temp dir");
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("free port")
            .port();
        let child = Command::new(chromedriver)
            .arg(format!("--port={port}"))
            .arg(format!(
                "--log-path={}",
                log_dir.path().join("chromedriver.log").display()
            ))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start {}: {e}", chromedriver.display()));
        let driver = Driver {
            url: format!("http://127.0.0.1:{port}"),
            chromium,
            child: Mutex::new(child),
            _log_dir: log_dir,
        };
        let http = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Ok(r) = http.get(format!("{}/status", driver.url)).send().await
                && let Ok(v) = r.json::<Value>().await
                && v["value"]["ready"] == true
            {
                return driver;
            }
            assert!(
                Instant::now() < deadline,
                "chromedriver did not become ready on port {port}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let mut child = self.child.lock().unwrap_or_else(|e| e.into_inner());
        let _ = child.kill();
        let _ = child.wait();
    }
}

/// An error the driver answered with.
#[derive(Debug)]
pub struct WdError {
    pub error: String,
    pub message: String,
}

impl std::fmt::Display for WdError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.error, self.message)
    }
}

/// A reference to an element of the current page.
#[derive(Clone, Debug)]
pub struct Element(pub String);

impl Element {
    /// The element as a script argument.
    pub fn arg(&self) -> Value {
        json!({ ELEMENT_KEY: self.0 })
    }
}

/// One WebDriver session: one Chromium with its own profile. Quit it with [`Session::quit`];
/// dropping it without that (a failed test) deletes the session with a blocking request, so
/// that no Chromium is left behind.
pub struct Session {
    http: reqwest::Client,
    driver: std::sync::Arc<Driver>,
    /// `<driver>/session/<id>`.
    url: String,
    id: String,
    open: bool,
    _profile: tempfile::TempDir,
}

impl Session {
    /// A new headless Chromium with a fresh profile, a 1280 × 900 window and `accept_language`
    /// as the language it asks pages for.
    pub async fn new(driver: std::sync::Arc<Driver>, accept_language: &str) -> Session {
        let profile = tempfile::tempdir().expect("temp dir");
        let mut args: Vec<String> = CHROMIUM_FLAGS.iter().map(|s| s.to_string()).collect();
        args.push(format!("--user-data-dir={}", profile.path().display()));
        args.push("--window-size=1280,900".into());
        args.push(format!(
            "--lang={}",
            accept_language.split(',').next().unwrap_or("zh-CN")
        ));
        let caps = json!({ "capabilities": { "alwaysMatch": {
            "browserName": "chrome",
            "pageLoadStrategy": "normal",
            "timeouts": { "implicit": 0, "pageLoad": 30000, "script": 30000 },
            "goog:chromeOptions": {
                "binary": driver.chromium.display().to_string(),
                "args": args,
                "prefs": { "intl.accept_languages": accept_language },
            },
        }}});
        let http = reqwest::Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .unwrap();
        let v = send(
            &http,
            reqwest::Method::POST,
            &format!("{}/session", driver.url),
            Some(caps),
        )
        .await
        .unwrap_or_else(|e| panic!("new WebDriver session: {e}"));
        let id = v["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session id in {v}"))
            .to_owned();
        Session {
            http,
            url: format!("{}/session/{id}", driver.url),
            driver,
            id,
            open: true,
            _profile: profile,
        }
    }

    /// One command: `method` on `<session>/<path>`; the answer's `value`.
    pub async fn cmd(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<Value>,
    ) -> Result<Value, WdError> {
        send(&self.http, method, &format!("{}{path}", self.url), body).await
    }

    async fn post(&self, path: &str, body: Value) -> Result<Value, WdError> {
        self.cmd(reqwest::Method::POST, path, Some(body)).await
    }

    async fn get(&self, path: &str) -> Result<Value, WdError> {
        self.cmd(reqwest::Method::GET, path, None).await
    }

    /// Opens `url` and waits for the page to load.
    pub async fn navigate(&self, url: &str) -> Result<(), WdError> {
        self.post("/url", json!({ "url": url })).await.map(drop)
    }

    /// Loads the current page again.
    pub async fn refresh(&self) -> Result<(), WdError> {
        self.post("/refresh", json!({})).await.map(drop)
    }

    pub async fn current_url(&self) -> Result<String, WdError> {
        Ok(self
            .get("/url")
            .await?
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    pub async fn title(&self) -> Result<String, WdError> {
        Ok(self
            .get("/title")
            .await?
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    /// The first element matching the CSS selector (no waiting).
    pub async fn find(&self, css: &str) -> Result<Element, WdError> {
        let v = self
            .post("/element", json!({ "using": "css selector", "value": css }))
            .await?;
        element(&v)
    }

    /// Every element matching the CSS selector.
    pub async fn find_all(&self, css: &str) -> Result<Vec<Element>, WdError> {
        let v = self
            .post(
                "/elements",
                json!({ "using": "css selector", "value": css }),
            )
            .await?;
        v.as_array()
            .map(|a| a.iter().map(element).collect())
            .unwrap_or_else(|| Ok(vec![]))
    }

    /// Clicks (and, when that starts a navigation, waits for the new page).
    pub async fn click(&self, e: &Element) -> Result<(), WdError> {
        self.post(&format!("/element/{}/click", e.0), json!({}))
            .await
            .map(drop)
    }

    pub async fn clear(&self, e: &Element) -> Result<(), WdError> {
        self.post(&format!("/element/{}/clear", e.0), json!({}))
            .await
            .map(drop)
    }

    /// Types `text` into the element; for `input[type=file]`, `text` is a file's path.
    pub async fn send_keys(&self, e: &Element, text: &str) -> Result<(), WdError> {
        self.post(&format!("/element/{}/value", e.0), json!({ "text": text }))
            .await
            .map(drop)
    }

    /// The element's rendered text.
    pub async fn text(&self, e: &Element) -> Result<String, WdError> {
        Ok(self
            .get(&format!("/element/{}/text", e.0))
            .await?
            .as_str()
            .unwrap_or_default()
            .to_owned())
    }

    pub async fn property(&self, e: &Element, name: &str) -> Result<Value, WdError> {
        self.get(&format!("/element/{}/property/{name}", e.0)).await
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns what it returns.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Result<Value, WdError> {
        self.post("/execute/sync", json!({ "script": script, "args": args }))
            .await
    }

    /// Runs `script`, which calls its last argument with the result (when a promise settles,
    /// say).
    pub async fn execute_async(&self, script: &str, args: Vec<Value>) -> Result<Value, WdError> {
        self.post("/execute/async", json!({ "script": script, "args": args }))
            .await
    }

    pub async fn set_window_rect(&self, width: u32, height: u32) -> Result<(), WdError> {
        self.post("/window/rect", json!({ "width": width, "height": height }))
            .await
            .map(drop)
    }

    /// A PNG of the viewport.
    pub async fn screenshot(&self) -> Result<Vec<u8>, WdError> {
        let v = self.get("/screenshot").await?;
        Ok(decode(v.as_str().unwrap_or_default()))
    }

    /// A Chromium DevTools command (chromedriver's extension).
    pub async fn cdp(&self, cmd: &str, params: Value) -> Result<Value, WdError> {
        self.post("/goog/cdp/execute", json!({ "cmd": cmd, "params": params }))
            .await
    }

    /// A PNG of the whole page laid out `width` CSS pixels wide (as a phone when narrow).
    pub async fn full_page_screenshot(&self, width: u32) -> Result<Vec<u8>, WdError> {
        let metrics = |height: u64| {
            json!({ "width": width, "height": height, "deviceScaleFactor": 1,
                    "mobile": width < 600 })
        };
        self.cdp("Emulation.setDeviceMetricsOverride", metrics(900))
            .await?;
        let height = self
            .execute(
                "return Math.max(document.documentElement.scrollHeight, \
                 document.body ? document.body.scrollHeight : 0)",
                vec![],
            )
            .await?
            .as_u64()
            .unwrap_or(900)
            .clamp(200, 16_000);
        self.cdp("Emulation.setDeviceMetricsOverride", metrics(height))
            .await?;
        let shot = self
            .cdp(
                "Page.captureScreenshot",
                json!({ "format": "png", "captureBeyondViewport": true }),
            )
            .await;
        self.cdp("Emulation.clearDeviceMetricsOverride", json!({}))
            .await?;
        Ok(decode(shot?["data"].as_str().unwrap_or_default()))
    }

    /// Ends the session (and its Chromium).
    pub async fn quit(mut self) {
        if self.open {
            self.open = false;
            let _ = self.cmd(reqwest::Method::DELETE, "", None).await;
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        if self.open {
            // A failed test: delete the session without the async runtime (which may be
            // unwinding), so that its Chromium quits.
            let _ = blocking_delete(&self.driver.url, &format!("/session/{}", self.id));
        }
    }
}

fn element(v: &Value) -> Result<Element, WdError> {
    v[ELEMENT_KEY]
        .as_str()
        .map(|s| Element(s.to_owned()))
        .ok_or_else(|| WdError {
            error: "no element reference".into(),
            message: v.to_string(),
        })
}

fn decode(b64: &str) -> Vec<u8> {
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .expect("base64 screenshot")
}

async fn send(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<Value>,
) -> Result<Value, WdError> {
    let mut req = http.request(method, url);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let resp = req.send().await.map_err(|e| WdError {
        error: "no answer from chromedriver".into(),
        message: e.to_string(),
    })?;
    let status = resp.status();
    let v: Value = resp.json().await.unwrap_or(Value::Null);
    let value = v.get("value").cloned().unwrap_or(Value::Null);
    if status.is_success() {
        // A new session's answer keeps `sessionId` inside `value`.
        Ok(value)
    } else {
        Err(WdError {
            error: value["error"]
                .as_str()
                .unwrap_or("unknown error")
                .to_owned(),
            message: value["message"]
                .as_str()
                .unwrap_or_default()
                .lines()
                .next()
                .unwrap_or_default()
                .to_owned(),
        })
    }
}

/// `DELETE <path>` with a plain blocking socket (for `Drop`).
fn blocking_delete(base: &str, path: &str) -> std::io::Result<()> {
    let addr = base.trim_start_matches("http://");
    let mut s = TcpStream::connect(addr)?;
    s.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        s,
        "DELETE {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    let mut sink = Vec::new();
    let _ = s.read_to_end(&mut sink);
    Ok(())
}
