//! Text messages to applicants: the login code, and news about their application.
//!
//! [`SmsSender::send`] takes a recipient, a [`SmsTemplate`] (the kind of message with its typed
//! parameters) and the recipient's language. Texts come from the core catalogue (`sms-*` keys
//! in `crates/core/locales/*/sms.ftl`), each starting with the service's SMS signature, kept
//! short like real SMS and ending with the 12367 hotline where the person may need help.
//!
//! [`SmsSimulator`] "sends" into an outbox — recipient, text, template, language, time,
//! status — which the server shows at `/sim/sms` and through its API
//! ([`SmsSimulator::outbox`], [`SmsSimulator::outbox_for`]). It fails transiently for a share
//! `failure_rate` of messages (the same ones for the same `seed`), recording them as failed, so
//! that the server's retry path runs; `latency_ms` slows every send; the outbox keeps the last
//! `outbox_capacity` messages (and its snapshot the same).

use std::collections::VecDeque;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, RwLock, RwLockReadGuard, RwLockWriteGuard};
use std::time::Duration;

use async_trait::async_trait;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use wangban_core::application_number::ApplicationNumber;
use wangban_core::area::AreaCode;
use wangban_core::document::DocumentKind;
use wangban_core::i18n::{Locale, Message};
use wangban_core::money::Fen;
use wangban_core::phone::MobileNumber;
use wangban_core::postal::S10Number;
use wangban_core::time::Timestamp;

use crate::clock::Clock;
use crate::error::{GatewayError, GatewayResult, System};
use crate::serde_util;
use crate::sim::Faults;
use crate::snapshot::{self, Persister, SnapshotError};

/// Which applicant deadline a message is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Deadline {
    /// Answering a correction request (7 days).
    Correction,
    /// Paying after approval (7 days).
    Payment,
}

impl Deadline {
    pub fn code(self) -> &'static str {
        match self {
            Deadline::Correction => "correction",
            Deadline::Payment => "payment",
        }
    }
}

/// The messages wangban sends, with their parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "template", rename_all = "snake_case")]
pub enum SmsTemplate {
    /// The one-time login code.
    LoginCode { code: String, valid_minutes: u32 },
    /// The application was submitted.
    Submitted { application: ApplicationNumber },
    /// A reviewer asked for corrections, to be made by `deadline`.
    CorrectionRequested {
        application: ApplicationNumber,
        deadline: NaiveDate,
    },
    /// Approved: pay `amount` by `deadline`.
    ApprovedPleasePay {
        application: ApplicationNumber,
        amount: Fen,
        deadline: NaiveDate,
    },
    /// The fee was received.
    PaymentReceived {
        application: ApplicationNumber,
        amount: Fen,
    },
    /// The new document was mailed.
    Dispatched {
        application: ApplicationNumber,
        kind: DocumentKind,
        #[serde(deserialize_with = "serde_util::s10")]
        tracking_number: S10Number,
    },
    /// The new document waits at the reception hall of `district`.
    ReadyForPickup {
        application: ApplicationNumber,
        kind: DocumentKind,
        district: AreaCode,
    },
    /// The post could not deliver; the document went to the hall of `district`.
    DeliveryFailed {
        application: ApplicationNumber,
        #[serde(deserialize_with = "serde_util::s10")]
        tracking_number: S10Number,
        district: AreaCode,
    },
    /// A deadline is near.
    DeadlineReminder {
        application: ApplicationNumber,
        deadline: Deadline,
        due: NaiveDate,
    },
    /// Withdrawn because a deadline was missed.
    Withdrawn {
        application: ApplicationNumber,
        deadline: Deadline,
    },
    /// Rejected (the reasons are in the application).
    Rejected { application: ApplicationNumber },
    /// A document was reported lost (sent at submission, so that a person learns of a report
    /// they did not make). `tail`: the last characters of the document number.
    ReportedLost { kind: DocumentKind, tail: String },
}

