//! The guide and the reception halls as JSON, for the app and mini-program clients: the same
//! pages as `/guide` (rendered in the caller's language) with the configured figures they come
//! from, and the hall directory.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use wangban_core::area::AreaCode;
use wangban_core::clock::ClockKind;
use wangban_core::document::DocumentKind;
use wangban_core::halls::Hall;
use wangban_core::i18n::Locale;

use crate::app::AppState;
use crate::error::{ApiError, ApiQuery, Lang};

/// A section of a guide page: a heading and its points.
#[derive(Serialize, ToSchema)]
pub struct GuideSectionView {
    pub id: String,
    pub heading: String,
    pub items: Vec<String>,
    /// The points are steps, in order.
    pub ordered: bool,
}

#[derive(Serialize, ToSchema)]
pub struct GuidePageView {
    /// The page's address is `/guide/<slug>`.
    pub slug: String,
    pub title: String,
    pub summary: String,
    pub intro: String,
    pub sections: Vec<GuideSectionView>,
}

/// A deadline: its clock, days and whether they are working days.
#[derive(Serialize, ToSchema)]
pub struct DeadlineView {
    /// review | correction | payment | production
    pub clock: String,
    pub days: u32,
    /// working_days | calendar_days
    pub unit: String,
}

/// The configured figures the guide states.
#[derive(Serialize, ToSchema)]
pub struct GuideFacts {
    pub min_age: u32,
    pub expiring_within_months: u32,
    pub visa_pages_threshold: u8,
    /// Four-digit GB/T 2260 codes and names of the cities where the service is open.
    pub pilot_cities: Vec<PilotCityView>,
    /// Fee per document kind, in fen.
    pub fees_fen: Vec<FeeView>,
    pub deadlines: Vec<DeadlineView>,
    pub reminder_hours_before: i64,
    pub photo_min_width: u32,
    pub photo_min_height: u32,
    pub photo_max_age_months: u32,
    pub upload_max_bytes: usize,
}

#[derive(Serialize, ToSchema)]
pub struct PilotCityView {
    pub code: String,
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct FeeView {
    /// passport | hk_macao_permit | taiwan_permit
    pub kind: String,
    pub fee_fen: u64,
}

#[derive(Serialize, ToSchema)]
pub struct GuideView {
    pub facts: GuideFacts,
    pub pages: Vec<GuidePageView>,
}

pub fn guide_view(state: &AppState, locale: Locale) -> GuideView {
    let s = &state.settings;
    let facts = GuideFacts {
        min_age: s.eligibility.min_age,
        expiring_within_months: s.eligibility.expiring_within_months,
        visa_pages_threshold: s.eligibility.visa_pages_threshold,
        pilot_cities: s
            .eligibility
            .pilot_cities
            .iter()
            .map(|c| PilotCityView {
                code: c.code.clone(),
                name: c.name(locale).to_owned(),
            })
            .collect(),
        fees_fen: DocumentKind::ALL
            .iter()
            .map(|k| FeeView {
                kind: k.code().into(),
                fee_fen: s.fees.fee(*k).get(),
            })
            .collect(),
        deadlines: ClockKind::ALL
            .iter()
            .map(|k| DeadlineView {
                clock: k.code().into(),
                days: k.default_budget().days(),
                unit: k.default_budget().unit().into(),
            })
            .collect(),
        reminder_hours_before: s.workers.reminder_hours_before,
        photo_min_width: s.media.photo.min_width,
        photo_min_height: s.media.photo.min_height,
        photo_max_age_months: s.media.photo.max_age_months,
        upload_max_bytes: s.uploads.max_bytes.min(s.media.limits.max_bytes),
    };
    let pages = crate::guide::pages(s, locale)
        .into_iter()
        .map(|p| GuidePageView {
            slug: p.slug.into(),
            title: p.title.render(locale),
            summary: p.summary.render(locale),
            intro: p.intro.render(locale),
            sections: p
                .sections
                .into_iter()
                .map(|s| GuideSectionView {
                    id: s.id.into(),
                    heading: s.heading.render(locale),
                    items: s.items.iter().map(|m| m.render(locale)).collect(),
                    ordered: s.ordered,
                })
                .collect(),
        })
        .collect();
    GuideView { facts, pages }
}

/// The guide: who may apply, documents and fees, reasons, photo and signature rules, steps
/// and deadlines, generated from the rules and configuration the service enforces.
#[utoipa::path(get, path = "/api/v1/guide", tag = "public",
    responses((status = 200, body = GuideView)))]
