//! Administrative areas (GB/T 2260): the provinces, and the districts of the pilot city that the
//! service shows by name. This is reference data, not message text: a place's name in each
//! language is a fact about the place.
//!
//! An ID number's address code is where the number was *issued*, which may be an area that no
//! longer exists (Shanghai's Luwan or Zhabei districts, its former counties); a person's current
//! hukou district is a separate fact from the citizen registry.

use serde::{Deserialize, Serialize};
use std::fmt;

use crate::i18n::Locale;

/// A six-digit GB/T 2260 address code whose province part is known.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct AreaCode(u32);

/// Not a six-digit code of a known province.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a GB/T 2260 area code: {0:?}")]
pub struct BadAreaCode(pub String);

impl AreaCode {
    pub fn parse(s: &str) -> Result<AreaCode, BadAreaCode> {
        let bad = || BadAreaCode(s.to_owned());
        if s.len() != 6 || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        let code: u32 = s.parse().map_err(|_| bad())?;
        if province(code / 10_000).is_none() {
            return Err(bad());
        }
        Ok(AreaCode(code))
    }

    pub fn value(self) -> u32 {
        self.0
    }

    /// The two-digit province code.
    pub fn province_code(self) -> u32 {
        self.0 / 10_000
    }

    /// The four-digit prefecture ("city") code, e.g. 3101 for Shanghai's districts.
    pub fn city_code(self) -> u32 {
        self.0 / 100
    }

    pub fn province_name(self, locale: Locale) -> &'static str {
        let (zh, en) = province(self.province_code()).unwrap_or(("", ""));
        match locale {
            Locale::ZhCn => zh,
            Locale::En => en,
        }
    }

    /// The district or county name where wangban knows it (the pilot city's current and retired
    /// codes).
    pub fn district_name(self, locale: Locale) -> Option<&'static str> {
        DISTRICTS
            .iter()
            .find(|d| d.code == self.0)
            .map(|d| match locale {
                Locale::ZhCn => d.zh,
                Locale::En => d.en,
            })
    }

    /// Whether the code is still in use (false for merged or renamed districts).
    pub fn is_current(self) -> Option<bool> {
        DISTRICTS
            .iter()
            .find(|d| d.code == self.0)
            .map(|d| d.current)
    }

    /// "上海市 黄浦区" / "Huangpu, Shanghai": the most precise name known.
    pub fn describe(self, locale: Locale) -> String {
        let province = self.province_name(locale);
        match (self.district_name(locale), locale) {
            (Some(d), Locale::ZhCn) => format!("{province}{d}"),
            (Some(d), Locale::En) => format!("{d}, {province}"),
            (None, _) => province.to_owned(),
        }
    }
}

impl fmt::Display for AreaCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:06}", self.0)
    }
}

impl From<AreaCode> for String {
    fn from(c: AreaCode) -> String {
        c.to_string()
    }
}

impl TryFrom<String> for AreaCode {
    type Error = BadAreaCode;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        AreaCode::parse(&s)
    }
}

fn province(code: u32) -> Option<(&'static str, &'static str)> {
    Some(match code {
        11 => ("北京市", "Beijing"),
        12 => ("天津市", "Tianjin"),
        13 => ("河北省", "Hebei"),
        14 => ("山西省", "Shanxi"),
        15 => ("内蒙古自治区", "Inner Mongolia"),
        21 => ("辽宁省", "Liaoning"),
        22 => ("吉林省", "Jilin"),
        23 => ("黑龙江省", "Heilongjiang"),
        31 => ("上海市", "Shanghai"),
        32 => ("江苏省", "Jiangsu"),
        33 => ("浙江省", "Zhejiang"),
        34 => ("安徽省", "Anhui"),
        35 => ("福建省", "Fujian"),
        36 => ("江西省", "Jiangxi"),
        37 => ("山东省", "Shandong"),
        41 => ("河南省", "Henan"),
        42 => ("湖北省", "Hubei"),
        43 => ("湖南省", "Hunan"),
        44 => ("广东省", "Guangdong"),
        45 => ("广西壮族自治区", "Guangxi"),
        46 => ("海南省", "Hainan"),
        50 => ("重庆市", "Chongqing"),
        51 => ("四川省", "Sichuan"),
        52 => ("贵州省", "Guizhou"),
        53 => ("云南省", "Yunnan"),
        54 => ("西藏自治区", "Xizang"),
        61 => ("陕西省", "Shaanxi"),
        62 => ("甘肃省", "Gansu"),
        63 => ("青海省", "Qinghai"),
        64 => ("宁夏回族自治区", "Ningxia"),
        65 => ("新疆维吾尔自治区", "Xinjiang"),
        71 => ("台湾省", "Taiwan"),
        81 => ("香港特别行政区", "Hong Kong"),
        82 => ("澳门特别行政区", "Macao"),
        83 => ("台湾地区（居住证）", "Taiwan (residence permit)"),
        _ => return None,
    })
}

