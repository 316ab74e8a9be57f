//! Payment of the fee: an order at a payment provider, a hosted page where the applicant pays,
//! and a signed asynchronous notification back to wangban.
//!
//! The flow, as with real providers:
//! 1. the server calls [`PaymentProvider::create_order`] with its own order number, the amount,
//!    a notification URL and a return URL, and sends the applicant to the order's `pay_url`;
//! 2. the applicant pays on the provider's page (the simulator's page is `/sim/pay/{id}`,
//!    served by the server, which calls [`PaymentSimulator::pay`] or
//!    [`PaymentSimulator::cancel`]) and comes back to the return URL;
//! 3. the provider POSTs a [`PaymentNotification`] (JSON) to the notification URL, signed in
//!    the header [`SIGNATURE_HEADER`]: `t=<unix seconds>,v1=<hex HMAC-SHA256 over
//!    "<t>." followed by the body, keyed with the shared secret>`. It may arrive twice, late,
//!    or after an older notification; it is retried with exponential backoff until the server
//!    answers 2xx, and given up after a number of attempts. The server checks it with
//!    [`PaymentProvider::verify_notification`] (constant-time comparison; a timestamp further
//!    than the tolerance from now is refused as a replay), checks the amount against the fee,
//!    and handles it idempotently (same `notification_id`, or an order already paid);
//! 4. whenever in doubt (no notification yet, a notification that was given up), the server
//!    asks [`PaymentProvider::query`].
//!
//! `create_order` is idempotent for the same merchant order number while the order is open
//! (the same order comes back; a different amount is `rejected:amount_differs`, an order
//! already paid `rejected:already_paid`); once it is closed (closed by the server or expired
//! after `order_ttl_secs`), the same merchant number opens a new provider order. Call it every
//! time the applicant goes to pay. [`PaymentProvider::close`] closes an open order (at the
//! payment deadline) and returns the final status: `Paid` if the payment won the race.
//!
//! Simulator knobs ([`PaymentSettings`]): the shared secret and the signature tolerance, the
//! order lifetime, the notification delay, duplicate deliveries, out-of-order delivery (a stale
//! "pending" notification after the "paid" one), the number of attempts and the backoff.
//! Orders and undelivered notifications are kept in the snapshot, so deliveries resume after a
//! restart, as a real provider's would.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use async_trait::async_trait;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};
use sha2::Sha256;
use wangban_core::money::Fen;
use wangban_core::time::Timestamp;

use crate::clock::Clock;
use crate::error::{GatewayError, GatewayResult, System};
use crate::snapshot::{self, Persister, SnapshotError};

/// The HTTP header carrying a notification's signature.
pub const SIGNATURE_HEADER: &str = "Wangban-Signature";

/// What the server asks the provider to collect.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreateOrder {
    /// The server's own reference (unique per application and payment).
    pub merchant_order_no: String,
    pub amount: Fen,
    /// Shown on the payment page.
    pub description: String,
    /// Where the provider POSTs notifications.
    pub notify_url: String,
    /// Where the payment page sends the applicant afterwards.
    pub return_url: String,
}

/// An order opened at the provider.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Order {
    pub provider_order_id: String,
    /// The provider's payment page for this order.
    pub pay_url: String,
}

/// Where an order stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "status", rename_all = "snake_case")]
pub enum OrderStatus {
    /// Open, not paid.
    Pending,
    Paid {
        /// What was actually paid (the server compares it with the fee).
        amount: Fen,
        paid_at: Timestamp,
        transaction_id: String,
    },
    /// Closed without payment (by the merchant, or expired).
    Closed,
}

/// The status a notification reports.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationStatus {
    Pending,
    Paid,
    Closed,
}

/// The body of a notification (JSON).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PaymentNotification {
    /// The same for every delivery of one notification: the key for idempotent handling.
    pub notification_id: String,
    pub provider_order_id: String,
    pub merchant_order_no: String,
    pub status: NotificationStatus,
    /// The amount paid for `paid`; the order's amount otherwise.
    pub amount: Fen,
    #[serde(default)]
    pub paid_at: Option<Timestamp>,
    #[serde(default)]
    pub transaction_id: Option<String>,
    /// When what is reported happened at the provider (older than the order's last change
    /// for a stale notification).
    pub event_at: Timestamp,
}