impl SmsTemplate {
    /// The stable code of the template (`login_code`, …).
    pub fn code(&self) -> &'static str {
        match self {
            SmsTemplate::LoginCode { .. } => "login_code",
            SmsTemplate::Submitted { .. } => "submitted",
            SmsTemplate::CorrectionRequested { .. } => "correction_requested",
            SmsTemplate::ApprovedPleasePay { .. } => "approved_please_pay",
            SmsTemplate::PaymentReceived { .. } => "payment_received",
            SmsTemplate::Dispatched { .. } => "dispatched",
            SmsTemplate::ReadyForPickup { .. } => "ready_for_pickup",
            SmsTemplate::DeliveryFailed { .. } => "delivery_failed",
            SmsTemplate::DeadlineReminder { .. } => "deadline_reminder",
            SmsTemplate::Withdrawn { .. } => "withdrawn",
            SmsTemplate::Rejected { .. } => "rejected",
            SmsTemplate::ReportedLost { .. } => "reported_lost",
        }
    }

    /// The catalogue message.
    pub fn message(&self) -> Message {
        let app = |a: &ApplicationNumber| a.to_string();
        match self {
            SmsTemplate::LoginCode {
                code,
                valid_minutes,
            } => Message::new("sms-login-code")
                .with("code", code.as_str())
                .with("minutes", *valid_minutes),
            SmsTemplate::Submitted { application } => {
                Message::new("sms-submitted").with("application", app(application))
            }
            SmsTemplate::CorrectionRequested {
                application,
                deadline,
            } => Message::new("sms-correction-requested")
                .with("application", app(application))
                .with("deadline", *deadline),
            SmsTemplate::ApprovedPleasePay {
                application,
                amount,
                deadline,
            } => Message::new("sms-approved-pay")
                .with("application", app(application))
                .with("amount", amount.to_string())
                .with("deadline", *deadline),
            SmsTemplate::PaymentReceived {
                application,
                amount,
            } => Message::new("sms-payment-received")
                .with("application", app(application))
                .with("amount", amount.to_string()),
            SmsTemplate::Dispatched {
                application: _,
                kind,
                tracking_number,
            } => Message::new("sms-dispatched")
                .with("kind", kind.label())
                .with("tracking", tracking_number.as_str()),
            SmsTemplate::ReadyForPickup {
                application: _,
                kind,
                district,
            } => Message::new("sms-ready-for-pickup")
                .with("kind", kind.label())
                .with("district", *district),
            SmsTemplate::DeliveryFailed {
                application: _,
                tracking_number,
                district,
            } => Message::new("sms-delivery-failed")
                .with("tracking", tracking_number.as_str())
                .with("district", *district),
            SmsTemplate::DeadlineReminder {
                application,
                deadline,
                due,
            } => Message::new("sms-deadline-reminder")
                .with("application", app(application))
                .with("which", deadline.code())
                .with("deadline", *due),
            SmsTemplate::Withdrawn {
                application,
                deadline,
            } => Message::new("sms-withdrawn")
                .with("application", app(application))
                .with("which", deadline.code()),
            SmsTemplate::Rejected { application } => {
                Message::new("sms-rejected").with("application", app(application))
            }
            SmsTemplate::ReportedLost { kind, tail } => Message::new("sms-reported-lost")
                .with("kind", kind.label())
                .with("tail", tail.as_str()),
        }
    }

    /// The text in `locale`.
    pub fn render(&self, locale: Locale) -> String {
        self.message().render(locale)
    }
}

/// One message to send.
#[derive(Clone, PartialEq, Eq)]
pub struct SmsMessage {
    pub to: MobileNumber,
    pub template: SmsTemplate,
    /// The recipient's language.
    pub locale: Locale,
    /// The sender's own id for this message (the provider's "OutId"): a provider that has
    /// sent a message with this reference answers a resend with that message instead of
    /// sending it twice. Resends happen when a sender stopped between the provider's answer
    /// and recording it.
    pub reference: Option<String>,
}

/// Without the parameters: a login code must not end up in a log.
impl fmt::Debug for SmsMessage {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmsMessage")
            .field("to", &self.to)
            .field("template", &self.template.code())
            .field("locale", &self.locale)
            .finish()
    }
}