pub async fn guide(State(state): State<AppState>, Lang(locale): Lang) -> Json<GuideView> {
    Json(guide_view(&state, locale))
}

/// Opening hours on a run of days.
#[derive(Serialize, ToSchema)]
pub struct OpeningView {
    /// mon … sun
    pub from: String,
    pub to: String,
    /// HH:MM, Asia/Shanghai
    pub open: String,
    pub close: String,
}

/// A reception hall.
#[derive(Serialize, ToSchema)]
pub struct HallView {
    pub id: String,
    /// GB/T 2260 code of the district.
    pub district: String,
    pub district_name: String,
    pub name: String,
    pub address: String,
    pub phone: String,
    pub hours: Vec<OpeningView>,
    /// The hours in words, in the caller's language.
    pub hours_text: String,
    /// passport | hk_macao_permit | taiwan_permit
    pub documents: Vec<String>,
    pub first_time: bool,
    pub pickup: bool,
    /// WGS-84 decimal degrees.
    pub lat: f64,
    pub lon: f64,
    /// RFC 5870 geo: URI.
    pub geo: String,
}

fn day(d: chrono::Weekday) -> String {
    d.to_string().to_ascii_lowercase()
}

pub fn hall_view(h: &Hall, locale: Locale) -> HallView {
    HallView {
        id: h.id.clone(),
        district: h.district.to_string(),
        district_name: h.district.describe(locale),
        name: h.name(locale).into(),
        address: h.address(locale).into(),
        phone: h.phone.clone(),
        hours: h
            .hours
            .iter()
            .map(|o| OpeningView {
                from: day(o.from),
                to: day(o.to),
                open: o.open.format("%H:%M").to_string(),
                close: o.close.format("%H:%M").to_string(),
            })
            .collect(),
        hours_text: h.hours_text(locale),
        documents: h
            .services
            .documents
            .iter()
            .map(|k| k.code().to_owned())
            .collect(),
        first_time: h.services.first_time,
        pickup: h.services.pickup,
        lat: h.location.lat,
        lon: h.location.lon,
        geo: h.location.geo_uri(),
    }
}

#[derive(Serialize, ToSchema)]
pub struct HallsView {
    /// The directory is sample data (not the published list).
    pub sample: bool,
    pub halls: Vec<HallView>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct HallsQuery {
    /// Only the halls of this district (six-digit GB/T 2260 code).
    pub district: Option<String>,
}

/// The reception halls: name, address, opening hours, services, phone and coordinates.
#[utoipa::path(get, path = "/api/v1/halls", tag = "public", params(HallsQuery),
    responses((status = 200, body = HallsView), (status = 400, description = "not a district code")))]
pub async fn halls(
    State(state): State<AppState>,
    Lang(locale): Lang,
    ApiQuery(q): ApiQuery<HallsQuery>,
) -> Result<Json<HallsView>, ApiError> {
    let district = q
        .district
        .as_deref()
        .map(AreaCode::parse)
        .transpose()
        .map_err(|e| {
            ApiError::new(
                axum::http::StatusCode::BAD_REQUEST,
                wangban_core::i18n::Message::new("api-bad-district").with("value", e.0),
            )
        })?;
    Ok(Json(HallsView {
        sample: state.halls.sample,
        halls: state
            .halls
            .halls
            .iter()
            .filter(|h| district.is_none_or(|d| h.district == d))
            .map(|h| hall_view(h, locale))
            .collect(),
    }))
}
