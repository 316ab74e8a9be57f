//! The applicant's answers on an application, and the four files.
//!
//! Every field is checked as it arrives (parse, don't validate): a bad value is refused with its
//! own explanation and nothing is stored. Submission then only asks whether every required
//! answer and file is there.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wangban_core::i18n::{Locale, Message};
use wangban_core::name::PinyinName;
use wangban_core::phone::MobileNumber;
use wangban_core::state::DeliveryMethod;

use crate::error::ApiError;

/// The four files of an application.
pub const SLOTS: [&str; 4] = ["id_photo", "signature", "id_card_front", "id_card_back"];

/// The answers stored with an application (JSON in the store).
#[derive(Clone, Debug, Default, Serialize, Deserialize, ToSchema)]
#[serde(default)]
pub struct ApplicationForm {
    /// Pinyin surname as printed in the document (A–Z).
    pub pinyin_surname: Option<String>,
    /// Pinyin given name as printed in the document (A–Z, spaces).
    pub pinyin_given: Option<String>,
    /// A mobile number to reach the applicant about this application.
    pub contact_phone: Option<String>,
    /// How the new document reaches the applicant.
    pub delivery: Option<Delivery>,
    /// The language for notifications.
    #[schema(value_type = Option<String>, example = "zh-CN")]
    pub locale: Option<Locale>,
}

/// Mail to an address (postage paid by the recipient on delivery), or pickup at the reception
/// hall of the applicant's hukou district.
#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(tag = "method", rename_all = "snake_case", deny_unknown_fields)]
pub enum Delivery {
    Mail { address: PostalAddress },
    Pickup,
}

impl Delivery {
    pub fn method(&self) -> DeliveryMethod {
        match self {
            Delivery::Mail { .. } => DeliveryMethod::Mail,
            Delivery::Pickup => DeliveryMethod::Pickup,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, ToSchema, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct PostalAddress {
    pub recipient: String,
    pub phone: String,
    pub province: String,
    pub city: String,
    pub district: String,
    pub street: String,
    #[serde(default)]
    pub postcode: Option<String>,
}

/// A change to the answers (absent fields stay as they are).
#[derive(Clone, Debug, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FormUpdate {
    pub pinyin_surname: Option<String>,
    pub pinyin_given: Option<String>,
    pub contact_phone: Option<String>,
    pub delivery: Option<Delivery>,
}

fn field_error(field: &'static str, message: Message) -> ApiError {
    ApiError::new(axum::http::StatusCode::UNPROCESSABLE_ENTITY, message)
        .with_detail(serde_json::json!({ "field": field }))
}

/// A free-text answer: full-width letters and digits folded to ASCII; refused when empty,
/// too long, or holding controls, invisible or direction-changing characters or combining
/// marks (which could make the text read differently on an officer's screen).
fn text_field(field: &'static str, value: &str, max: usize) -> Result<String, ApiError> {
    let folded = wangban_core::text::fold_full_width(value);
    let v = folded.trim();
    if v.chars()
        .any(|c| !c.is_control() && wangban_core::text::is_invisible_or_combining(c))
    {
        return Err(field_error(
            field,
            Message::new("api-text-invisible").with("field", field),
        ));
    }
    if v.is_empty() {
        return Err(field_error(
            field,
            Message::new("api-field-required").with("field", field),
        ));
    }
    if v.chars().count() > max || v.chars().any(|c| c.is_control()) {
        return Err(field_error(
            field,
            Message::new("api-field-invalid").with("field", field),
        ));
    }
    Ok(v.to_owned())
}

impl ApplicationForm {
    /// Applies `update`, checking every field given; on error the form is unchanged.
    pub fn apply(&self, update: FormUpdate) -> Result<ApplicationForm, ApiError> {
        let mut next = self.clone();
        let surname = update
            .pinyin_surname
            .or_else(|| self.pinyin_surname.clone());
        let given = update.pinyin_given.or_else(|| self.pinyin_given.clone());
        if let (Some(s), Some(g)) = (&surname, &given) {
            let p = PinyinName::parse(s, g)
                .map_err(|e| field_error("pinyin", wangban_core::i18n::Localize::message(&e)))?;
            next.pinyin_surname = Some(p.surname);
            next.pinyin_given = Some(p.given);
        } else {
            next.pinyin_surname = surname;
            next.pinyin_given = given;
        }
        if let Some(phone) = update.contact_phone {
            let m = MobileNumber::parse(&phone).map_err(|e| {
                field_error("contact_phone", wangban_core::i18n::Localize::message(&e))
            })?;
            next.contact_phone = Some(m.as_str().to_owned());
        }
        if let Some(delivery) = update.delivery {
            next.delivery = Some(match delivery {
                Delivery::Pickup => Delivery::Pickup,
                Delivery::Mail { address } => Delivery::Mail {
                    address: PostalAddress {
                        recipient: text_field("address.recipient", &address.recipient, 30)?,
                        phone: MobileNumber::parse(&address.phone)
                            .map_err(|e| {
                                field_error(
                                    "address.phone",
                                    wangban_core::i18n::Localize::message(&e),
                                )
                            })?
                            .as_str()
                            .to_owned(),
                        province: text_field("address.province", &address.province, 20)?,
                        city: text_field("address.city", &address.city, 20)?,
                        district: text_field("address.district", &address.district, 20)?,
                        street: text_field("address.street", &address.street, 120)?,
                        postcode: match address.postcode {
                            Some(p) if !p.trim().is_empty() => {
                                let p = p.trim().to_owned();
                                if p.len() != 6 || !p.bytes().all(|b| b.is_ascii_digit()) {
                                    return Err(field_error(
                                        "address.postcode",
                                        Message::new("api-field-invalid")
                                            .with("field", "address.postcode"),
                                    ));
                                }
                                Some(p)
                            }
                            _ => None,
                        },
                    },
                },
            });
        }
        Ok(next)
    }

    /// The answers still missing before submission (field codes).
    pub fn missing(&self) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.pinyin_surname.is_none() || self.pinyin_given.is_none() {
            missing.push("pinyin");
        }
        if self.delivery.is_none() {
            missing.push("delivery");
        }
        missing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_checked_and_normalised() {
        let f = ApplicationForm::default()
            .apply(FormUpdate {
                pinyin_surname: Some("zhang".into()),
                pinyin_given: Some("san".into()),
                contact_phone: Some("+86 138 0000 0001".into()),
                delivery: Some(Delivery::Pickup),
            })
            .unwrap();
        assert_eq!(f.pinyin_surname.as_deref(), Some("ZHANG"));
        assert_eq!(f.contact_phone.as_deref(), Some("13800000001"));
        assert!(f.missing().is_empty());
        let err = f
            .apply(FormUpdate {
                contact_phone: Some("12345".into()),
                ..Default::default()
            })
            .unwrap_err();
        assert_eq!(err.message.key, "phone-length");
        assert!(ApplicationForm::default().missing().contains(&"delivery"));
    }

    #[test]
    fn mail_address_needs_every_part() {
        let err = ApplicationForm::default()
            .apply(FormUpdate {
                delivery: Some(Delivery::Mail {
                    address: PostalAddress {
                        recipient: "张三".into(),
                        phone: "13800000001".into(),
                        province: "上海市".into(),
                        city: "上海市".into(),
                        district: "黄浦区".into(),
                        street: " ".into(),
                        postcode: None,
                    },
                }),
                ..Default::default()
            })
            .unwrap_err();
        assert_eq!(err.message.key, "api-field-required");
    }
}