impl PaymentNotification {
    /// The order status the notification reports.
    pub fn order_status(&self) -> OrderStatus {
        match (self.status, self.paid_at, &self.transaction_id) {
            (NotificationStatus::Paid, Some(paid_at), Some(tx)) => OrderStatus::Paid {
                amount: self.amount,
                paid_at,
                transaction_id: tx.clone(),
            },
            (NotificationStatus::Closed, ..) => OrderStatus::Closed,
            _ => OrderStatus::Pending,
        }
    }
}

/// Why a notification was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SignatureError {
    #[error("no {SIGNATURE_HEADER} header")]
    Missing,
    #[error("the {SIGNATURE_HEADER} header is not t=<seconds>,v1=<hex>")]
    Malformed,
    #[error("the signature does not match")]
    Mismatch,
    #[error("the signature is {age_secs} s from now, beyond the tolerance")]
    Stale { age_secs: i64 },
    #[error("the body is not a notification: {0}")]
    Body(String),
}

type HmacSha256 = Hmac<Sha256>;

fn mac(secret: &[u8], t: i64, body: &[u8]) -> HmacSha256 {
    let mut mac = HmacSha256::new_from_slice(secret).expect("HMAC takes a key of any length");
    mac.update(t.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    mac
}

/// The signature header value for `body` sent at `at`.
pub fn sign(secret: &[u8], at: Timestamp, body: &[u8]) -> String {
    let t = at.timestamp();
    let tag = mac(secret, t, body).finalize().into_bytes();
    format!("t={t},v1={}", hex::encode(tag))
}

/// Checks a signature header: well formed, within `tolerance` of `now` (either way), and one of
/// its `v1` values the HMAC of the body (compared in constant time).
pub fn verify_signature(
    secret: &[u8],
    tolerance: Duration,
    now: Timestamp,
    header: Option<&str>,
    body: &[u8],
) -> Result<(), SignatureError> {
    let header = header.ok_or(SignatureError::Missing)?;
    let mut t = None;
    let mut tags = Vec::new();
    for part in header.split(',') {
        let (k, v) = part
            .trim()
            .split_once('=')
            .ok_or(SignatureError::Malformed)?;
        match k {
            "t" => t = Some(v.parse::<i64>().map_err(|_| SignatureError::Malformed)?),
            "v1" => tags.push(hex::decode(v).map_err(|_| SignatureError::Malformed)?),
            // Other schemes (a future v2) are ignored, as they would be by a real client.
            _ => {}
        }
    }
    let t = t.ok_or(SignatureError::Malformed)?;
    if tags.is_empty() {
        return Err(SignatureError::Malformed);
    }
    // The timestamp is the sender's: any i64. The difference is taken in i128, where it cannot
    // overflow (`now - i64::MIN` does in i64), and reported saturated.
    let age = i128::from(now.timestamp()) - i128::from(t);
    if age.unsigned_abs() > u128::from(tolerance.as_secs()) {
        return Err(SignatureError::Stale {
            age_secs: i64::try_from(age).unwrap_or(if age < 0 { i64::MIN } else { i64::MAX }),
        });
    }
    let expected = mac(secret, t, body);
    if tags
        .iter()
        .any(|tag| expected.clone().verify_slice(tag).is_ok())
    {
        Ok(())
    } else {
        Err(SignatureError::Mismatch)
    }
}

/// The payment provider port.
#[async_trait]
pub trait PaymentProvider: Send + Sync {
    /// Opens an order (idempotent for the same merchant order number while it is open).
    async fn create_order(&self, order: CreateOrder) -> GatewayResult<Order>;

    /// The order's status now.
    async fn query(&self, provider_order_id: &str) -> GatewayResult<OrderStatus>;

    /// Closes an open order; returns the final status (`Paid` if it was paid meanwhile).
    async fn close(&self, provider_order_id: &str) -> GatewayResult<OrderStatus>;

    /// Checks a notification's signature (`signature` is the [`SIGNATURE_HEADER`] value) and
    /// reads it.
    fn verify_notification(
        &self,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<PaymentNotification, SignatureError>;
}

/// Knobs of the payment simulator.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PaymentSettings {
    /// The secret shared with the merchant (configure your own outside a demo).
    pub secret: String,
    /// A notification signed further than this from now is refused.
    pub signature_tolerance_secs: u64,
    /// The payment page is `pay_url_base` + the provider order id.
    pub pay_url_base: String,
    /// An unpaid order closes this long after it was opened (0: never).
    pub order_ttl_secs: u64,
    /// Wait before the first delivery of a notification.
    pub notify_delay_ms: u64,
    /// Deliver each "paid" notification this many extra times after it was accepted.
    pub duplicate_deliveries: u32,
    /// After the "paid" notification, also deliver a stale "pending" one.
    pub out_of_order: bool,
    /// Attempts per notification before giving up.
    pub max_attempts: u32,
    /// Wait after the first failed attempt; doubled after each further one.
    pub initial_backoff_ms: u64,
    pub max_backoff_ms: u64,
    /// Time allowed for the merchant to answer one delivery.
    pub request_timeout_ms: u64,
}

impl Default for PaymentSettings {
    fn default() -> Self {
        PaymentSettings {
            secret: "wangban-simulated-payment-secret".into(),
            signature_tolerance_secs: 300,
            pay_url_base: "/sim/pay/".into(),
            order_ttl_secs: 2 * 3600,
            notify_delay_ms: 0,
            duplicate_deliveries: 0,
            out_of_order: false,
            max_attempts: 8,
            initial_backoff_ms: 1000,
            max_backoff_ms: 60_000,
            request_timeout_ms: 5000,
        }
    }
}

/// An order as the simulator keeps it (for its payment page).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SimOrder {
    pub provider_order_id: String,
    pub merchant_order_no: String,
    pub amount: Fen,
    pub description: String,
    pub notify_url: String,
    pub return_url: String,
    pub pay_url: String,
    pub created_at: Timestamp,
    /// When an unpaid order closes by itself.
    pub expires_at: Option<Timestamp>,
    pub status: OrderStatus,
    /// The payer left the payment page without paying (the order stays open).
    pub cancelled_by_payer: bool,
    /// Notifications still to be delivered, in order.
    pub undelivered: Vec<PaymentNotification>,
}

