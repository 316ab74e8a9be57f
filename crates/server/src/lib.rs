//! The wangban HTTP service (axum): the JSON API under `/api/v1` with its OpenAPI document, the
//! server-rendered pages for applicants and officers, and the background workers.
//!
//! Owned here: routes, request parsing, the one mapping from domain errors to HTTP responses,
//! sessions, and the scheduling of jobs. Decisions stay in `wangban-core`; storage in
//! `wangban-store`; external systems in `wangban-gateways`.
