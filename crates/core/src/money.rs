//! Money in integer fen (分, 1/100 yuan). No floating point anywhere near a fee.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::i18n::{Localize, Message};

/// An amount of money in fen.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[serde(transparent)]
pub struct Fen(u64);

impl Fen {
    pub const ZERO: Fen = Fen(0);

    pub const fn new(fen: u64) -> Fen {
        Fen(fen)
    }

    pub const fn from_yuan(yuan: u64) -> Fen {
        Fen(yuan * 100)
    }

    pub const fn get(self) -> u64 {
        self.0
    }

    pub fn checked_add(self, other: Fen) -> Option<Fen> {
        self.0.checked_add(other.0).map(Fen)
    }
}

/// `¥120.00`
impl fmt::Display for Fen {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "¥{}.{:02}", self.0 / 100, self.0 % 100)
    }
}

#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not an amount in yuan (for example 120 or 60.50)")]
pub struct BadAmount(pub String);

impl Localize for BadAmount {
    fn message(&self) -> Message {
        Message::new("money-bad-amount").with("text", self.0.as_str())
    }
}

/// Parses yuan as people write them: `120`, `120.5`, `¥60.00`, `60元`.
impl FromStr for Fen {
    type Err = BadAmount;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let bad = || BadAmount(s.to_owned());
        let t = s.trim();
        let t = t
            .strip_prefix('¥')
            .or_else(|| t.strip_prefix('￥'))
            .unwrap_or(t);
        let t = t.strip_suffix('元').unwrap_or(t).trim();
        let (whole, frac) = t.split_once('.').unwrap_or((t, ""));
        if whole.is_empty()
            || whole.len() > 12
            || frac.len() > 2
            || !whole.bytes().all(|b| b.is_ascii_digit())
            || !frac.bytes().all(|b| b.is_ascii_digit())
        {
            return Err(bad());
        }
        let whole: u64 = whole.parse().map_err(|_| bad())?;
        let frac: u64 = match frac.len() {
            0 => 0,
            1 => frac.parse::<u64>().map_err(|_| bad())? * 10,
            _ => frac.parse().map_err(|_| bad())?,
        };
        Ok(Fen(whole * 100 + frac))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_displays_yuan() {
        assert_eq!("120".parse::<Fen>(), Ok(Fen::new(12000)));
        assert_eq!("¥60.5".parse::<Fen>(), Ok(Fen::new(6050)));
        assert_eq!("15元".parse::<Fen>(), Ok(Fen::new(1500)));
        assert_eq!("0.05".parse::<Fen>(), Ok(Fen::new(5)));
        assert_eq!(Fen::new(12000).to_string(), "¥120.00");
        assert_eq!(Fen::new(5).to_string(), "¥0.05");
        for bad in [
            "",
            "-1",
            "1.234",
            "1e3",
            "abc",
            ".5",
            "1,000",
            "9999999999999",
        ] {
            assert!(bad.parse::<Fen>().is_err(), "{bad}");
        }
    }
}
