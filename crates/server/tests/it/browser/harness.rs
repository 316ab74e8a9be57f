//! The browser tests' harness: a [`Harness`] per test (one chromedriver, the screenshots'
//! folder, axe-core) hands out [`Browser`]s (one Chromium each: the applicant's, an officer's),
//! whose helpers read like the steps a person takes.
//!
//! Elements are named by a CSS selector or, when the name is a bare word (letters, digits,
//! `-` and `_` only), by their id: `b.fill("phone", "13800000001")` is
//! `b.fill("#phone", "13800000001")`. (So a lone tag name is read as an id: write `main h1`,
//! not `h1`.)

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use wangban_core::i18n::{Locale, Message};

use super::webdriver::{Driver, Element, Session, on_path};
use crate::TestApp;

/// The widths every checked page is photographed at: a small phone and a desktop.
pub const WIDTHS: [u32; 2] = [360, 1280];

/// How long the helpers wait for an element to appear.
const WAIT: Duration = Duration::from_secs(5);

fn ci() -> bool {
    std::env::var("CI").is_ok_and(|v| v == "true")
}

/// Says something on the terminal even though the test harness captures the test's output.
fn loud(msg: &str) {
    use std::io::Write;
    let _ = writeln!(std::io::stderr(), "\n*** {msg}\n");
}

/// The workspace's root folder.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The build's `target` folder (the test binary is `<target>/<profile>/deps/it-…`).
fn target_dir() -> PathBuf {
    std::env::current_exe()
        .ok()
        .and_then(|p| p.ancestors().nth(3).map(Path::to_path_buf))
        .filter(|p| p.join("CACHEDIR.TAG").exists() || p.ends_with("target"))
        .unwrap_or_else(|| workspace_root().join("target"))
}

/// axe-core's script, read once.
fn axe_source() -> Option<Arc<String>> {
    static AXE: std::sync::OnceLock<Option<Arc<String>>> = std::sync::OnceLock::new();
    AXE.get_or_init(|| {
        std::fs::read_to_string(workspace_root().join("node_modules/axe-core/axe.min.js"))
            .ok()
            .map(Arc::new)
    })
    .clone()
}

/// One test's browsers: a chromedriver, axe-core, and the folder its screenshots go to.
pub struct Harness {
    base: String,
    driver: Arc<Driver>,
    axe: Arc<String>,
    shots: PathBuf,
    counter: Arc<AtomicUsize>,
}

impl Harness {
    /// Starts chromedriver for `app`; screenshots go to `target/screenshots/<label>/`.
    ///
    /// Without `chromium`/`chromedriver` on PATH or without axe-core (`npm ci`), the test fails
    /// when `CI=true` and is otherwise skipped (`None`) with a loud message.
    pub async fn start(app: &TestApp, label: &str) -> Option<Harness> {
        let chromium = on_path(&["chromium", "chromium-browser"]);
        let chromedriver = on_path(&["chromedriver"]);
        let axe = axe_source();
        let mut missing = vec![];
        if chromium.is_none() || chromedriver.is_none() {
            missing.push(
                "chromium and chromedriver are not on PATH \
                 (Debian: apt-get install chromium chromium-driver)",
            );
        }
        if axe.is_none() {
            missing.push(
                "node_modules/axe-core/axe.min.js is missing \
                 (run `npm ci` in the workspace root)",
            );
        }
        if !missing.is_empty() {
            let msg = format!("browser test {label}: {}", missing.join("; "));
            assert!(!ci(), "{msg}");
            loud(&format!("SKIPPED {msg}"));
            return None;
        }
        let driver = Driver::start(&chromedriver.unwrap(), chromium.unwrap()).await;
        let shots = target_dir().join("screenshots").join(label);
        let _ = std::fs::remove_dir_all(&shots);
        std::fs::create_dir_all(&shots).expect("screenshots folder");
        Some(Harness {
            base: app.base.clone(),
            driver: Arc::new(driver),
            axe: axe.unwrap(),
            shots,
            counter: Arc::new(AtomicUsize::new(0)),
        })
    }

    /// A new browser (its own Chromium, profile and cookies) asking for zh-CN pages, as a
    /// browser in China does. `who` names it in failure messages.
    pub async fn browser(&self, who: &str) -> Browser {
        let session = Session::new(self.driver.clone(), "zh-CN,zh").await;
        Browser {
            s: Some(session),
            who: who.to_owned(),
            base: self.base.clone(),
            locale: Locale::ZhCn,
            axe: self.axe.clone(),
            shots: self.shots.clone(),
            counter: self.counter.clone(),
            files: tempfile::tempdir().expect("temp dir"),
            uploads: std::cell::Cell::new(0),
        }
    }
}