/// How one delivery attempt went.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "outcome", rename_all = "snake_case")]
pub enum DeliveryOutcome {
    /// The merchant answered 2xx.
    Accepted { http_status: u16 },
    /// The merchant answered something else.
    Refused { http_status: u16 },
    /// No answer (connection refused, timeout).
    Failed { detail: String },
    /// The last attempt failed: the provider stops trying.
    GaveUp,
}

/// One delivery attempt (the simulator's log).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeliveryAttempt {
    pub at: Timestamp,
    pub notification_id: String,
    pub provider_order_id: String,
    pub status: NotificationStatus,
    /// 1 for the first attempt of a delivery.
    pub attempt: u32,
    /// A deliberate extra delivery of a notification already accepted.
    pub duplicate: bool,
    #[serde(flatten)]
    pub outcome: DeliveryOutcome,
}

const LOG_CAPACITY: usize = 10_000;

#[derive(Default, Serialize, Deserialize)]
struct PaymentState {
    next: u64,
    orders: BTreeMap<String, SimOrder>,
    #[serde(skip)]
    by_merchant: HashMap<String, String>,
    /// Orders whose notifications a task is delivering now.
    #[serde(skip)]
    delivering: HashSet<String>,
    deliveries: VecDeque<DeliveryAttempt>,
}

