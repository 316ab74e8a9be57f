//! One SQL layer over two databases: the embedded SQLite file (a pilot on one machine) and
//! PostgreSQL (a province or the nation, many nodes). Every statement in the store is written
//! once, in SQL both understand (`$1` parameters in order, `ON CONFLICT`, `RETURNING`), and
//! runs on whichever pool the store opened; the few that must differ (job leases take
//! `FOR UPDATE SKIP LOCKED` on PostgreSQL) ask [`Db::is_postgres`].
//!
//! A [`Query`] carries the statement prepared for both backends and binds each value to both;
//! the executor it runs on ([`Db`] or [`Tx`]) picks one. A value binds when both drivers can
//! encode it, and a column reads into a type when both can decode it ([`Col`]), so the schema
//! types must agree: BIGINT for integers, TEXT for text and JSON, TIMESTAMPTZ for times on
//! PostgreSQL (RFC 3339 text on SQLite), BYTEA for bytes.

use sqlx::postgres::{PgArguments, PgRow};
use sqlx::sqlite::{SqliteArguments, SqliteRow};
use sqlx::{Decode, Encode, Postgres, Row, Sqlite, Type};

/// A pool of connections to one of the two databases.
#[derive(Clone, Debug)]
pub(crate) enum Db {
    Sqlite(sqlx::SqlitePool),
    Postgres(sqlx::PgPool),
}

impl Db {
    pub(crate) fn is_postgres(&self) -> bool {
        matches!(self, Db::Postgres(_))
    }

    /// The SQLite pool, for tests that read SQLite's own catalogue.
    #[cfg(test)]
    pub(crate) fn sqlite(&self) -> &sqlx::SqlitePool {
        match self {
            Db::Sqlite(p) => p,
            Db::Postgres(_) => panic!("a SQLite-only test ran on PostgreSQL"),
        }
    }

    pub(crate) async fn begin(&self) -> Result<Tx, sqlx::Error> {
        Ok(match self {
            Db::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            Db::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    pub(crate) async fn close(&self) {
        match self {
            Db::Sqlite(p) => p.close().await,
            Db::Postgres(p) => p.close().await,
        }
    }
}

/// An open transaction; dropped without [`Tx::commit`] it rolls back (but call
/// [`Tx::rollback`] on SQLite when the connection goes back to the pool with a write lock).
pub(crate) enum Tx {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

impl Tx {
    pub(crate) async fn commit(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(t) => t.commit().await,
            Tx::Postgres(t) => t.commit().await,
        }
    }

    pub(crate) async fn rollback(self) -> Result<(), sqlx::Error> {
        match self {
            Tx::Sqlite(t) => t.rollback().await,
            Tx::Postgres(t) => t.rollback().await,
        }
    }
}

/// Where a query runs: on a pooled connection or inside a transaction.
pub(crate) enum Exec<'a> {
    Pool(&'a Db),
    Tx(&'a mut Tx),
}

impl<'a> From<&'a Db> for Exec<'a> {
    fn from(db: &'a Db) -> Exec<'a> {
        Exec::Pool(db)
    }
}

impl<'a> From<&'a mut Tx> for Exec<'a> {
    fn from(tx: &'a mut Tx) -> Exec<'a> {
        Exec::Tx(tx)
    }
}

/// A value both drivers can bind.
pub(crate) trait Arg<'q>:
    'q + Send + Clone + Encode<'q, Sqlite> + Type<Sqlite> + Encode<'q, Postgres> + Type<Postgres>
{
}

impl<'q, T> Arg<'q> for T where
    T: 'q
        + Send
        + Clone
        + Encode<'q, Sqlite>
        + Type<Sqlite>
        + Encode<'q, Postgres>
        + Type<Postgres>
{
}

/// A column type both drivers can read.
pub(crate) trait Col<'r>:
    Decode<'r, Sqlite> + Type<Sqlite> + Decode<'r, Postgres> + Type<Postgres>
{
}

impl<'r, T> Col<'r> for T where
    T: Decode<'r, Sqlite> + Type<Sqlite> + Decode<'r, Postgres> + Type<Postgres>
{
}

/// A statement with its bound values, ready for either database.
pub(crate) struct Query<'q> {
    lite: sqlx::query::Query<'q, Sqlite, SqliteArguments<'q>>,
    pg: sqlx::query::Query<'q, Postgres, PgArguments>,
}

/// Starts a statement (see the module doc for the dialect).
pub(crate) fn query(sql: &str) -> Query<'_> {
    Query {
        lite: sqlx::query(sql),
        pg: sqlx::query(sql),
    }
}

/// What a statement that returns no rows did.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Done(u64);

impl Done {
    pub(crate) fn rows_affected(&self) -> u64 {
        self.0
    }
}

impl<'q> Query<'q> {
    pub(crate) fn bind<T: Arg<'q>>(self, value: T) -> Query<'q> {
        Query {
            lite: self.lite.bind(value.clone()),
            pg: self.pg.bind(value),
        }
    }

    pub(crate) async fn execute<'e>(self, on: impl Into<Exec<'e>>) -> Result<Done, sqlx::Error> {
        Ok(Done(match on.into() {
            Exec::Pool(Db::Sqlite(p)) => self.lite.execute(p).await?.rows_affected(),
            Exec::Pool(Db::Postgres(p)) => self.pg.execute(p).await?.rows_affected(),
            Exec::Tx(Tx::Sqlite(t)) => self.lite.execute(&mut **t).await?.rows_affected(),
            Exec::Tx(Tx::Postgres(t)) => self.pg.execute(&mut **t).await?.rows_affected(),
        }))
    }

    pub(crate) async fn fetch_all<'e>(
        self,
        on: impl Into<Exec<'e>>,
    ) -> Result<Vec<DbRow>, sqlx::Error> {
        Ok(match on.into() {
            Exec::Pool(Db::Sqlite(p)) => wrap(self.lite.fetch_all(p).await?, DbRow::Sqlite),
            Exec::Pool(Db::Postgres(p)) => wrap(self.pg.fetch_all(p).await?, DbRow::Postgres),
            Exec::Tx(Tx::Sqlite(t)) => wrap(self.lite.fetch_all(&mut **t).await?, DbRow::Sqlite),
            Exec::Tx(Tx::Postgres(t)) => wrap(self.pg.fetch_all(&mut **t).await?, DbRow::Postgres),
        })
    }

