//! Ports to the systems wangban does not own, each with a built-in simulator that behaves like the
//! real thing (signed callbacks, delays, failures, retries): the citizen registry, identity
//! proofing, payment, SMS, the postal service and the production centre.
//!
//! Owned here: the port traits, their wire formats and the simulators.
//! Not here: what the service does with the answers (`wangban-server`, `wangban-core`).