struct Inner {
    /// Shared with the snapshot writer, which must outlive nothing else.
    state: Arc<RwLock<PaymentState>>,
    settings: PaymentSettings,
    clock: Arc<dyn Clock>,
    client: reqwest::Client,
    persister: OnceLock<Persister>,
}

impl Inner {
    fn read(&self) -> RwLockReadGuard<'_, PaymentState> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, PaymentState> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    fn changed(&self) {
        if let Some(p) = self.persister.get() {
            p.changed();
        }
    }

    /// A change the payer or the merchant is about to be told of (lock released).
    fn kept(&self) {
        if let Some(p) = self.persister.get() {
            p.kept();
        }
    }

    fn log(&self, attempt: DeliveryAttempt) {
        let mut state = self.write();
        if state.deliveries.len() >= LOG_CAPACITY {
            state.deliveries.pop_front();
        }
        state.deliveries.push_back(attempt);
    }
}

/// The simulated payment provider.
pub struct PaymentSimulator {
    inner: Arc<Inner>,
}

fn random_digits(n: usize) -> String {
    (0..n)
        .map(|_| char::from(b'0' + rand::random::<u8>() % 10))
        .collect()
}

/// Closes an open order whose time ran out.
fn expire(order: &mut SimOrder, now: Timestamp) -> bool {
    if order.status == OrderStatus::Pending && order.expires_at.is_some_and(|at| now >= at) {
        order.status = OrderStatus::Closed;
        return true;
    }
    false
}

impl PaymentSimulator {
    pub fn new(settings: PaymentSettings, clock: Arc<dyn Clock>) -> PaymentSimulator {
        let client = reqwest::Client::builder()
            .timeout(Duration::from_millis(settings.request_timeout_ms.max(1)))
            .build()
            .expect("an HTTP client without TLS builds");
        PaymentSimulator {
            inner: Arc::new(Inner {
                state: Arc::new(RwLock::new(PaymentState::default())),
                settings,
                clock,
                client,
                persister: OnceLock::new(),
            }),
        }
    }

    /// Keeps orders and undelivered notifications in `path`, loading what is there; pending
    /// deliveries resume (now if a Tokio runtime is running, else at
    /// [`resume_deliveries`](Self::resume_deliveries)).
    pub fn persisted(
        self,
        path: PathBuf,
        debounce: Duration,
    ) -> Result<PaymentSimulator, SnapshotError> {
        if let Some(mut loaded) = snapshot::load::<PaymentState>(&path)? {
            // The latest order of each merchant number is the one that counts.
            let mut orders: Vec<&SimOrder> = loaded.orders.values().collect();
            orders.sort_by_key(|o| o.created_at);
            loaded.by_merchant = orders
                .into_iter()
                .map(|o| (o.merchant_order_no.clone(), o.provider_order_id.clone()))
                .collect();
            *self.inner.write() = loaded;
        }
        let state = self.inner.state.clone();
        let persister = Persister::spawn(path, debounce, move || {
            let state = state.read().unwrap_or_else(|e| e.into_inner());
            serde_json::to_vec(&*state).expect("orders serialise")
        });
        let _ = self.inner.persister.set(persister);
        if tokio::runtime::Handle::try_current().is_ok() {
            self.resume_deliveries();
        }
        Ok(self)
    }

    /// Starts delivering every notification still undelivered (after a restart).
    pub fn resume_deliveries(&self) {
        let pending: Vec<String> = self
            .inner
            .read()
            .orders
            .values()
            .filter(|o| !o.undelivered.is_empty())
            .map(|o| o.provider_order_id.clone())
            .collect();
        for id in pending {
            spawn_delivery(self.inner.clone(), id);
        }
    }

    /// The order, as the payment page shows it.
    pub fn order(&self, provider_order_id: &str) -> Option<SimOrder> {
        let now = self.inner.clock.now();
        let mut order = self.inner.read().orders.get(provider_order_id).cloned()?;
        expire(&mut order, now);
        Some(order)
    }

