-- Public statistics, maintained incrementally: every committed action adds its counts here in
-- the same transaction as the state change (see crates/core/src/stats.rs for what is counted),
-- so the statistics page reads a table whose size depends on months × facets, not on the number
-- of applications. Empty strings stand for "not applicable" (no NULLs in a primary key).
CREATE TABLE stats_counts (
    month    TEXT NOT NULL,
    metric   TEXT NOT NULL,
    kind     TEXT NOT NULL,
    reason   TEXT NOT NULL,
    delivery TEXT NOT NULL,
    district TEXT NOT NULL,
    detail   TEXT NOT NULL,
    n        BIGINT NOT NULL,
    PRIMARY KEY (month, metric, kind, reason, delivery, district, detail)
);

-- Working-day durations as a histogram: the median is exact for whole working days.
CREATE TABLE stats_durations (
    metric TEXT NOT NULL,
    month  TEXT NOT NULL,
    days   BIGINT NOT NULL,
    n      BIGINT NOT NULL,
    PRIMARY KEY (metric, month, days)
);