/// The provider's id of a message.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct MessageId(pub String);

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The SMS port.
#[async_trait]
pub trait SmsSender: Send + Sync {
    /// Sends the message; an error means it was not sent (retry a retryable one).
    async fn send(&self, message: SmsMessage) -> GatewayResult<MessageId>;
}

/// What happened to a message.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SmsStatus {
    Delivered,
    /// The provider failed transiently; the sender was told to retry.
    Failed,
}

/// A message in the simulator's outbox.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SentSms {
    pub id: MessageId,
    #[serde(deserialize_with = "serde_util::mobile")]
    pub to: MobileNumber,
    pub template: SmsTemplate,
    pub locale: Locale,
    pub text: String,
    pub at: Timestamp,
    pub status: SmsStatus,
    /// The sender's reference, when it gave one.
    #[serde(default)]
    pub reference: Option<String>,
}

/// Knobs of the SMS simulator.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SmsSettings {
    /// Share of sends that fail transiently (the same ones for the same seed).
    pub failure_rate: f64,
    pub seed: u64,
    /// Added to every send.
    pub latency_ms: u64,
    /// How many messages the outbox keeps.
    pub outbox_capacity: usize,
}

impl Default for SmsSettings {
    fn default() -> Self {
        SmsSettings {
            failure_rate: 0.0,
            seed: 1,
            latency_ms: 0,
            outbox_capacity: 10_000,
        }
    }
}

#[derive(Default, Serialize, Deserialize)]
struct SmsState {
    next: u64,
    outbox: VecDeque<SentSms>,
}

/// The login code in a login-code text: its first run of exactly six digits, as a phone's
/// "copy code" suggestion finds it (for the load generator and the tests, which read the
/// simulator's outbox like a person reads their phone).
pub fn login_code_in(text: &str) -> Option<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut i = 0;
    while i < chars.len() {
        if chars[i].is_ascii_digit() {
            let start = i;
            while i < chars.len() && chars[i].is_ascii_digit() {
                i += 1;
            }
            if i - start == 6 {
                return Some(chars[start..i].iter().collect());
            }
        } else {
            i += 1;
        }
    }
    None
}

/// The simulated SMS gateway.
pub struct SmsSimulator {
    state: Arc<RwLock<SmsState>>,
    clock: Arc<dyn Clock>,
    faults: Faults,
    capacity: usize,
    persister: Option<Persister>,
}

impl SmsSimulator {
    pub fn new(settings: SmsSettings, clock: Arc<dyn Clock>) -> SmsSimulator {
        SmsSimulator {
            state: Arc::new(RwLock::new(SmsState::default())),
            clock,
            faults: Faults::new(
                System::Sms,
                settings.latency_ms,
                settings.failure_rate,
                settings.seed,
            ),
            capacity: settings.outbox_capacity.max(1),
            persister: None,
        }
    }

    /// Keeps the outbox in `path`, loading what is there.
    pub fn persisted(
        mut self,
        path: PathBuf,
        debounce: Duration,
    ) -> Result<SmsSimulator, SnapshotError> {
        if let Some(loaded) = snapshot::load::<SmsState>(&path)? {
            *self.write() = loaded;
        }
        let state = self.state.clone();
        self.persister = Some(Persister::spawn(path, debounce, move || {
            let state = state.read().unwrap_or_else(|e| e.into_inner());
            serde_json::to_vec(&*state).expect("the outbox serialises")
        }));
        Ok(self)
    }