    /// Every order, newest last.
    pub fn orders(&self) -> Vec<SimOrder> {
        let now = self.inner.clock.now();
        let mut orders: Vec<SimOrder> = self.inner.read().orders.values().cloned().collect();
        for o in &mut orders {
            expire(o, now);
        }
        orders.sort_by_key(|o| o.created_at);
        orders
    }

    /// Every delivery attempt, oldest first (the last 10 000).
    pub fn deliveries(&self) -> Vec<DeliveryAttempt> {
        self.inner.read().deliveries.iter().cloned().collect()
    }

    /// Notifications not yet delivered or given up.
    pub fn undelivered(&self) -> usize {
        self.inner
            .read()
            .orders
            .values()
            .map(|o| o.undelivered.len())
            .sum()
    }

    /// The payer pays the order in full (the payment page's "Pay" button). Paying an order
    /// already paid changes nothing; a closed order is `rejected:order_closed`.
    pub fn pay(&self, provider_order_id: &str) -> GatewayResult<OrderStatus> {
        self.settle(provider_order_id, None)
    }

    /// Pays a different amount than the order's (a provider fault, for testing the server's
    /// amount check).
    pub fn pay_amount(&self, provider_order_id: &str, amount: Fen) -> GatewayResult<OrderStatus> {
        self.settle(provider_order_id, Some(amount))
    }

    fn settle(&self, provider_order_id: &str, amount: Option<Fen>) -> GatewayResult<OrderStatus> {
        let inner = &self.inner;
        let now = inner.clock.now();
        let mut state = inner.write();
        let order = state
            .orders
            .get_mut(provider_order_id)
            .ok_or_else(|| GatewayError::not_found(System::Payment, provider_order_id))?;
        expire(order, now);
        match &order.status {
            OrderStatus::Paid { .. } => return Ok(order.status.clone()),
            OrderStatus::Closed => {
                return Err(GatewayError::rejected(System::Payment, "order_closed"));
            }
            OrderStatus::Pending => {}
        }
        let transaction_id = format!("{}{}", now.format("%Y%m%d"), random_digits(12));
        let paid = amount.unwrap_or(order.amount);
        order.status = OrderStatus::Paid {
            amount: paid,
            paid_at: now,
            transaction_id: transaction_id.clone(),
        };
        order.undelivered.push(PaymentNotification {
            notification_id: format!("N{}-paid", order.provider_order_id),
            provider_order_id: order.provider_order_id.clone(),
            merchant_order_no: order.merchant_order_no.clone(),
            status: NotificationStatus::Paid,
            amount: paid,
            paid_at: Some(now),
            transaction_id: Some(transaction_id),
            event_at: now,
        });
        if inner.settings.out_of_order {
            order.undelivered.push(PaymentNotification {
                notification_id: format!("N{}-created", order.provider_order_id),
                provider_order_id: order.provider_order_id.clone(),
                merchant_order_no: order.merchant_order_no.clone(),
                status: NotificationStatus::Pending,
                amount: order.amount,
                paid_at: None,
                transaction_id: None,
                event_at: order.created_at,
            });
        }
        let status = order.status.clone();
        let id = order.provider_order_id.clone();
        drop(state);
        inner.kept();
        spawn_delivery(inner.clone(), id);
        Ok(status)
    }

    /// The payer leaves the payment page without paying ("Cancel"): the order stays open, as
    /// with real providers, until it expires or the merchant closes it. Returns the order (its
    /// `return_url` is where the page sends the payer).
    pub fn cancel(&self, provider_order_id: &str) -> GatewayResult<SimOrder> {
        let now = self.inner.clock.now();
        let mut state = self.inner.write();
        let order = state
            .orders
            .get_mut(provider_order_id)
            .ok_or_else(|| GatewayError::not_found(System::Payment, provider_order_id))?;
        expire(order, now);
        if order.status == OrderStatus::Pending {
            order.cancelled_by_payer = true;
        }
        let order = order.clone();
        drop(state);
        self.inner.changed();
        Ok(order)
    }

    /// Writes the snapshot now, if there is one.
    pub fn flush(&self) -> std::io::Result<()> {
        self.inner.persister.get().map_or(Ok(()), Persister::flush)
    }
}

