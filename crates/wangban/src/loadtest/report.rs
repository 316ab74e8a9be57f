//! The load test's report: as text for people (through the message catalogue) and as JSON.

use std::collections::BTreeMap;

use serde_json::{Value, json};
use wangban_core::i18n::{Locale, Message};

/// The no-op phase: `GET /health` as fast as the clients can.
#[derive(Debug, Clone)]
pub struct Noop {
    pub requests: u64,
    pub failed: u64,
    pub seconds: f64,
}

impl Noop {
    pub fn rate(&self) -> f64 {
        if self.seconds > 0.0 {
            self.requests as f64 / self.seconds
        } else {
            0.0
        }
    }
}

/// Percentiles of one endpoint's latencies, in milliseconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Percentiles {
    pub count: usize,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
    pub max: f64,
}

/// Nearest-rank percentiles of `micros` (which it sorts).
pub fn percentiles(micros: &mut [u32]) -> Percentiles {
    micros.sort_unstable();
    let at = |p: f64| -> f64 {
        if micros.is_empty() {
            return 0.0;
        }
        let rank = ((p / 100.0) * micros.len() as f64).ceil() as usize;
        f64::from(micros[rank.clamp(1, micros.len()) - 1]) / 1000.0
    };
    Percentiles {
        count: micros.len(),
        p50: at(50.0),
        p90: at(90.0),
        p99: at(99.0),
        max: micros.last().map_or(0.0, |m| f64::from(*m) / 1000.0),
    }
}

/// Everything a run measured.
pub struct Report {
    pub target: String,
    pub journeys: u64,
    pub concurrency: usize,
    pub officers: usize,
    pub completed: u64,
    pub final_states: BTreeMap<String, u64>,
    pub journey_seconds: f64,
    pub journey_requests: u64,
    pub latencies: BTreeMap<&'static str, Vec<u32>>,
    pub errors: BTreeMap<String, u64>,
    pub noop: Option<Noop>,
    pub server_cpu_seconds: Option<f64>,
    pub server_peak_rss_kib: Option<u64>,
    pub machine_busy_share: Option<f64>,
    /// Times the server was killed and started again (`--kills`).
    pub kills: Option<u32>,
    /// Requests sent again because the first got no answer.
    pub retries: u64,
    /// Steps whose answer was lost with a stop, found done on a second look.
    pub reconciled: u64,
    /// The check of every acknowledged request after a run with stops.
    pub durability: Option<super::journey::Durability>,
}

impl Report {
    pub fn failed_journeys(&self) -> u64 {
        self.journeys - self.completed
    }

    pub fn journeys_per_second(&self) -> f64 {
        self.completed as f64 / self.journey_seconds.max(1e-9)
    }

    pub fn requests_per_second(&self) -> f64 {
        self.journey_requests as f64 / self.journey_seconds.max(1e-9)
    }

    /// The no-op request rate over the journey request rate.
    pub fn noop_ratio(&self) -> Option<f64> {
        let noop = self.noop.as_ref()?;
        let journey = self.requests_per_second();
        (journey > 0.0).then(|| noop.rate() / journey)
    }

