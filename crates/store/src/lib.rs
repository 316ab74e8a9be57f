//! Persistence for wangban: SQLite (embedded default) and PostgreSQL behind one interface, their
//! migrations, blob storage for uploaded files, and the encryption of personal data at rest.
//!
//! Owned here: every SQL statement, every transaction boundary, key handling.
//! Not here: deciding anything (`wangban-core` decides; the store records).