/// Starts a task delivering the order's notifications, unless one is running.
fn spawn_delivery(inner: Arc<Inner>, provider_order_id: String) {
    match tokio::runtime::Handle::try_current() {
        Ok(handle) => {
            if inner.write().delivering.insert(provider_order_id.clone()) {
                handle.spawn(deliver(inner, provider_order_id));
            }
        }
        Err(_) => tracing::warn!(
            order = %provider_order_id,
            "no Tokio runtime: the notification will be delivered at resume_deliveries"
        ),
    }
}

/// Delivers an order's undelivered notifications in order, each with retries, then the
/// configured duplicates.
async fn deliver(inner: Arc<Inner>, provider_order_id: String) {
    let settings = inner.settings.clone();
    if settings.notify_delay_ms > 0 {
        tokio::time::sleep(Duration::from_millis(settings.notify_delay_ms)).await;
    }
    loop {
        let next = {
            let mut state = inner.write();
            let next = state.orders.get(&provider_order_id).and_then(|o| {
                o.undelivered
                    .first()
                    .cloned()
                    .map(|n| (n, o.notify_url.clone()))
            });
            if next.is_none() {
                // Under the same lock as the one that adds notifications: nothing is missed.
                state.delivering.remove(&provider_order_id);
            }
            next
        };
        let Some((notification, url)) = next else {
            return;
        };
        let accepted = send_with_retries(&inner, &notification, &url, false).await;
        if accepted && notification.status == NotificationStatus::Paid {
            for _ in 0..settings.duplicate_deliveries {
                send_with_retries(&inner, &notification, &url, true).await;
            }
        }
        {
            let mut state = inner.write();
            if let Some(order) = state.orders.get_mut(&provider_order_id) {
                order
                    .undelivered
                    .retain(|n| n.notification_id != notification.notification_id);
            }
        }
        inner.changed();
    }
}

async fn send_with_retries(
    inner: &Inner,
    notification: &PaymentNotification,
    url: &str,
    duplicate: bool,
) -> bool {
    let s = &inner.settings;
    let body = serde_json::to_vec(notification).expect("a notification serialises");
    let mut backoff = Duration::from_millis(s.initial_backoff_ms);
    let attempts = s.max_attempts.max(1);
    for attempt in 1..=attempts {
        let now = inner.clock.now();
        let result = inner
            .client
            .post(url)
            .header(SIGNATURE_HEADER, sign(s.secret.as_bytes(), now, &body))
            .header("content-type", "application/json")
            .body(body.clone())
            .send()
            .await;
        let outcome = match result {
            Ok(response) if response.status().is_success() => DeliveryOutcome::Accepted {
                http_status: response.status().as_u16(),
            },
            Ok(response) => DeliveryOutcome::Refused {
                http_status: response.status().as_u16(),
            },
            Err(e) => DeliveryOutcome::Failed {
                detail: if e.is_timeout() {
                    "timeout".into()
                } else if e.is_connect() {
                    "connection refused".into()
                } else {
                    "request failed".into()
                },
            },
        };
        let accepted = matches!(outcome, DeliveryOutcome::Accepted { .. });
        tracing::debug!(
            notification = %notification.notification_id,
            attempt,
            ?outcome,
            "payment notification delivery"
        );
        inner.log(DeliveryAttempt {
            at: now,
            notification_id: notification.notification_id.clone(),
            provider_order_id: notification.provider_order_id.clone(),
            status: notification.status,
            attempt,
            duplicate,
            outcome,
        });
        if accepted {
            return true;
        }
        if attempt < attempts {
            tokio::time::sleep(backoff).await;
            backoff = (backoff * 2).min(Duration::from_millis(s.max_backoff_ms));
        }
    }
    inner.log(DeliveryAttempt {
        at: inner.clock.now(),
        notification_id: notification.notification_id.clone(),
        provider_order_id: notification.provider_order_id.clone(),
        status: notification.status,
        attempt: attempts,
        duplicate,
        outcome: DeliveryOutcome::GaveUp,
    });
    tracing::warn!(
        notification = %notification.notification_id,
        "payment notification given up after {attempts} attempts"
    );
    false
}

