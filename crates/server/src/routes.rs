//! The route table with who may use each route.
//!
//! Every route of the service is added through [`Routes`], whose methods take the route's
//! [`Access`] beside its handler: the declaration is written once, next to the route, and the
//! same call both registers the handler with axum and records the declaration. There is no
//! other way in: `tests/it/authz.rs` fails if a source file of this crate calls axum's own
//! `.route(`, and it checks every path of the OpenAPI document against the table.
//!
//! The table ([`table`]) drives the authorisation matrix in `tests/it/authz.rs`: every route
//! × {anonymous, applicant A, applicant B, every officer role} × {A's application, B's, one
//! that does not exist}, each answer checked against what its `Access` promises, and every
//! refusal of another's record checked to be byte-for-byte the answer for a number that does
//! not exist. Handlers enforce access themselves (the extractors of `crate::auth`, `own`,
//! `OfficerAuth::require`, the state machine's table); the declaration is the promise the
//! matrix holds them to.

use axum::Router;
use axum::handler::Handler;
use axum::routing::{MethodFilter, on};
use wangban_core::state::Actor;

use crate::app::AppState;

/// Who may use a route.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Access {
    /// Anyone, logged in or not.
    Public,
    /// The simulators' own pages and outbox (stand-ins for external systems, on while the
    /// gateways are the simulators): anyone, like the real systems' public pages.
    Sim,
    /// `/metrics`: from loopback (when `[metrics] allow_loopback`) or with the metrics token;
    /// anyone else gets 404.
    Operator,
    /// The payment provider: anyone may send, the signature decides (401 without it); no
    /// session of any kind is enough.
    Signed,
    /// A logout: anyone may post it (with the form's CSRF token); it ends the session presented,
    /// if any, and answers the same way whoever asks.
    Logout,
    /// A logged-in applicant, acting on their own account only (no record in the path).
    Applicant,
    /// The applicant who owns the application `{number}`. Anyone else logged in as an
    /// applicant gets exactly the answer for a number that does not exist.
    Owner,
    /// An officer who has passed the password but not yet the TOTP step.
    PendingOfficer,
    /// A fully logged-in officer whose role is one of these (others: 403).
    Officer(&'static [Actor]),
    /// A fully logged-in officer whose role the state machine (`state::TRANSITIONS`) lets take
    /// the step named by `{action}` somewhere (others: 403, before the application is looked
    /// up).
    OfficerStep,
}

/// One route: method, path (axum's syntax, `{param}`), who may use it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RouteDecl {
    pub method: &'static str,
    pub path: String,
    pub access: Access,
}

/// A router that records, for each route it registers, its [`RouteDecl`].
#[derive(Default)]
pub struct Routes {
    router: Router<AppState>,
    table: Vec<RouteDecl>,
}

macro_rules! method {
    ($name:ident, $filter:ident, $text:literal) => {
        #[doc = concat!("Adds `", $text, " path` for `access`.")]
        pub fn $name<H, T>(self, path: &'static str, access: Access, handler: H) -> Self
        where
            H: Handler<T, AppState>,
            T: 'static,
        {
            self.add($text, MethodFilter::$filter, path, access, handler)
        }
    };
}

impl Routes {
    pub fn new() -> Routes {
        Routes::default()
    }

    method!(get, GET, "GET");
    method!(post, POST, "POST");
    method!(put, PUT, "PUT");
    method!(patch, PATCH, "PATCH");

    /// Adds `POST path` for `access`, with its own request-body limit (a file upload).
    pub fn post_limited<H, T>(
        self,
        path: &'static str,
        access: Access,
        handler: H,
        limit: usize,
    ) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add_limited(
            "POST",
            MethodFilter::POST,
            path,
            access,
            handler,
            Some(limit),
        )
    }

    /// Adds `PUT path` for `access`, with its own request-body limit (a file upload).
    pub fn put_limited<H, T>(
        self,
        path: &'static str,
        access: Access,
        handler: H,
        limit: usize,
    ) -> Self
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add_limited("PUT", MethodFilter::PUT, path, access, handler, Some(limit))
    }

    fn add<H, T>(
        self,
        method: &'static str,
        filter: MethodFilter,
        path: &'static str,
        access: Access,
        handler: H,
    ) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        self.add_limited(method, filter, path, access, handler, None)
    }

    fn add_limited<H, T>(
        mut self,
        method: &'static str,
        filter: MethodFilter,
        path: &'static str,
        access: Access,
        handler: H,
        limit: Option<usize>,
    ) -> Routes
    where
        H: Handler<T, AppState>,
        T: 'static,
    {
        let route = on(filter, handler);
        // A route's own limit sits inside the router-wide one and so replaces it.
        let route = match limit {
            Some(bytes) => route.layer(axum::extract::DefaultBodyLimit::max(bytes)),
            None => route,
        };
        self.router = self.router.route(path, route);
        self.table.push(RouteDecl {
            method,
            path: path.to_owned(),
            access,
        });
        self
    }

    /// Adds `other`'s routes (and their declarations).
    pub fn merge(mut self, other: Routes) -> Routes {
        self.router = self.router.merge(other.router);
        self.table.extend(other.table);
        self
    }

    /// Adds `other`'s routes under `prefix` (e.g. `/api/v1`).
    pub fn nest(mut self, prefix: &'static str, other: Routes) -> Routes {
        self.router = self.router.nest(prefix, other.router);
        self.table
            .extend(other.table.into_iter().map(|d| RouteDecl {
                path: format!("{prefix}{}", d.path),
                ..d
            }));
        self
    }

    /// Applies `f` to the router (layers), keeping the declarations.
    pub fn map_router(mut self, f: impl FnOnce(Router<AppState>) -> Router<AppState>) -> Routes {
        self.router = f(self.router);
        self
    }

    pub fn into_parts(self) -> (Router<AppState>, Vec<RouteDecl>) {
        (self.router, self.table)
    }
}

/// Every route of the service with its declared access (the same list `app::router` serves).
pub fn table() -> Vec<RouteDecl> {
    crate::app::routes(crate::app::BodyLimits::default())
        .into_parts()
        .1
}