/// One person's browser.
pub struct Browser {
    s: Option<Session>,
    who: String,
    base: String,
    /// The language the pages are expected in (checked on every [`Browser::check_page`]).
    pub locale: Locale,
    axe: Arc<String>,
    shots: PathBuf,
    counter: Arc<AtomicUsize>,
    files: tempfile::TempDir,
    uploads: std::cell::Cell<usize>,
}

/// A selector: a bare word is an id.
fn css(sel: &str) -> String {
    if !sel.is_empty()
        && sel
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
    {
        format!("#{sel}")
    } else {
        sel.to_owned()
    }
}

impl Browser {
    fn s(&self) -> &Session {
        self.s.as_ref().expect("session open")
    }

    /// Fails the test with what the browser was looking at.
    async fn fail(&self, what: String) -> ! {
        let url = self.s().current_url().await.unwrap_or_default();
        let h1 = match self.s().find("h1").await {
            Ok(e) => self.s().text(&e).await.unwrap_or_default(),
            Err(_) => String::new(),
        };
        // A form that was refused says why at the top.
        let summary = match self.s().find(".error-summary").await {
            Ok(e) => format!(
                "\n  error summary: {:?}",
                self.s().text(&e).await.unwrap_or_default()
            ),
            Err(_) => String::new(),
        };
        panic!("[{}] {what}\n  at {url} (h1: {h1:?}){summary}", self.who);
    }

    /// The text of `key` in the language the pages are expected in.
    pub fn t(&self, key: &'static str) -> String {
        Message::new(key).render(self.locale)
    }

    /// Opens a page of the service (`path` from the root, e.g. `/login`).
    pub async fn goto(&self, path: &str) {
        if let Err(e) = self.s().navigate(&format!("{}{path}", self.base)).await {
            self.fail(format!("goto {path}: {e}")).await;
        }
    }

    /// The current page's path and query.
    pub async fn path(&self) -> String {
        let url = self.s().current_url().await.unwrap_or_default();
        url.strip_prefix(&self.base).unwrap_or(&url).to_owned()
    }

    /// Waits (a few seconds at most) for the element and returns it.
    pub async fn el(&self, sel: &str) -> Element {
        let css = css(sel);
        let deadline = Instant::now() + WAIT;
        loop {
            match self.s().find(&css).await {
                Ok(e) => return e,
                Err(e) if Instant::now() >= deadline => {
                    self.fail(format!("no element {css}: {e}")).await
                }
                Err(_) => tokio::time::sleep(Duration::from_millis(50)).await,
            }
        }
    }

    /// Whether the element is on the page now (no waiting).
    pub async fn exists(&self, sel: &str) -> bool {
        self.s().find(&css(sel)).await.is_ok()
    }

    /// Types `text` into a field (clearing it first).
    pub async fn fill(&self, sel: &str, text: &str) {
        let e = self.el(sel).await;
        let r = match self.s().clear(&e).await {
            Ok(()) => self.s().send_keys(&e, text).await,
            Err(e) => Err(e),
        };
        if let Err(e) = r {
            self.fail(format!("fill {sel}: {e}")).await;
        }
    }

    /// Clicks a link or a button; when that leads to another page (a link other than to a
    /// place on the same page, a form's submit button), waits until that page has loaded.
    pub async fn click(&self, sel: &str) {
        let e = self.el(sel).await;
        const LEADS_AWAY: &str = "const e = arguments[0]; \
            const a = e.closest('a[href]'); \
            if (a) { return !a.getAttribute('href').startsWith('#'); } \
            const b = e.closest('button, input[type=submit], input[type=image]'); \
            const leaves = !!(b && b.form && b.type === 'submit'); \
            return leaves;";
        let leads_away = self
            .s()
            .execute(LEADS_AWAY, vec![e.arg()])
            .await
            .ok()
            .and_then(|v| v.as_bool())
            .unwrap_or(false);
        if leads_away {
            // Marks the page, so that the new one can be told from it.
            let _ = self
                .s()
                .execute("window.__wangbanOldPage = true", vec![])
                .await;
        }
        if let Err(err) = self.s().click(&e).await {
            self.fail(format!("click {sel}: {err}")).await;
        }
        if leads_away {
            let deadline = Instant::now() + Duration::from_secs(15);
            loop {
                let loaded = self
                    .s()
                    .execute(
                        "return !window.__wangbanOldPage && document.readyState === 'complete'",
                        vec![],
                    )
                    .await;
                if loaded.ok().and_then(|v| v.as_bool()) == Some(true) {
                    break;
                }
                if Instant::now() >= deadline {
                    self.fail(format!("clicking {sel} did not lead to a new page"))
                        .await;
                }
                tokio::time::sleep(Duration::from_millis(30)).await;
            }
        }
    }