    fn read(&self) -> RwLockReadGuard<'_, SmsState> {
        self.state.read().unwrap_or_else(|e| e.into_inner())
    }

    fn write(&self) -> RwLockWriteGuard<'_, SmsState> {
        self.state.write().unwrap_or_else(|e| e.into_inner())
    }

    /// Every message, oldest first.
    pub fn outbox(&self) -> Vec<SentSms> {
        self.read().outbox.iter().cloned().collect()
    }

    /// The messages to one number, oldest first.
    pub fn outbox_for(&self, to: &MobileNumber) -> Vec<SentSms> {
        self.read()
            .outbox
            .iter()
            .filter(|m| &m.to == to)
            .cloned()
            .collect()
    }

    /// The last login code delivered to a number (for demos and end-to-end tests).
    pub fn last_login_code(&self, to: &MobileNumber) -> Option<String> {
        self.read()
            .outbox
            .iter()
            .rev()
            .filter(|m| &m.to == to && m.status == SmsStatus::Delivered)
            .find_map(|m| match &m.template {
                SmsTemplate::LoginCode { code, .. } => Some(code.clone()),
                _ => None,
            })
    }

    /// Writes the snapshot now, if there is one.
    pub fn flush(&self) -> std::io::Result<()> {
        self.persister.as_ref().map_or(Ok(()), Persister::flush)
    }
}

