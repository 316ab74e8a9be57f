//! The core's integration tests (one binary; modules per area).

mod fuzz;