#[async_trait]
impl PaymentProvider for PaymentSimulator {
    async fn create_order(&self, request: CreateOrder) -> GatewayResult<Order> {
        let inner = &self.inner;
        let now = inner.clock.now();
        if request.amount == Fen::ZERO {
            return Err(GatewayError::rejected(System::Payment, "amount_zero"));
        }
        if request.merchant_order_no.trim().is_empty() || request.notify_url.trim().is_empty() {
            return Err(GatewayError::rejected(System::Payment, "missing_field"));
        }
        let mut state = inner.write();
        let existing = state.by_merchant.get(&request.merchant_order_no).cloned();
        if let Some(order) = existing.and_then(|id| state.orders.get_mut(&id)) {
            let expired = expire(order, now);
            match &order.status {
                OrderStatus::Pending if order.amount == request.amount => {
                    return Ok(Order {
                        provider_order_id: order.provider_order_id.clone(),
                        pay_url: order.pay_url.clone(),
                    });
                }
                OrderStatus::Pending => {
                    return Err(GatewayError::rejected(System::Payment, "amount_differs"));
                }
                OrderStatus::Paid { .. } => {
                    return Err(GatewayError::rejected(System::Payment, "already_paid"));
                }
                OrderStatus::Closed => {
                    if expired {
                        inner.changed();
                    }
                }
            }
        }
        state.next += 1;
        let provider_order_id = format!(
            "WP{}{:06}{}",
            now.format("%Y%m%d"),
            state.next,
            random_digits(6)
        );
        let pay_url = format!("{}{provider_order_id}", inner.settings.pay_url_base);
        let ttl = inner.settings.order_ttl_secs;
        let order = SimOrder {
            provider_order_id: provider_order_id.clone(),
            merchant_order_no: request.merchant_order_no.clone(),
            amount: request.amount,
            description: request.description,
            notify_url: request.notify_url,
            return_url: request.return_url,
            pay_url: pay_url.clone(),
            created_at: now,
            expires_at: (ttl > 0).then(|| now + chrono::Duration::seconds(ttl as i64)),
            status: OrderStatus::Pending,
            cancelled_by_payer: false,
            undelivered: Vec::new(),
        };
        state.orders.insert(provider_order_id.clone(), order);
        state
            .by_merchant
            .insert(request.merchant_order_no, provider_order_id.clone());
        drop(state);
        inner.kept();
        Ok(Order {
            provider_order_id,
            pay_url,
        })
    }

    async fn query(&self, provider_order_id: &str) -> GatewayResult<OrderStatus> {
        self.order(provider_order_id)
            .map(|o| o.status)
            .ok_or_else(|| GatewayError::not_found(System::Payment, provider_order_id))
    }

    async fn close(&self, provider_order_id: &str) -> GatewayResult<OrderStatus> {
        let now = self.inner.clock.now();
        let mut state = self.inner.write();
        let order = state
            .orders
            .get_mut(provider_order_id)
            .ok_or_else(|| GatewayError::not_found(System::Payment, provider_order_id))?;
        expire(order, now);
        if order.status == OrderStatus::Pending {
            order.status = OrderStatus::Closed;
        }
        let status = order.status.clone();
        drop(state);
        self.inner.changed();
        Ok(status)
    }

    fn verify_notification(
        &self,
        signature: Option<&str>,
        body: &[u8],
    ) -> Result<PaymentNotification, SignatureError> {
        let s = &self.inner.settings;
        verify_signature(
            s.secret.as_bytes(),
            Duration::from_secs(s.signature_tolerance_secs),
            self.inner.clock.now(),
            signature,
            body,
        )?;
        serde_json::from_slice(body).map_err(|e| SignatureError::Body(e.to_string()))
    }
}

#[cfg(test)]
mod tests;
