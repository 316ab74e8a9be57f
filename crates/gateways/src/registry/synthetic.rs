//! Synthetic populations for load tests: any number of valid, distinct, plausible people, the
//! same ones for the same seed.
//!
//! Each person has a valid ID number (GB 11643 check character; issued mostly in Shanghai,
//! some in its retired districts, some elsewhere), a Chinese name and its pinyin, and a mobile
//! number to log in with (`166` + 8 digits, distinct for up to 10⁸ people). The shares are
//! rough guesses at a big city's population of document holders: about 93 % aged 16 or over,
//! 96 % with a Shanghai hukou, 65 % holding a passport, 55 % a Hong Kong/Macao permit, 12 % a
//! Taiwan permit (each somewhere in its validity, 4 % expired, 1.5 % reported lost, 0.5 %
//! cancelled), 92 % with fingerprints on file, 2 % state functionaries, 0.5 % military, 5 %
//! abroad now. Document numbers are `E`/`C`/`T` + 8 digits counted from 0, so they never
//! collide with each other, with the demo citizens' or with newly produced ones.

use std::collections::HashSet;

use chrono::{Days, Months, NaiveDate, NaiveTime};
use serde::Serialize;
use wangban_core::area::AreaCode;
use wangban_core::document::DocumentKind;
use wangban_core::id_number::{IdNumber, check_character};
use wangban_core::name::{PersonName, PinyinName};
use wangban_core::phone::MobileNumber;
use wangban_core::registry::{
    BorderCrossing, Direction, DocumentStatus, HeldDocument, PersonRecord,
};
use wangban_core::time::start_of_day;

use super::RegistryPerson;
use crate::sim::{SplitMix64, mix};

/// A synthetic person and the mobile number a load test logs in with.
#[derive(Clone, Debug, Serialize)]
pub struct SyntheticPerson {
    pub phone: MobileNumber,
    pub person: RegistryPerson,
}

const SHANGHAI: [u32; 16] = [
    310101, 310104, 310105, 310106, 310107, 310109, 310110, 310112, 310113, 310114, 310115, 310116,
    310117, 310118, 310120, 310151,
];
const SHANGHAI_RETIRED: [u32; 5] = [310102, 310103, 310108, 310111, 310230];
const ELSEWHERE: [u32; 8] = [
    330106, 320102, 110105, 440106, 510107, 420106, 370102, 340104,
];

/// Common surnames and their pinyin.
const SURNAMES: [(&str, &str); 40] = [
    ("王", "WANG"),
    ("李", "LI"),
    ("张", "ZHANG"),
    ("刘", "LIU"),
    ("陈", "CHEN"),
    ("杨", "YANG"),
    ("黄", "HUANG"),
    ("赵", "ZHAO"),
    ("吴", "WU"),
    ("周", "ZHOU"),
    ("徐", "XU"),
    ("孙", "SUN"),
    ("马", "MA"),
    ("朱", "ZHU"),
    ("胡", "HU"),
    ("郭", "GUO"),
    ("何", "HE"),
    ("高", "GAO"),
    ("林", "LIN"),
    ("罗", "LUO"),
    ("郑", "ZHENG"),
    ("梁", "LIANG"),
    ("谢", "XIE"),
    ("宋", "SONG"),
    ("唐", "TANG"),
    ("许", "XU"),
    ("韩", "HAN"),
    ("冯", "FENG"),
    ("邓", "DENG"),
    ("曹", "CAO"),
    ("彭", "PENG"),
    ("曾", "ZENG"),
    ("肖", "XIAO"),
    ("田", "TIAN"),
    ("董", "DONG"),
    ("袁", "YUAN"),
    ("潘", "PAN"),
    ("于", "YU"),
    ("蒋", "JIANG"),
    ("蔡", "CAI"),
];

/// Characters of given names and their pinyin.
const GIVEN: [(&str, &str); 48] = [
    ("伟", "WEI"),
    ("芳", "FANG"),
    ("娜", "NA"),
    ("敏", "MIN"),
    ("静", "JING"),
    ("丽", "LI"),
    ("强", "QIANG"),
    ("磊", "LEI"),
    ("军", "JUN"),
    ("洋", "YANG"),
    ("勇", "YONG"),
    ("艳", "YAN"),
    ("杰", "JIE"),
    ("娟", "JUAN"),
    ("涛", "TAO"),
    ("明", "MING"),
    ("超", "CHAO"),
    ("秀", "XIU"),
    ("霞", "XIA"),
    ("平", "PING"),
    ("刚", "GANG"),
    ("桂", "GUI"),
    ("英", "YING"),
    ("华", "HUA"),
    ("文", "WEN"),
    ("辉", "HUI"),
    ("建", "JIAN"),
    ("国", "GUO"),
    ("玲", "LING"),
    ("婷", "TING"),
    ("宇", "YU"),
    ("浩", "HAO"),
    ("欣", "XIN"),
    ("怡", "YI"),
    ("子", "ZI"),
    ("涵", "HAN"),
    ("晨", "CHEN"),
    ("佳", "JIA"),
    ("俊", "JUN"),
    ("博", "BO"),
    ("雪", "XUE"),
    ("思", "SI"),
    ("嘉", "JIA"),
    ("鑫", "XIN"),
    ("凯", "KAI"),
    ("梅", "MEI"),
    ("海", "HAI"),
    ("晓", "XIAO"),
];

/// A multiplier coprime with 10⁸: index → phone is a bijection.
const PHONE_STRIDE: u64 = 48_271_937;