    /// From the next page on, the first timer a page sets for longer than a second fires
    /// after 50 ms instead (the session-timeout warning waits for minutes).
    pub async fn hurry_first_long_timer(&self) {
        const SRC: &str = "(() => { const st = window.setTimeout; let first = true; \
            window.setTimeout = function (f, ms, ...rest) { \
              if (first && ms > 1000) { first = false; ms = 50; } \
              return st.call(window, f, ms, ...rest); }; })();";
        if let Err(e) = self
            .s()
            .cdp(
                "Page.addScriptToEvaluateOnNewDocument",
                json!({ "source": SRC }),
            )
            .await
        {
            self.fail(format!("hurrying timers: {e}")).await;
        }
    }

    /// Waits (a few seconds at most) until the script returns `true`.
    pub async fn wait_for(&self, what: &str, js: &str) {
        let deadline = Instant::now() + WAIT;
        while self.script(js).await.as_bool() != Some(true) {
            if Instant::now() >= deadline {
                self.fail(format!("still not {what}")).await;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Picks the option with this value in a `<select>`.
    pub async fn select(&self, sel: &str, value: &str) {
        let e = self.el(sel).await;
        let picked = self
            .s()
            .execute(
                "const s = arguments[0]; s.value = arguments[1]; \
                 s.dispatchEvent(new Event('change', { bubbles: true })); \
                 return s.value === arguments[1];",
                vec![e.arg(), json!(value)],
            )
            .await;
        if picked.ok().and_then(|v| v.as_bool()) != Some(true) {
            self.fail(format!("{sel} has no option {value:?}")).await;
        }
    }

    /// Chooses a radio button or ticks a checkbox.
    pub async fn choose(&self, sel: &str) {
        self.click(sel).await;
        let e = self.el(sel).await;
        if self.s().property(&e, "checked").await.ok() != Some(Value::Bool(true)) {
            self.fail(format!("{sel} is not checked after clicking it"))
                .await;
        }
    }

    /// Clicks the submit button of the form posting to `action` (e.g. `/login`).
    pub async fn submit(&self, action: &str) {
        self.click(&format!(
            "form[action=\"{action}\"] button[type=submit], form[action=\"{action}\"] input[type=submit]"
        ))
        .await;
    }

    /// Puts a file with these bytes into a file input (named `upload-N.jpg` or `.png` after
    /// what the bytes are).
    pub async fn upload(&self, sel: &str, bytes: &[u8]) {
        self.uploads.set(self.uploads.get() + 1);
        let ext = if bytes.starts_with(b"\x89PNG") {
            "png"
        } else {
            "jpg"
        };
        let path = self
            .files
            .path()
            .join(format!("upload-{}.{ext}", self.uploads.get()));
        std::fs::write(&path, bytes).expect("write upload");
        self.upload_path(sel, &path).await;
    }

    /// Puts the file at `path` into a file input.
    pub async fn upload_path(&self, sel: &str, path: &Path) {
        let e = self.el(sel).await;
        let path = path.canonicalize().expect("upload path");
        if let Err(e) = self.s().send_keys(&e, &path.display().to_string()).await {
            self.fail(format!("upload {} into {sel}: {e}", path.display()))
                .await;
        }
    }

    /// The element's text as shown (whitespace as rendered).
    pub async fn text(&self, sel: &str) -> String {
        let e = self.el(sel).await;
        match self.s().text(&e).await {
            Ok(t) => t,
            Err(e) => self.fail(format!("text of {sel}: {e}")).await,
        }
    }

    /// The texts of every matching element (none: empty).
    pub async fn texts(&self, sel: &str) -> Vec<String> {
        self.texts_css(&css(sel)).await
    }

    async fn texts_css(&self, css: &str) -> Vec<String> {
        let mut out = vec![];
        for e in self.s().find_all(css).await.unwrap_or_default() {
            out.push(self.s().text(&e).await.unwrap_or_default());
        }
        out
    }

    /// The value of an input.
    pub async fn value(&self, sel: &str) -> String {
        let e = self.el(sel).await;
        self.s()
            .property(&e, "value")
            .await
            .ok()
            .and_then(|v| v.as_str().map(str::to_owned))
            .unwrap_or_default()
    }

    /// The page's one `<h1>`.
    pub async fn heading(&self) -> String {
        let all = self.texts_css("h1").await;
        if all.len() != 1 {
            self.fail(format!("{} <h1> on the page: {all:?}", all.len()))
                .await;
        }
        all.into_iter().next().unwrap()
    }

    /// Checks the page's `<h1>`.
    pub async fn assert_heading(&self, expected: &str) {
        let h = self.heading().await;
        if h.trim() != expected.trim() {
            self.fail(format!("heading {h:?}, expected {expected:?}"))
                .await;
        }
    }

    /// Checks the page's `<h1>` is the catalogue's `key` in the expected language.
    pub async fn assert_heading_t(&self, key: &'static str) {
        self.assert_heading(&self.t(key)).await;
    }

    /// Checks that the element's text contains `expected`.
    pub async fn assert_text(&self, sel: &str, expected: &str) {
        let t = self.text(sel).await;
        if !t.contains(expected) {
            self.fail(format!(
                "{sel} says {t:?}, expected it to contain {expected:?}"
            ))
            .await;
        }
    }

    /// Checks that the page shows no error summary (a form was accepted).
    pub async fn assert_no_errors(&self) {
        if self.exists(".error-summary").await {
            self.fail("the page shows errors".into()).await;
        }
    }

    /// Reloads the page until the element's text contains `expected` (up to 10 s), for what
    /// the background workers do (a payment's notice, the production centre, the post).
    pub async fn reload_until(&self, sel: &str, expected: &str) {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Ok(e) = self.s().find(&css(sel)).await
                && self
                    .s()
                    .text(&e)
                    .await
                    .unwrap_or_default()
                    .contains(expected)
            {
                return;
            }
            if Instant::now() >= deadline {
                let now = self.text(sel).await;
                self.fail(format!("{sel} says {now:?}, still not {expected:?}"))
                    .await;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
            if let Err(e) = self.s().refresh().await {
                self.fail(format!("reload: {e}")).await;
            }
        }
    }

    /// The id of the element that has the focus.
    pub async fn focused_id(&self) -> String {
        self.script("return document.activeElement ? document.activeElement.id : ''")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Runs a script in the page (a function body) and returns its result.
    pub async fn script(&self, js: &str) -> Value {
        match self.s().execute(js, vec![]).await {
            Ok(v) => v,
            Err(e) => self.fail(format!("script failed: {e}")).await,
        }
    }

    /// The page's `lang`.
    pub async fn page_lang(&self) -> String {
        self.script("return document.documentElement.lang")
            .await
            .as_str()
            .unwrap_or_default()
            .to_owned()
    }

    /// Uses the language switch at the top of the page; the page comes back in the other
    /// language.
    pub async fn switch_language(&mut self) {
        let before = self.path().await;
        self.click("header.site nav a[hreflang]").await;
        self.locale = match self.locale {
            Locale::ZhCn => Locale::En,
            Locale::En => Locale::ZhCn,
        };
        let lang = self.page_lang().await;
        if lang != self.locale.tag() {
            self.fail(format!(
                "after the language switch the page is in {lang:?}, expected {}",
                self.locale.tag()
            ))
            .await;
        }
        let after = self.path().await;
        if after != before {
            self.fail(format!(
                "the language switch went from {before} to {after}, not back to the page"
            ))
            .await;
        }
    }

    /// Switches the language (with the switch on the page) when it is not `locale`.
    pub async fn use_language(&mut self, locale: Locale) {
        if self.locale != locale {
            self.switch_language().await;
        }
    }

    /// Checks the page: in the expected language, no serious or critical accessibility
    /// violations (axe-core, at 1280 px and again laid out as a 360-px phone), and screenshots at each of [`WIDTHS`] into
    /// `target/screenshots/<label>/NN-<name>-<width>.png`.
    pub async fn check_page(&self, name: &str) {
        let lang = self.page_lang().await;
        if lang != self.locale.tag() {
            self.fail(format!(
                "page {name} is in {lang:?}, expected {}",
                self.locale.tag()
            ))
            .await;
        }
        self.axe(name).await;
        // Again as a phone lays it out.
        let phone =
            json!({ "width": WIDTHS[0], "height": 800, "deviceScaleFactor": 1, "mobile": true });
        if let Err(e) = self
            .s()
            .cdp("Emulation.setDeviceMetricsOverride", phone)
            .await
        {
            self.fail(format!("phone width: {e}")).await;
        }
        self.axe(&format!("{name} at {} px", WIDTHS[0])).await;
        // Nothing sticks out sideways on the phone (a table scrolls inside its own region).
        const WIDER: &str = "const w = document.documentElement.clientWidth; \
            if (document.documentElement.scrollWidth <= w) { return []; } \
            return Array.from(document.querySelectorAll('body *')) \
              .filter(e => e.getBoundingClientRect().right > w + 0.5 \
                && !e.closest('.table-wrap') && e.offsetParent !== null) \
              .slice(0, 8) \
              .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') \
                + (e.className && typeof e.className === 'string' ? '.' + e.className : '') \
                + ' ' + Math.round(e.getBoundingClientRect().right) + 'px');";
        let wider = self.script(WIDER).await;
        if wider.as_array().is_some_and(|a| !a.is_empty()) {
            self.fail(format!(
                "page {name} is wider than {} px; sticking out: {wider}",
                WIDTHS[0]
            ))
            .await;
        }
        let _ = self
            .s()
            .cdp("Emulation.clearDeviceMetricsOverride", json!({}))
            .await;
        let n = self.counter.fetch_add(1, Ordering::SeqCst) + 1;
        for width in WIDTHS {
            let png = match self.s().full_page_screenshot(width).await {
                Ok(p) => p,
                Err(e) => self.fail(format!("screenshot of {name}: {e}")).await,
            };
            let file = self.shots.join(format!("{n:02}-{name}-{width}.png"));
            std::fs::write(&file, png).expect("write screenshot");
        }
    }

    /// Runs axe-core on the page; fails on any violation of impact "serious" or "critical",
    /// listing each rule, its help text and the offending elements.
    pub async fn axe(&self, name: &str) {
        let violations = self.axe_violations().await;
        if !violations.is_empty() {
            self.fail(format!(
                "accessibility violations on page {name}:\n{}",
                violations.join("\n")
            ))
            .await;
        }
    }

    /// axe-core's violations of impact "serious" or "critical" on the page, one text each:
    /// rule id, impact, help, then the offending elements' selectors.
    pub async fn axe_violations(&self) -> Vec<String> {
        let loaded = self
            .script("return typeof window.axe === 'object'")
            .await
            .as_bool()
            == Some(true);
        if !loaded {
            let inject = format!("{}\nreturn typeof window.axe;", self.axe);
            if let Err(e) = self.s().execute(&inject, vec![]).await {
                self.fail(format!("injecting axe-core: {e}")).await;
            }
        }
        let run = r#"
            const done = arguments[arguments.length - 1];
            window.axe.run(document, { resultTypes: ['violations'] })
              .then(r => done({ violations: r.violations
                .filter(v => v.impact === 'serious' || v.impact === 'critical')
                .map(v => ({ id: v.id, impact: v.impact, help: v.help,
                             nodes: v.nodes.map(n => n.target.join(' ')) })) }))
              .catch(e => done({ error: String((e && e.stack) || e) }));
        "#;
        let result = match self.s().execute_async(run, vec![]).await {
            Ok(v) => v,
            Err(e) => self.fail(format!("running axe-core: {e}")).await,
        };
        if let Some(e) = result["error"].as_str() {
            self.fail(format!("axe-core failed: {e}")).await;
        }
        let text = |v: &Value| v.as_str().unwrap_or_default().to_owned();
        result["violations"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|v| {
                let nodes: Vec<String> = v["nodes"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(text)
                    .collect();
                format!(
                    "  {} ({}): {}\n    {}",
                    text(&v["id"]),
                    text(&v["impact"]),
                    text(&v["help"]),
                    nodes.join("\n    ")
                )
            })
            .collect()
    }

    /// Ends this browser.
    pub async fn quit(mut self) {
        if let Some(s) = self.s.take() {
            s.quit().await;
        }
    }
}

/// The newest login code the SMS simulator holds for `phone` other than `not` (waits up to
/// 10 s), as a person reads it off their phone.
pub async fn sms_code(app: &TestApp, phone: &str, not: Option<&str>) -> String {
    for _ in 0..500 {
        let (_, v) = app
            .get(None, &format!("/api/v1/sim/sms?phone={phone}"))
            .await;
        if let Some(code) = v
            .as_array()
            .and_then(|a| a.iter().rev().find(|m| m["template"] == "login_code"))
            .and_then(|m| crate::six_digits(m["text"].as_str().unwrap_or_default()))
            .filter(|c| Some(c.as_str()) != not)
        {
            return code;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("no login code arrived for {phone}");
}

/// The current TOTP code of a demo officer (as shown on the start page of the demo), for the
/// second step of an officer's login.
pub fn totp_code(app: &TestApp, username: &str) -> String {
    use wangban_gateways::clock::Clock;
    let secret = wangban_server::demo::DEMO_OFFICERS
        .iter()
        .find(|o| o.0 == username)
        .unwrap_or_else(|| panic!("no demo officer {username}"))
        .3;
    wangban_server::demo::current_code(secret, app.clock.now())
}
