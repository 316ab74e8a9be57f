//! The wangban domain, pure and synchronous: everything the service decides.
//!
//! - values that exist only when valid: [`id_number::IdNumber`], [`phone::MobileNumber`],
//!   [`name::PersonName`], [`document::DocumentNumber`], [`money::Fen`],
//!   [`application_number::ApplicationNumber`], [`postal::S10Number`];
//! - the [`eligibility`] engine: every rule of the service with its explained verdict;
//! - the application [`state`] machine, as data, with its actors;
//! - the statutory working-day [`calendar`] and the deadline [`clock`]s;
//! - [`fees`] and the validity of a new document;
//! - the [`i18n`] message catalogue through which every user-facing text goes.
//!
//! No I/O, no async, no SQL: storage, HTTP and external systems live in the outer crates and call
//! in here. Data files (the calendar years, the message catalogue) are compiled in; outer crates
//! may add calendar years read from disk through [`calendar::WorkingCalendar`]'s parser.

pub mod application_number;
pub mod area;
pub mod calendar;
pub mod clock;
pub mod document;
pub mod eligibility;
pub mod fees;
pub mod halls;
pub mod i18n;
pub mod id_number;
pub mod money;
pub mod name;
pub mod phone;
pub mod postal;
pub mod registry;
pub mod state;
pub mod stats;
pub mod text;
pub mod time;