/// `n` synthetic people as of `today`, the same for the same `seed`.
pub fn synthetic_people(
    n: usize,
    seed: u64,
    today: NaiveDate,
) -> impl Iterator<Item = SyntheticPerson> {
    let mut generator = Generator {
        rng: SplitMix64::new(mix(seed)),
        seed,
        today,
        used: HashSet::with_capacity(n),
        counters: [0; 3],
    };
    (0..n as u64).map(move |index| generator.person(index))
}

struct Generator {
    rng: SplitMix64,
    seed: u64,
    today: NaiveDate,
    /// The first 17 digits of every ID number issued so far.
    used: HashSet<u64>,
    counters: [u64; 3],
}

impl Generator {
    fn person(&mut self, index: u64) -> SyntheticPerson {
        let today = self.today;
        let r = &mut self.rng;
        let age = match r.below(1000) {
            0..70 => r.between(3, 15),
            70..120 => r.between(16, 17),
            120..920 => r.between(18, 65),
            _ => r.between(66, 85),
        };
        let birth = today
            .checked_sub_months(Months::new(12 * age as u32))
            .and_then(|d| d.checked_sub_days(Days::new(r.below(365))))
            .expect("a birth date within the calendar");
        let (hukou, issued_in) = if r.chance(0.96) {
            let hukou = *r.pick(&SHANGHAI);
            let issued = match r.below(100) {
                0..80 => hukou,
                80..95 => *r.pick(&SHANGHAI_RETIRED),
                _ => *r.pick(&ELSEWHERE),
            };
            (hukou, issued)
        } else {
            let hukou = *r.pick(&ELSEWHERE);
            (hukou, hukou)
        };
        let male = r.chance(0.5);
        let id_number = self.id_number(issued_in, birth, male);
        let r = &mut self.rng;

        let (surname, surname_py) = *r.pick(&SURNAMES);
        let mut given = String::new();
        let mut given_py = String::new();
        for _ in 0..=r.below(2) {
            let (c, py) = *r.pick(&GIVEN);
            given.push_str(c);
            given_py.push_str(py);
        }
        let name = PersonName::parse(&format!("{surname}{given}")).expect("listed characters");
        let pinyin = PinyinName::parse(surname_py, &given_py).expect("listed letters");

        let mut documents = Vec::new();
        for (i, (kind, share)) in [
            (DocumentKind::Passport, 0.65),
            (DocumentKind::HkMacaoPermit, 0.55),
            (DocumentKind::TaiwanPermit, 0.12),
        ]
        .into_iter()
        .enumerate()
        {
            if !self.rng.chance(share) {
                continue;
            }
            let r = &mut self.rng;
            let expires_on = if r.chance(0.04) {
                today - Days::new(r.between(1, 1000) as u64)
            } else {
                today + Days::new(r.between(0, 3650) as u64)
            };
            let issued_on = super::demo::usual_issue_date(birth, expires_on).max(birth);
            let status = match r.below(1000) {
                0..15 => DocumentStatus::ReportedLost,
                15..20 => DocumentStatus::Cancelled,
                _ => DocumentStatus::Valid,
            };
            let visa_pages_left = (kind == DocumentKind::Passport).then(|| {
                if r.chance(0.03) {
                    0
                } else {
                    r.between(1, 32) as u8
                }
            });
            let prefix = ["E", "C", "T"][i];
            let number = format!("{prefix}{:08}", self.counters[i]);
            self.counters[i] += 1;
            documents.push(HeldDocument {
                kind,
                number,
                issued_on,
                expires_on,
                status,
                visa_pages_left,
            });
        }

        let r = &mut self.rng;
        let last_border_crossing = match r.below(100) {
            0..30 => None,
            30..95 => Some((Direction::Entry, r.between(1, 730))),
            _ => Some((Direction::Exit, r.between(1, 60))),
        }
        .map(|(direction, days_ago)| BorderCrossing {
            direction,
            at: start_of_day(today - Days::new(days_ago as u64))
                + (NaiveTime::from_hms_opt(r.between(6, 22) as u32, 0, 0).expect("valid")
                    - NaiveTime::MIN),
        });
        let record = PersonRecord {
            id_number,
            birth_date: birth,
            hukou_district: AreaCode::parse(&hukou.to_string()).expect("listed codes"),
            state_functionary: r.chance(0.02),
            active_military: r.chance(0.005),
            fingerprints_on_file: r.chance(0.92),
            documents,
            last_border_crossing,
        };
        let serial = (index
            .wrapping_mul(PHONE_STRIDE)
            .wrapping_add(mix(self.seed)))
            % 100_000_000;
        let phone = MobileNumber::parse(&format!("166{serial:08}")).expect("11 digits");
        SyntheticPerson {
            phone,
            person: RegistryPerson {
                record,
                name,
                pinyin,
            },
        }
    }

    /// A valid ID number not issued before: the sequence is moved on (keeping the sex) until the
    /// number is free.
    fn id_number(&mut self, area: u32, birth: NaiveDate, male: bool) -> IdNumber {
        let date: u64 = birth.format("%Y%m%d").to_string().parse().expect("digits");
        let mut seq = self.rng.below(500) * 2 + u64::from(male);
        // 500 sequence numbers per sex, area and birth date: a population would need hundreds
        // of millions of people before one block fills up.
        for _ in 0..500 {
            let first17 = u64::from(area) * 100_000_000_000 + date * 1000 + seq;
            if self.used.insert(first17) {
                let digits = format!("{first17:017}");
                let bytes: [u8; 17] = digits.as_bytes().try_into().expect("17 digits");
                let text = format!("{digits}{}", check_character(&bytes));
                return IdNumber::parse(&text, self.today).expect("a valid ID number");
            }
            // The next number of the same sex, wrapping within the block.
            seq = (seq + 2) % 1000;
        }
        panic!("synthetic population too large: every ID number of {area} born {birth} is taken")
    }
}
