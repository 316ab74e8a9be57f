//! Free text that people type (addresses, recipients): the characters that must not be kept
//! because they change how the text looks without being seen — direction overrides and marks
//! (a "Trojan Source" address that reads differently on an officer's screen), zero-width
//! characters, other format characters, and combining marks (which stack on the character
//! before and can make one text look like another). Chinese addresses need none of them.

/// Whether `c` is invisible or changes how the text around it is shown: controls (Cc), format
/// characters (Cf: bidi marks and overrides, zero-width space/joiners, the BOM, tag
/// characters…) and combining marks.
pub fn is_invisible_or_combining(c: char) -> bool {
    c.is_control()
        || matches!(c as u32,
            0x00AD                  // soft hyphen
            | 0x0300..=0x036F       // combining diacritical marks
            | 0x0483..=0x0489
            | 0x0600..=0x0605 | 0x061C | 0x06DD | 0x070F | 0x08E2
            | 0x115F | 0x1160       // Hangul fillers (blank)
            | 0x17B4 | 0x17B5 | 0x180B..=0x180F
            | 0x1AB0..=0x1AFF | 0x1DC0..=0x1DFF
            | 0x200B..=0x200F       // zero-width space, ZWNJ, ZWJ, LRM, RLM
            | 0x2028..=0x202E       // separators, LRE RLE PDF LRO RLO
            | 0x2060..=0x206F       // word joiner, invisible operators, LRI RLI FSI PDI
            | 0x20D0..=0x20FF       // combining marks for symbols
            | 0x3164                // Hangul filler
            | 0xFE00..=0xFE0F       // variation selectors
            | 0xFE20..=0xFE2F
            | 0xFEFF                // BOM / zero-width no-break space
            | 0xFFA0
            | 0xFFF9..=0xFFFB
            | 0x1D173..=0x1D17A
            | 0xE0000..=0xE0FFF     // tags, variation selectors supplement
        )
}

/// Full-width ASCII forms (ＡＢＣ１２３) as plain ASCII, and the ideographic space as a space;
/// everything else unchanged.
pub fn fold_full_width(text: &str) -> String {
    text.chars()
        .map(|c| match c as u32 {
            0xFF01..=0xFF5E => char::from_u32(c as u32 - 0xFEE0).unwrap_or(c),
            0x3000 => ' ',
            _ => c,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_the_tricks_and_keeps_plain_text() {
        for c in [
            '\u{202E}',
            '\u{200F}',
            '\u{200D}',
            '\u{200B}',
            '\u{2066}',
            '\u{FEFF}',
            '\u{0301}',
            '\u{0007}',
            '\u{E0041}',
            '\u{FE0F}',
        ] {
            assert!(is_invisible_or_combining(c), "{:04X}", c as u32);
        }
        assert!(
            !"上海市徐汇区漕溪北路88号A座 Room 3-1"
                .chars()
                .any(is_invisible_or_combining)
        );
        assert_eq!(fold_full_width("１３８　ＡＢ"), "138 AB");
    }
}