    fn table(&self) -> Vec<(&'static str, Percentiles)> {
        let mut all: Vec<u32> = Vec::new();
        let mut rows: Vec<(&'static str, Percentiles)> = self
            .latencies
            .iter()
            .map(|(endpoint, micros)| {
                all.extend_from_slice(micros);
                (*endpoint, percentiles(&mut micros.clone()))
            })
            .collect();
        rows.push(("*", percentiles(&mut all)));
        rows
    }

    pub fn to_json(&self) -> Value {
        let endpoints: serde_json::Map<String, Value> = self
            .table()
            .into_iter()
            .map(|(e, p)| {
                (
                    e.to_owned(),
                    json!({ "count": p.count, "p50_ms": p.p50, "p90_ms": p.p90,
                            "p99_ms": p.p99, "max_ms": p.max }),
                )
            })
            .collect();
        json!({
            "target": self.target,
            "journeys": self.journeys,
            "concurrency": self.concurrency,
            "officers": self.officers,
            "completed": self.completed,
            "failed": self.failed_journeys(),
            "final_states": self.final_states,
            "seconds": self.journey_seconds,
            "journeys_per_second": self.journeys_per_second(),
            "requests": self.journey_requests,
            "requests_per_second": self.requests_per_second(),
            "latency": endpoints,
            "errors": self.errors,
            "noop": self.noop.as_ref().map(|n| json!({
                "requests": n.requests, "failed": n.failed, "seconds": n.seconds,
                "requests_per_second": n.rate() })),
            "noop_ratio": self.noop_ratio(),
            "server_cpu_seconds": self.server_cpu_seconds,
            "server_cpu_share": self.server_cpu_seconds.map(|c| c / self.journey_seconds.max(1e-9)),
            "server_peak_rss_mib": self.server_peak_rss_kib.map(|k| k as f64 / 1024.0),
            "machine_busy_share": self.machine_busy_share,
            "kills": self.kills,
            "retries": self.retries,
            "reconciled": self.reconciled,
            "durability": self.durability.as_ref().map(|d| json!({
                "applications": d.applications,
                "acknowledged": d.acknowledged,
                "found_once": d.found_once,
                "problems": d.problems,
            })),
        })
    }

    pub fn render(&self, locale: Locale) -> String {
        let m = |key: &'static str| Message::new(key);
        let f1 = |v: f64| format!("{v:.1}");
        let mut out = vec![
            m("loadtest-report-target")
                .with("target", self.target.clone())
                .render(locale),
            m("loadtest-report-journeys")
                .with("completed", self.completed as i64)
                .with("total", self.journeys as i64)
                .with("concurrency", self.concurrency as i64)
                .with("officers", self.officers as i64)
                .with("seconds", f1(self.journey_seconds))
                .render(locale),
            m("loadtest-report-rates")
                .with("journeys", f1(self.journeys_per_second()))
                .with("requests", f1(self.requests_per_second()))
                .render(locale),
        ];
        if let Some(n) = &self.noop {
            out.push(
                m("loadtest-report-noop")
                    .with("rate", f1(n.rate()))
                    .with("ratio", f1(self.noop_ratio().unwrap_or(0.0)))
                    .render(locale),
            );
        }
        let unknown = m("loadtest-report-unknown").render(locale);
        out.push(
            m("loadtest-report-server")
                .with("cpu", self.server_cpu_seconds.map_or(unknown.clone(), f1))
                .with(
                    "share",
                    self.server_cpu_seconds.map_or(unknown.clone(), |c| {
                        f1(100.0 * c / self.journey_seconds.max(1e-9))
                    }),
                )
                .with(
                    "rss",
                    self.server_peak_rss_kib
                        .map_or(unknown.clone(), |k| f1(k as f64 / 1024.0)),
                )
                .with(
                    "machine",
                    self.machine_busy_share.map_or(unknown, |s| f1(100.0 * s)),
                )
                .render(locale),
        );
        let states: Vec<String> = self
            .final_states
            .iter()
            .map(|(s, n)| format!("{s} {n}"))
            .collect();
        out.push(
            m("loadtest-report-final-states")
                .with("states", states.join(", "))
                .render(locale),
        );
        out.push(String::new());
        out.push(format!(
            "{} {} {:>9} {:>9} {:>9} {}",
            pad(&m("loadtest-col-endpoint").render(locale), 56, false),
            pad(&m("loadtest-col-count").render(locale), 7, true),
            "p50 ms",
            "p90 ms",
            "p99 ms",
            pad(&m("loadtest-col-max").render(locale), 9, true),
        ));
        for (endpoint, p) in self.table() {
            let name = if endpoint == "*" {
                m("loadtest-col-all").render(locale)
            } else {
                endpoint.to_owned()
            };
            out.push(format!(
                "{} {:>7} {:>9.1} {:>9.1} {:>9.1} {:>9.1}",
                pad(&name, 56, false),
                p.count,
                p.p50,
                p.p90,
                p.p99,
                p.max
            ));
        }
        if let (Some(kills), Some(d)) = (self.kills, &self.durability) {
            let found: Vec<String> = d
                .found_once
                .iter()
                .map(|(what, n)| format!("{what} {n}"))
                .collect();
            out.push(
                m("loadtest-report-durability")
                    .with("kills", i64::from(kills))
                    .with("retries", self.retries as i64)
                    .with("reconciled", self.reconciled as i64)
                    .with("applications", d.applications as i64)
                    .with("found", found.join(", "))
                    .with("problems", d.problems.len() as i64)
                    .render(locale),
            );
            for p in &d.problems {
                out.push(format!("  {p}"));
            }
        }
        out.push(String::new());
        if self.errors.is_empty() {
            out.push(m("loadtest-report-no-errors").render(locale));
        } else {
            out.push(m("loadtest-report-errors").render(locale));
            for (kind, n) in &self.errors {
                out.push(format!("  {n:>6}  {kind}"));
            }
        }
        out.join("\n")
    }
}

/// `text` padded with spaces to `width` terminal columns (a Chinese character takes two).
fn pad(text: &str, width: usize, right: bool) -> String {
    let fill = " ".repeat(width.saturating_sub(unicode_width::UnicodeWidthStr::width(text)));
    if right {
        format!("{fill}{text}")
    } else {
        format!("{text}{fill}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let mut v: Vec<u32> = (1..=100).rev().map(|ms| ms * 1000).collect();
        let p = percentiles(&mut v);
        assert_eq!(p.count, 100);
        assert_eq!(p.p50, 50.0);
        assert_eq!(p.p90, 90.0);
        assert_eq!(p.p99, 99.0);
        assert_eq!(p.max, 100.0);
        let p = percentiles(&mut [7000]);
        assert_eq!((p.p50, p.p99, p.max), (7.0, 7.0, 7.0));
        assert_eq!(percentiles(&mut []).count, 0);
    }

    #[test]
    fn padding_counts_chinese_characters_as_two_columns() {
        assert_eq!(pad("接口", 6, false), "接口  ");
        assert_eq!(pad("ab", 4, true), "  ab");
        assert_eq!(pad("toolong", 3, false), "toolong");
    }

    #[test]
    fn rates_and_ratio() {
        let report = Report {
            target: "t".into(),
            journeys: 10,
            concurrency: 2,
            officers: 1,
            completed: 8,
            final_states: BTreeMap::new(),
            journey_seconds: 4.0,
            journey_requests: 200,
            latencies: BTreeMap::new(),
            errors: BTreeMap::new(),
            noop: Some(Noop {
                requests: 1000,
                failed: 0,
                seconds: 2.0,
            }),
            server_cpu_seconds: None,
            server_peak_rss_kib: None,
            machine_busy_share: None,
            kills: None,
            retries: 0,
            reconciled: 0,
            durability: None,
        };
        assert_eq!(report.failed_journeys(), 2);
        assert_eq!(report.journeys_per_second(), 2.0);
        assert_eq!(report.requests_per_second(), 50.0);
        assert_eq!(report.noop_ratio(), Some(10.0));
    }
}
