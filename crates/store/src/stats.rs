//! The public statistics' aggregates (`stats_counts`, `stats_durations`): added to by
//! [`Store::commit_action`] in the action's transaction, read grouped by one facet at a time
//! ([`Store::statistics`]), and rebuilt from the action logs ([`Store::rebuild_stats`]).
//!
//! What an action adds is decided in `wangban_core::stats`; the store only adds. Every upsert is
//! `INSERT … ON CONFLICT … DO UPDATE SET n = n + excluded.n` (both databases), in the sorted
//! order of the deltas, so two transactions touching the same cells lock them in one order and
//! cannot deadlock on PostgreSQL.

use std::collections::BTreeMap;

use wangban_core::calendar::WorkingCalendar;
use wangban_core::state::Action;
use wangban_core::stats::{CountKey, DurationKey, Facets, StatsDelta, replay};

use crate::db::{Tx, query};
use crate::{Result, Store, StoreError, sealed};

/// One published sum: `metric` counted by one `dimension` (`kind`, `reason`, `month`,
/// `delivery`, `district`, `detail`, or `total` with an empty value).
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct StatsTally {
    pub metric: String,
    pub dimension: String,
    pub value: String,
    pub n: u64,
}

/// Everything the statistics page needs, summed from the aggregates (a few hundred rows at most
/// per dimension, whatever the number of applications).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatsTallies {
    pub counts: Vec<StatsTally>,
    /// (metric, working days, count).
    pub durations: Vec<(String, i64, u64)>,
}

impl StatsTallies {
    /// `metric` by `dimension`, as (value, count), in value order.
    pub fn by(&self, metric: &str, dimension: &str) -> Vec<(String, u64)> {
        self.counts
            .iter()
            .filter(|t| t.metric == metric && t.dimension == dimension)
            .map(|t| (t.value.clone(), t.n))
            .collect()
    }

    pub fn total(&self, metric: &str) -> u64 {
        self.by(metric, "total").iter().map(|(_, n)| n).sum()
    }

    /// The histogram of `metric`'s durations: (working days, count).
    pub fn histogram(&self, metric: &str) -> Vec<(i64, u64)> {
        self.durations
            .iter()
            .filter(|(m, _, _)| m == metric)
            .map(|(_, d, n)| (*d, *n))
            .collect()
    }
}

/// What a rebuild did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RebuildReport {
    pub applications: u64,
    pub actions: u64,
    pub count_cells: u64,
    pub duration_cells: u64,
    /// Durations left out because the calendar has no data for a date in them.
    pub unmeasured: u64,
}

const DIMENSIONS: [&str; 6] = ["kind", "reason", "month", "delivery", "district", "detail"];

/// Adds `n` to each cell, in sorted order (see the module doc).
async fn add(
    tx: &mut Tx,
    counts: &BTreeMap<CountKey, u64>,
    durations: &BTreeMap<DurationKey, u64>,
) -> Result<()> {
    for (k, n) in counts {
        query(
            "INSERT INTO stats_counts (month, metric, kind, reason, delivery, district, detail, n)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
             ON CONFLICT (month, metric, kind, reason, delivery, district, detail)
             DO UPDATE SET n = stats_counts.n + excluded.n",
        )
        .bind(&k.month)
        .bind(k.metric)
        .bind(&k.kind)
        .bind(&k.reason)
        .bind(&k.delivery)
        .bind(&k.district)
        .bind(&k.detail)
        .bind(*n as i64)
        .execute(&mut *tx)
        .await?;
    }
    for (k, n) in durations {
        query(
            "INSERT INTO stats_durations (metric, month, days, n) VALUES ($1, $2, $3, $4)
             ON CONFLICT (metric, month, days) DO UPDATE SET n = stats_durations.n + excluded.n",
        )
        .bind(k.metric)
        .bind(&k.month)
        .bind(k.days)
        .bind(*n as i64)
        .execute(&mut *tx)
        .await?;
    }
    Ok(())
}

/// Aggregates folded in memory before they are written: each cell and its count. A rebuild folds
/// the stored logs into one, `wangban stats generate` synthetic histories; either is then written
/// with [`Store::replace_stats`]'s code. Sorted, so cells are written in one order.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StatsCells {
    pub counts: BTreeMap<CountKey, u64>,
    pub durations: BTreeMap<DurationKey, u64>,
}

impl StatsCells {
    /// Adds one to the cell of each delta.
    pub fn add(&mut self, deltas: impl IntoIterator<Item = StatsDelta>) {
        for d in deltas {
            match d {
                StatsDelta::Count(k) => *self.counts.entry(k).or_default() += 1,
                StatsDelta::Duration(k) => *self.durations.entry(k).or_default() += 1,
            }
        }
    }
}

/// Adds one commit's deltas inside its transaction.
pub(crate) async fn add_deltas(tx: &mut Tx, deltas: &[StatsDelta]) -> Result<()> {
    if deltas.is_empty() {
        return Ok(());
    }
    let mut cells = StatsCells::default();
    cells.add(deltas.iter().cloned());
    add(tx, &cells.counts, &cells.durations).await
}

/// Locks the aggregates for `tx` on PostgreSQL, so that a concurrent commit's upsert waits for
/// it and is neither lost nor counted twice (on SQLite the first write takes the one lock).
async fn lock(tx: &mut Tx, postgres: bool) -> Result<()> {
    if postgres {
        query("LOCK TABLE stats_counts, stats_durations IN EXCLUSIVE MODE")
            .execute(&mut *tx)
            .await?;
    }
    Ok(())
}