#[async_trait]
impl SmsSender for SmsSimulator {
    async fn send(&self, message: SmsMessage) -> GatewayResult<MessageId> {
        if let Some(reference) = &message.reference
            && let Some(sent) = self.read().outbox.iter().find(|m| {
                m.status == SmsStatus::Delivered && m.reference.as_ref() == Some(reference)
            })
        {
            return Ok(sent.id.clone());
        }
        let outcome = self.faults.call().await;
        let status = if outcome.is_ok() {
            SmsStatus::Delivered
        } else {
            SmsStatus::Failed
        };
        let text = message.template.render(message.locale);
        let mut state = self.write();
        state.next += 1;
        let id = MessageId(format!("SM{:08}", state.next));
        if state.outbox.len() >= self.capacity {
            state.outbox.pop_front();
        }
        state.outbox.push_back(SentSms {
            id: id.clone(),
            to: message.to,
            template: message.template,
            locale: message.locale,
            text,
            at: self.clock.now(),
            status,
            reference: message.reference,
        });
        drop(state);
        if let Some(p) = &self.persister {
            p.kept();
        }
        match outcome {
            Ok(()) => Ok(id),
            Err(GatewayError::Unavailable { system, .. }) => Err(GatewayError::Unavailable {
                system,
                detail: format!("message {id} not sent"),
            }),
            Err(e) => Err(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::ManualClock;
    use chrono::{TimeZone, Utc};

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }

    #[test]
    fn the_login_code_is_read_from_the_rendered_text_in_both_languages() {
        for locale in [Locale::ZhCn, Locale::En] {
            let text = SmsTemplate::LoginCode {
                code: "048291".into(),
                valid_minutes: 5,
            }
            .render(locale);
            assert_eq!(login_code_in(&text).as_deref(), Some("048291"), "{text}");
        }
        // Runs of other lengths (an application number, a year) are not the code.
        assert_eq!(
            login_code_in("2026 12345678 123456 7").as_deref(),
            Some("123456")
        );
        assert_eq!(login_code_in("12345 1234567"), None);
    }

    fn every_template() -> Vec<SmsTemplate> {
        let application = ApplicationNumber::from_value(0x12_3456_789A);
        let tracking_number = S10Number::build("EA", 12345678, "CN").unwrap();
        let district = AreaCode::parse("310101").unwrap();
        vec![
            SmsTemplate::LoginCode {
                code: "482915".into(),
                valid_minutes: 5,
            },
            SmsTemplate::Submitted { application },
            SmsTemplate::CorrectionRequested {
                application,
                deadline: d(2026, 12, 2),
            },
            SmsTemplate::ApprovedPleasePay {
                application,
                amount: Fen::from_yuan(120),
                deadline: d(2026, 12, 2),
            },
            SmsTemplate::PaymentReceived {
                application,
                amount: Fen::from_yuan(60),
            },
            SmsTemplate::Dispatched {
                application,
                kind: DocumentKind::HkMacaoPermit,
                tracking_number: tracking_number.clone(),
            },
            SmsTemplate::ReadyForPickup {
                application,
                kind: DocumentKind::Passport,
                district,
            },
            SmsTemplate::DeliveryFailed {
                application,
                tracking_number,
                district,
            },
            SmsTemplate::DeadlineReminder {
                application,
                deadline: Deadline::Correction,
                due: d(2026, 12, 2),
            },
            SmsTemplate::DeadlineReminder {
                application,
                deadline: Deadline::Payment,
                due: d(2026, 12, 2),
            },
            SmsTemplate::Withdrawn {
                application,
                deadline: Deadline::Correction,
            },
            SmsTemplate::Withdrawn {
                application,
                deadline: Deadline::Payment,
            },
            SmsTemplate::Rejected { application },
            SmsTemplate::ReportedLost {
                kind: DocumentKind::TaiwanPermit,
                tail: "4736".into(),
            },
        ]
    }

    #[test]
    fn every_template_renders_in_both_languages_short_and_complete() {
        let templates = every_template();
        let codes: std::collections::BTreeSet<_> = templates.iter().map(|t| t.code()).collect();
        assert_eq!(codes.len(), 12, "every template is exercised");
        for t in &templates {
            let key = t.message().key;
            assert!(wangban_core::i18n::has_key(key), "{key}");
            for locale in Locale::ALL {
                let text = t.render(locale);
                assert!(!text.contains(['{', '}', '$']), "{text}");
                assert_ne!(text, key);
                let sign = match locale {
                    Locale::ZhCn => "【出入境网办】",
                    Locale::En => "[Exit-Entry Online] ",
                };
                assert!(text.starts_with(sign), "{text}");
                // Two SMS segments at most: 2 × 67 UCS-2 characters, 2 × 153 GSM characters.
                let limit = match locale {
                    Locale::ZhCn => 134,
                    Locale::En => 306,
                };
                assert!(
                    text.chars().count() <= limit,
                    "{} chars: {text}",
                    text.chars().count()
                );
            }
        }
        if std::env::var_os("SHOW_SMS").is_some() {
            for t in &templates {
                println!("{}\n{}\n", t.render(Locale::ZhCn), t.render(Locale::En));
            }
        }
        let zh = |i: usize| templates[i].render(Locale::ZhCn);
        let en = |i: usize| templates[i].render(Locale::En);
        assert!(zh(0).contains("482915") && zh(0).contains("5分钟"));
        assert!(en(0).contains("482915") && en(0).contains("5 minutes"));
        assert!(zh(1).contains("WB-") && zh(1).contains("12367"));
        assert!(zh(3).contains("¥120.00") && zh(3).contains("2026年12月2日"));
        assert!(en(3).contains("¥120.00") && en(3).contains("2 December 2026"));
        assert!(zh(5).contains("EA123456785CN") && zh(5).contains("往来港澳通行证"));
        assert!(en(5).contains("Postage is paid on delivery"));
        assert!(zh(6).contains("上海市黄浦区出入境接待大厅"));
        assert!(en(6).contains("hall of Huangpu District, Shanghai"));
        assert!(zh(8).contains("补正") && zh(9).contains("缴费"));
        assert!(en(8).contains("corrected") && en(9).contains("paid for"));
        assert!(zh(10).contains("补正") && en(11).contains("paid for"));
        assert!(zh(13).contains("4736") && zh(13).contains("往来台湾通行证"));
    }

    fn clock() -> Arc<ManualClock> {
        Arc::new(ManualClock::new(
            Utc.with_ymd_and_hms(2026, 11, 25, 2, 0, 0).unwrap(),
        ))
    }

    fn login(to: &str, code: &str) -> SmsMessage {
        SmsMessage {
            reference: None,
            to: MobileNumber::parse(to).unwrap(),
            template: SmsTemplate::LoginCode {
                code: code.into(),
                valid_minutes: 5,
            },
            locale: Locale::ZhCn,
        }
    }

    #[test]
    fn debug_output_shows_neither_the_code_nor_the_number() {
        let text = format!("{:?}", login("13812345678", "604211"));
        assert!(
            !text.contains("604211") && !text.contains("12345678"),
            "{text}"
        );
        assert!(text.contains("login_code"));
    }

    #[tokio::test]
    async fn messages_land_in_the_outbox() {
        let sms = SmsSimulator::new(SmsSettings::default(), clock());
        let a = sms.send(login("13800000001", "111111")).await.unwrap();
        let b = sms.send(login("13800000002", "222222")).await.unwrap();
        let mut en = login("13800000001", "333333");
        en.locale = Locale::En;
        sms.send(en).await.unwrap();
        assert_ne!(a, b);
        assert_eq!(sms.outbox().len(), 3);
        let mine = sms.outbox_for(&MobileNumber::parse("13800000001").unwrap());
        assert_eq!(mine.len(), 2);
        assert_eq!(mine[0].id, a);
        assert!(mine[0].text.contains("111111"));
        assert!(mine[1].text.contains("verification code is 333333"));
        assert_eq!(mine[0].status, SmsStatus::Delivered);
        assert_eq!(
            sms.last_login_code(&MobileNumber::parse("13800000001").unwrap()),
            Some("333333".into())
        );
    }

    #[tokio::test]
    async fn fails_transiently_at_the_configured_rate_deterministically() {
        let settings = SmsSettings {
            failure_rate: 0.3,
            seed: 5,
            ..SmsSettings::default()
        };
        let run = || async {
            let sms = SmsSimulator::new(settings.clone(), clock());
            let mut pattern = Vec::new();
            for i in 0..200 {
                let r = sms.send(login("13800000001", &format!("{i:06}"))).await;
                if let Err(e) = &r {
                    assert!(e.is_retryable());
                }
                pattern.push(r.is_ok());
            }
            (pattern, sms)
        };
        let (first, sms) = run().await;
        let (second, _) = run().await;
        assert_eq!(first, second, "the same seed fails the same messages");
        let failed = first.iter().filter(|ok| !**ok).count();
        assert!((35..85).contains(&failed), "{failed}");
        let recorded = sms
            .outbox()
            .iter()
            .filter(|m| m.status == SmsStatus::Failed)
            .count();
        assert_eq!(recorded, failed);
    }

    #[tokio::test]
    async fn a_resend_with_the_same_reference_is_not_sent_twice() {
        let sms = SmsSimulator::new(SmsSettings::default(), clock());
        let message = |reference: &str| SmsMessage {
            reference: Some(reference.to_owned()),
            ..login("13800000001", "123456")
        };
        let first = sms.send(message("job-1")).await.unwrap();
        let again = sms.send(message("job-1")).await.unwrap();
        assert_eq!(first, again);
        assert_eq!(sms.outbox().len(), 1);
        // Another reference is another message; no reference never deduplicates.
        sms.send(message("job-2")).await.unwrap();
        sms.send(login("13800000001", "123456")).await.unwrap();
        sms.send(login("13800000001", "123456")).await.unwrap();
        assert_eq!(sms.outbox().len(), 4);
    }

    #[tokio::test]
    async fn the_outbox_keeps_its_capacity_and_survives_a_restart() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sms.json");
        let settings = SmsSettings {
            outbox_capacity: 3,
            ..SmsSettings::default()
        };
        {
            let sms = SmsSimulator::new(settings.clone(), clock())
                .persisted(path.clone(), Duration::from_millis(1))
                .unwrap();
            for i in 0..5 {
                sms.send(login("13800000001", &format!("00000{i}")))
                    .await
                    .unwrap();
            }
            sms.send(SmsMessage {
                reference: None,
                to: MobileNumber::parse("13800000002").unwrap(),
                template: every_template()[5].clone(),
                locale: Locale::En,
            })
            .await
            .unwrap();
            assert_eq!(sms.outbox().len(), 3);
        }
        let sms = SmsSimulator::new(settings, clock())
            .persisted(path, Duration::from_millis(1))
            .unwrap();
        let outbox = sms.outbox();
        assert_eq!(outbox.len(), 3);
        assert!(outbox[0].text.contains("000003"));
        assert_eq!(outbox[2].template, every_template()[5]);
        // Numbering goes on where it stopped.
        let id = sms.send(login("13800000001", "999999")).await.unwrap();
        assert_eq!(id.0, "SM00000007");
    }
}