struct District {
    code: u32,
    zh: &'static str,
    en: &'static str,
    current: bool,
}

const fn d(code: u32, zh: &'static str, en: &'static str, current: bool) -> District {
    District {
        code,
        zh,
        en,
        current,
    }
}

/// Shanghai (GB/T 2260, 2024), with the retired codes that still appear in valid ID numbers.
const DISTRICTS: &[District] = &[
    d(310101, "黄浦区", "Huangpu District", true),
    d(310104, "徐汇区", "Xuhui District", true),
    d(310105, "长宁区", "Changning District", true),
    d(310106, "静安区", "Jing'an District", true),
    d(310107, "普陀区", "Putuo District", true),
    d(310109, "虹口区", "Hongkou District", true),
    d(310110, "杨浦区", "Yangpu District", true),
    d(310112, "闵行区", "Minhang District", true),
    d(310113, "宝山区", "Baoshan District", true),
    d(310114, "嘉定区", "Jiading District", true),
    d(310115, "浦东新区", "Pudong New Area", true),
    d(310116, "金山区", "Jinshan District", true),
    d(310117, "松江区", "Songjiang District", true),
    d(310118, "青浦区", "Qingpu District", true),
    d(310120, "奉贤区", "Fengxian District", true),
    d(310151, "崇明区", "Chongming District", true),
    d(
        310102,
        "南市区（已撤销）",
        "Nanshi District (former)",
        false,
    ),
    d(310103, "卢湾区（已撤销）", "Luwan District (former)", false),
    d(
        310108,
        "闸北区（已撤销）",
        "Zhabei District (former)",
        false,
    ),
    d(
        310111,
        "吴淞区（已撤销）",
        "Wusong District (former)",
        false,
    ),
    d(
        310119,
        "南汇区（已撤销）",
        "Nanhui District (former)",
        false,
    ),
    d(
        310221,
        "上海县（已撤销）",
        "Shanghai County (former)",
        false,
    ),
    d(310222, "嘉定县（已撤销）", "Jiading County (former)", false),
    d(310223, "宝山县（已撤销）", "Baoshan County (former)", false),
    d(
        310224,
        "川沙县（已撤销）",
        "Chuansha County (former)",
        false,
    ),
    d(310225, "南汇县（已撤销）", "Nanhui County (former)", false),
    d(
        310226,
        "奉贤县（已撤销）",
        "Fengxian County (former)",
        false,
    ),
    d(
        310227,
        "松江县（已撤销）",
        "Songjiang County (former)",
        false,
    ),
    d(310228, "金山县（已撤销）", "Jinshan County (former)", false),
    d(310229, "青浦县（已撤销）", "Qingpu County (former)", false),
    d(
        310230,
        "崇明县（已撤销）",
        "Chongming County (former)",
        false,
    ),
];

/// The current districts of the pilot city (Shanghai), for choosing a reception hall.
pub fn current_shanghai_districts() -> impl Iterator<Item = AreaCode> {
    DISTRICTS
        .iter()
        .filter(|d| d.current)
        .map(|d| AreaCode(d.code))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_names_current_and_retired_districts() {
        let huangpu = AreaCode::parse("310101").unwrap();
        assert_eq!(huangpu.city_code(), 3101);
        assert_eq!(huangpu.describe(Locale::ZhCn), "上海市黄浦区");
        assert_eq!(huangpu.describe(Locale::En), "Huangpu District, Shanghai");
        assert_eq!(huangpu.is_current(), Some(true));
        let luwan = AreaCode::parse("310103").unwrap();
        assert_eq!(luwan.is_current(), Some(false));
        let beijing = AreaCode::parse("110105").unwrap();
        assert_eq!(beijing.describe(Locale::En), "Beijing");
        assert_eq!(current_shanghai_districts().count(), 16);
    }

    #[test]
    fn rejects_unknown_provinces_and_bad_shapes() {
        for bad in ["990101", "31010", "3101011", "31010a", "", "000000"] {
            assert!(AreaCode::parse(bad).is_err(), "{bad}");
        }
    }
}