/// Makes the aggregates exactly `cells`, in `tx`.
async fn replace(tx: &mut Tx, cells: &StatsCells) -> Result<()> {
    query("DELETE FROM stats_counts").execute(&mut *tx).await?;
    query("DELETE FROM stats_durations")
        .execute(&mut *tx)
        .await?;
    add(tx, &cells.counts, &cells.durations).await
}

impl Store {
    /// The aggregates summed by each facet, and the duration histograms (summed over months).
    pub async fn statistics(&self) -> Result<StatsTallies> {
        let mut sql = String::new();
        for d in DIMENSIONS {
            sql.push_str(&format!(
                "SELECT metric, '{d}', {d}, CAST(SUM(n) AS BIGINT) FROM stats_counts \
                 GROUP BY metric, {d} UNION ALL "
            ));
        }
        sql.push_str(
            "SELECT metric, 'total', '', CAST(SUM(n) AS BIGINT) FROM stats_counts GROUP BY metric",
        );
        let rows = query(&sql).fetch_all(&self.pool).await?;
        let mut counts: Vec<StatsTally> = rows
            .iter()
            .map(|r| StatsTally {
                metric: r.get(0),
                dimension: r.get(1),
                value: r.get(2),
                n: r.get::<i64, _>(3).max(0) as u64,
            })
            .collect();
        counts.sort();
        let rows = query(
            "SELECT metric, days, CAST(SUM(n) AS BIGINT) FROM stats_durations
             GROUP BY metric, days ORDER BY metric, days",
        )
        .fetch_all(&self.pool)
        .await?;
        let durations = rows
            .iter()
            .map(|r| (r.get(0), r.get(1), r.get::<i64, _>(2).max(0) as u64))
            .collect();
        Ok(StatsTallies { counts, durations })
    }

    /// Recomputes the aggregates from every application's action log, in one transaction that
    /// replaces them (for an upgrade from a version without statistics, after a calendar year
    /// was corrected, and as the ground truth the tests compare with). Commits that would add
    /// to the aggregates meanwhile wait for it (PostgreSQL: the tables are locked; SQLite: one
    /// writer at a time), so none is lost or counted twice.
    pub async fn rebuild_stats(&self, calendar: &WorkingCalendar) -> Result<RebuildReport> {
        const PAGE: i64 = 500;
        let mut tx = self.pool.begin().await?;
        lock(&mut tx, self.pool.is_postgres()).await?;
        let mut report = RebuildReport::default();
        let mut cells = StatsCells::default();
        let mut after = 0i64;
        loop {
            let apps = query(
                "SELECT id, kind, reason, hukou_district, created_at FROM applications
                 WHERE id > $1 ORDER BY id LIMIT $2",
            )
            .bind(after)
            .bind(PAGE)
            .fetch_all(&mut tx)
            .await?;
            let Some(last) = apps.last() else { break };
            let last: i64 = last.get(0);
            let actions = query(
                "SELECT application_id, seq, action FROM application_actions
                 WHERE application_id > $1 AND application_id <= $2
                 ORDER BY application_id, seq",
            )
            .bind(after)
            .bind(last)
            .fetch_all(&mut tx)
            .await?;
            let mut logs: BTreeMap<i64, Vec<Action>> = BTreeMap::new();
            for r in &actions {
                let id: i64 = r.get(0);
                let seq: i64 = r.get(1);
                let clear = self.unseal(
                    sealed::col::ACTION,
                    &[&id.to_string(), &seq.to_string()],
                    &r.get::<String, _>(2),
                )?;
                let action: Action = serde_json::from_str(&clear)
                    .map_err(|e| StoreError::Corrupt(format!("action {id}/{seq}: {e}")))?;
                logs.entry(id).or_default().push(action);
            }
            for a in &apps {
                let id: i64 = a.get(0);
                let facets = Facets {
                    kind: a.get(1),
                    reason: a.get(2),
                    district: a.get(3),
                };
                let log = logs.remove(&id).unwrap_or_default();
                let (d, unmeasured) = replay(&facets, a.get(4), &log, calendar).map_err(|e| {
                    StoreError::Corrupt(format!(
                        "application {id} does not replay: action {}: {}",
                        e.index, e.error
                    ))
                })?;
                report.unmeasured += unmeasured.len() as u64;
                cells.add(d);
                report.applications += 1;
                report.actions += log.len() as u64;
            }
            after = last;
        }
        replace(&mut tx, &cells).await?;
        tx.commit().await?;
        report.count_cells = cells.counts.len() as u64;
        report.duration_cells = cells.durations.len() as u64;
        Ok(report)
    }

    /// Replaces the aggregates with `cells`, in one transaction (the rebuild's own writing
    /// code). For `wangban stats generate`: the cells must be what the live path would have
    /// added, i.e. folded from [`wangban_core::stats::replay`].
    pub async fn replace_stats(&self, cells: &StatsCells) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        lock(&mut tx, self.pool.is_postgres()).await?;
        replace(&mut tx, cells).await?;
        tx.commit().await?;
        Ok(())
    }

    /// How many applications the database holds (drafts included).
    pub async fn application_count(&self) -> Result<u64> {
        let n: i64 = query("SELECT COUNT(*) FROM applications")
            .fetch_one(&self.pool)
            .await?
            .get(0);
        Ok(n.max(0) as u64)
    }
}

#[cfg(test)]
mod tests;
