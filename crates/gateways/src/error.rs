//! What can go wrong when talking to an external system.

use std::fmt;

use serde::Serialize;

/// The external systems behind the ports (for errors, logs and the simulator pages).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum System {
    Registry,
    Proofing,
    Payment,
    Sms,
    Post,
    Production,
}

impl System {
    pub fn code(self) -> &'static str {
        match self {
            System::Registry => "registry",
            System::Proofing => "proofing",
            System::Payment => "payment",
            System::Sms => "sms",
            System::Post => "post",
            System::Production => "production",
        }
    }
}

impl fmt::Display for System {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A call to an external system that did not give an answer the caller can use.
///
/// These are not texts for people: the server maps them to its own catalogue messages (a
/// retryable error is "the service is busy, try again"; a rejection is a bug or a conflict to
/// log). `reason` codes are stable `snake_case` strings, listed on each port.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum GatewayError {
    /// The system did not answer or answered with a transient failure (busy, 5xx, connection
    /// refused). Trying again later may work.
    #[error("{system} is unavailable: {detail}")]
    Unavailable { system: System, detail: String },
    /// No answer within the time allowed. The call may or may not have taken effect: the ports
    /// are idempotent so that it can be repeated.
    #[error("{system} did not answer in time")]
    Timeout { system: System },
    /// The system understood the request and refused it; repeating it will not help.
    #[error("{system} rejected the request: {reason}")]
    Rejected { system: System, reason: String },
    /// The system does not know the thing asked about (an order, a waybill, a document).
    #[error("{system} does not know {what}")]
    NotFound { system: System, what: String },
}

impl GatewayError {
    /// Whether the same call may succeed if repeated later (with backoff).
    pub fn is_retryable(&self) -> bool {
        matches!(
            self,
            GatewayError::Unavailable { .. } | GatewayError::Timeout { .. }
        )
    }

    /// The system that failed.
    pub fn system(&self) -> System {
        match self {
            GatewayError::Unavailable { system, .. }
            | GatewayError::Timeout { system }
            | GatewayError::Rejected { system, .. }
            | GatewayError::NotFound { system, .. } => *system,
        }
    }

    /// A stable code for logs and metrics: `unavailable`, `timeout`, `rejected:<reason>`,
    /// `not_found`.
    pub fn code(&self) -> String {
        match self {
            GatewayError::Unavailable { .. } => "unavailable".into(),
            GatewayError::Timeout { .. } => "timeout".into(),
            GatewayError::Rejected { reason, .. } => format!("rejected:{reason}"),
            GatewayError::NotFound { .. } => "not_found".into(),
        }
    }

    pub(crate) fn rejected(system: System, reason: &str) -> GatewayError {
        GatewayError::Rejected {
            system,
            reason: reason.to_owned(),
        }
    }

    pub(crate) fn not_found(system: System, what: impl Into<String>) -> GatewayError {
        GatewayError::NotFound {
            system,
            what: what.into(),
        }
    }
}

/// The result of a port call.
pub type GatewayResult<T> = Result<T, GatewayError>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_transient_failures_are_retryable() {
        let unavailable = GatewayError::Unavailable {
            system: System::Sms,
            detail: "busy".into(),
        };
        assert!(unavailable.is_retryable());
        assert!(
            GatewayError::Timeout {
                system: System::Payment
            }
            .is_retryable()
        );
        let rejected = GatewayError::rejected(System::Registry, "document_unknown");
        assert!(!rejected.is_retryable());
        assert_eq!(rejected.code(), "rejected:document_unknown");
        assert_eq!(rejected.system(), System::Registry);
        assert!(!GatewayError::not_found(System::Post, "EA000000005CN").is_retryable());
    }
}
