//! Officers' throughput for the supervisor's dashboard: how many steps of each kind each
//! officer took in a window of time, counted from the application log.
//!
//! The log's `action` column is sealed (it holds officers' notes and document numbers), so SQL
//! cannot read what happened from it. Each row therefore also keeps the event's code in clear
//! (`event`: `claim`, `approve`, `request_correction`, …; no personal data), written by
//! [`Store::commit_action`] from the action itself (migration sqlite 0007 / postgres 0004).
//! Rows written before that migration get their code once, when the store is unlocked
//! ([`Store::fill_missing_events`]): SQL cannot open a sealed value, Rust can. The partial
//! index `application_actions_event_missing` finds those rows without reading the log, so the
//! pass costs nothing on later starts.
//!
//! [`Store::officer_throughput`] counts `GROUP BY officer_id, event` over a range of `at`,
//! which the index `(at, officer_id, event)` answers by reading only the window's rows (the
//! index covers the query: the table itself is not read). The cost grows with the actions in
//! the window, never with the log's whole history.

use wangban_core::state::Action;

use crate::db::query;
use crate::{OfficerId, Result, Store, StoreError, Timestamp, sealed};

/// How many times one officer took one kind of step in a window.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OfficerTally {
    pub officer: OfficerId,
    /// The event's code (`wangban_core::state::EventKind::code`).
    pub event: String,
    pub count: u64,
}

/// The event code of a stored action (its JSON, clear), if it is an action at all.
pub(crate) fn event_code(action: &str) -> Option<&'static str> {
    serde_json::from_str::<Action>(action)
        .ok()
        .map(|a| a.event.kind().code())
}

/// Rows read per transaction by the one-time pass.
const PAGE: i64 = 1000;

impl Store {
    /// Each officer's steps by kind with `from <= at < until`, ordered by officer and event.
    /// Only actions taken by an officer count (the applicant's, the systems' and the sweeper's
    /// have no officer).
    pub async fn officer_throughput(
        &self,
        from: Timestamp,
        until: Timestamp,
    ) -> Result<Vec<OfficerTally>> {
        let rows = query(
            "SELECT officer_id, event, COUNT(*) FROM application_actions
             WHERE at >= $1 AND at < $2 AND officer_id IS NOT NULL AND event IS NOT NULL
             GROUP BY officer_id, event ORDER BY officer_id, event",
        )
        .bind(from)
        .bind(until)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows
            .iter()
            .map(|r| OfficerTally {
                officer: OfficerId(r.get(0)),
                event: r.get(1),
                count: r.get::<i64, _>(2).max(0) as u64,
            })
            .collect())
    }

    /// Gives every log row without an event code (written before migration 0007/0004) its
    /// code, opening the sealed action; returns how many rows it filled. A row whose action
    /// does not read as an action is left as it is (and logged by position, never by content).
    /// Idempotent; run by [`Store::unlock`] after the sealing pass.
    pub(crate) async fn fill_missing_events(&self) -> Result<u64> {
        let mut filled = 0u64;
        let (mut after_app, mut after_seq) = (i64::MIN, i64::MIN);
        loop {
            let mut tx = self.pool.begin().await?;
            let rows = query(
                "SELECT application_id, seq, action FROM application_actions
                 WHERE event IS NULL
                   AND (application_id > $1 OR (application_id = $1 AND seq > $2))
                 ORDER BY application_id, seq LIMIT $3",
            )
            .bind(after_app)
            .bind(after_seq)
            .bind(PAGE)
            .fetch_all(&mut tx)
            .await?;
            if rows.is_empty() {
                tx.rollback().await?;
                break;
            }
            for r in &rows {
                let (app, seq): (i64, i64) = (r.get(0), r.get(1));
                (after_app, after_seq) = (app, seq);
                let stored: String = r.get(2);
                let clear = if sealed::is_sealed(&stored) {
                    self.unseal(
                        sealed::col::ACTION,
                        &[&app.to_string(), &seq.to_string()],
                        &stored,
                    )?
                } else {
                    stored
                };
                let Some(event) = event_code(&clear) else {
                    tracing::warn!(
                        application = app,
                        seq,
                        "a log row does not read as an action: left without an event code"
                    );
                    continue;
                };
                let done = query(
                    "UPDATE application_actions SET event = $1
                     WHERE application_id = $2 AND seq = $3 AND event IS NULL",
                )
                .bind(event)
                .bind(app)
                .bind(seq)
                .execute(&mut tx)
                .await?;
                filled += done.rows_affected();
            }
            tx.commit().await.map_err(StoreError::from)?;
        }
        Ok(filled)
    }
}

#[cfg(test)]
mod tests {
    use chrono::{TimeZone, Utc};
    use wangban_core::state::{Action, Actor, Event};

    use super::event_code;

    #[test]
    fn the_event_code_is_the_state_machines_whatever_the_events_fields() {
        let at = Utc.with_ymd_and_hms(2026, 3, 2, 1, 0, 0).unwrap();
        for (event, code) in [
            (Event::Claim, "claim"),
            (Event::Approve { fee_fen: 12000 }, "approve"),
            (
                Event::Produced {
                    document_number: "E12345678".into(),
                },
                "produced",
            ),
            (Event::SendToHall, "send_to_hall"),
        ] {
            let json = serde_json::to_string(&Action::new(at, Actor::Reviewer, event)).unwrap();
            assert_eq!(event_code(&json), Some(code), "{json}");
        }
        assert_eq!(event_code("{}"), None);
        assert_eq!(event_code("not json"), None);
    }
}