    pub(crate) async fn fetch_optional<'e>(
        self,
        on: impl Into<Exec<'e>>,
    ) -> Result<Option<DbRow>, sqlx::Error> {
        Ok(match on.into() {
            Exec::Pool(Db::Sqlite(p)) => self.lite.fetch_optional(p).await?.map(DbRow::Sqlite),
            Exec::Pool(Db::Postgres(p)) => self.pg.fetch_optional(p).await?.map(DbRow::Postgres),
            Exec::Tx(Tx::Sqlite(t)) => self.lite.fetch_optional(&mut **t).await?.map(DbRow::Sqlite),
            Exec::Tx(Tx::Postgres(t)) => {
                self.pg.fetch_optional(&mut **t).await?.map(DbRow::Postgres)
            }
        })
    }

    pub(crate) async fn fetch_one<'e>(self, on: impl Into<Exec<'e>>) -> Result<DbRow, sqlx::Error> {
        self.fetch_optional(on)
            .await?
            .ok_or(sqlx::Error::RowNotFound)
    }
}

fn wrap<R>(rows: Vec<R>, f: fn(R) -> DbRow) -> Vec<DbRow> {
    rows.into_iter().map(f).collect()
}

/// A row from either database.
pub(crate) enum DbRow {
    Sqlite(SqliteRow),
    Postgres(PgRow),
}

impl DbRow {
    /// The column at `index`, decoded; a mismatch between schema and code is a bug, so it
    /// panics like sqlx's own `Row::get` (use [`DbRow::try_get`] for data that may be bad).
    #[track_caller]
    pub(crate) fn get<'r, T: Col<'r>, I: ColIndex>(&'r self, index: I) -> T {
        match self.try_get(index) {
            Ok(v) => v,
            Err(e) => panic!("column {}: {e}", index.position()),
        }
    }

    pub(crate) fn try_get<'r, T: Col<'r>, I: ColIndex>(
        &'r self,
        index: I,
    ) -> Result<T, sqlx::Error> {
        match self {
            DbRow::Sqlite(r) => r.try_get(index.position()),
            DbRow::Postgres(r) => r.try_get(index.position()),
        }
    }
}

/// A column position (only numbers: the store selects columns in a known order).
pub(crate) trait ColIndex: Copy {
    fn position(self) -> usize;
}

impl ColIndex for usize {
    fn position(self) -> usize {
        self
    }
}
