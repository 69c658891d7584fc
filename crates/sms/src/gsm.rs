//! GSM 03.38 (the 7-bit default alphabet with its extension table) and UCS-2, and how many
//! parts a text takes. Written here because no maintained crate decodes GSM-7; property
//! tests hold encode and decode to be inverses.

/// The basic table, by septet value.
const BASIC: [char; 128] = [
    '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å', //
    'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', '\u{1b}', 'Æ', 'æ', 'ß', 'É', //
    ' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/', //
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?', //
    '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', //
    'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§', //
    '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', //
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à', //
];

/// The extension table: characters sent as ESC (0x1B) and this septet.
const EXTENSION: [(u8, char); 10] = [
    (0x0A, '\u{0c}'),
    (0x14, '^'),
    (0x28, '{'),
    (0x29, '}'),
    (0x2F, '\\'),
    (0x3C, '['),
    (0x3D, '~'),
    (0x3E, ']'),
    (0x40, '|'),
    (0x65, '€'),
];

const ESC: u8 = 0x1B;

fn basic(c: char) -> Option<u8> {
    // ESC itself is not a character a text can hold.
    (c != '\u{1b}')
        .then(|| BASIC.iter().position(|b| *b == c))
        .flatten()
        .and_then(|i| u8::try_from(i).ok())
}

fn extension(c: char) -> Option<u8> {
    EXTENSION.iter().find(|(_, e)| *e == c).map(|(s, _)| *s)
}

/// Septets a character takes in GSM-7, or `None` if it has none.
fn septets(c: char) -> Option<usize> {
    if basic(c).is_some() {
        Some(1)
    } else if extension(c).is_some() {
        Some(2)
    } else {
        None
    }
}

/// A text as GSM-7 septets, one per byte (unpacked), or `None` if a character is not in
/// GSM 03.38.
pub fn encode_gsm7(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        if let Some(s) = basic(c) {
            out.push(s);
        } else {
            out.push(ESC);
            out.push(extension(c)?);
        }
    }
    Some(out)
}

/// Unpacked GSM-7 septets back to text. An unknown escape reads as its basic character and
/// a trailing ESC as a space, as handsets show them (3GPP TS 23.038).
pub fn decode_gsm7(septets: &[u8]) -> String {
    let mut out = String::with_capacity(septets.len());
    let mut it = septets.iter();
    while let Some(&s) = it.next() {
        let s = s & 0x7F;
        if s == ESC {
            match it.next() {
                Some(&e) => {
                    let e = e & 0x7F;
                    let c = EXTENSION
                        .iter()
                        .find(|(x, _)| *x == e)
                        .map_or(BASIC[usize::from(e)], |(_, c)| *c);
                    out.push(if c == '\u{1b}' { ' ' } else { c });
                }
                None => out.push(' '),
            }
        } else {
            out.push(BASIC[usize::from(s)]);
        }
    }
    out
}

/// How a text goes over the air.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    /// The GSM 03.38 default alphabet: 160 characters in one part, 153 per part when split.
    Gsm7,
    /// UTF-16 code units: 70 in one part, 67 per part when split.
    Ucs2,
}

/// A text's encoding, parts and length in that encoding's units.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segments {
    pub encoding: Encoding,
    pub parts: usize,
    /// Septets (GSM-7) or UTF-16 code units (UCS-2).
    pub units: usize,
}

/// Fills parts of `per_part` units with items of the given widths, never splitting one.
fn count_parts(widths: impl Iterator<Item = usize>, per_part: usize) -> usize {
    let mut parts = 1;
    let mut used = 0;
    for w in widths {
        if used + w > per_part {
            parts += 1;
            used = 0;
        }
        used += w;
    }
    parts
}

/// The encoding and number of parts a text needs. An escape pair (GSM-7) or a surrogate
/// pair (UCS-2) is never split across parts.
pub fn segments(text: &str) -> Segments {
    let gsm: Option<Vec<usize>> = text.chars().map(septets).collect();
    match gsm {
        Some(widths) => {
            let units = widths.iter().sum();
            let parts = if units <= 160 {
                1
            } else {
                count_parts(widths.into_iter(), 153)
            };
            Segments {
                encoding: Encoding::Gsm7,
                parts,
                units,
            }
        }
        None => {
            let widths: Vec<usize> = text.chars().map(char::len_utf16).collect();
            let units = widths.iter().sum();
            let parts = if units <= 70 {
                1
            } else {
                count_parts(widths.into_iter(), 67)
            };
            Segments {
                encoding: Encoding::Ucs2,
                parts,
                units,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn swedish_letters_are_gsm_characters() {
        let s = segments("Kan du jobba lördag på Ekbacken? Svara JA 4821 eller NEJ 4821. ÅÄÖ åäö");
        assert_eq!(s.encoding, Encoding::Gsm7);
        assert_eq!(s.parts, 1);
    }

    #[test]
    fn limits_are_160_and_153_for_gsm_70_and_67_for_ucs2() {
        assert_eq!(segments(&"a".repeat(160)).parts, 1);
        assert_eq!(segments(&"a".repeat(161)).parts, 2);
        assert_eq!(segments(&"a".repeat(306)).parts, 2);
        assert_eq!(segments(&"a".repeat(307)).parts, 3);
        // The euro sign takes two septets.
        assert_eq!(segments(&"€".repeat(80)).units, 160);
        assert_eq!(segments(&"€".repeat(81)).parts, 2);
        // An en dash is not GSM: the whole text goes UCS-2.
        let dash = segments("07:00–15:30");
        assert_eq!(dash.encoding, Encoding::Ucs2);
        assert_eq!(segments(&"–".repeat(70)).parts, 1);
        assert_eq!(segments(&"–".repeat(71)).parts, 2);
        assert_eq!(segments(&"–".repeat(134)).parts, 2);
        assert_eq!(segments(&"–".repeat(135)).parts, 3);
        // A surrogate pair is not split: after 66 units the emoji opens the second part,
        // so 134 units take three parts where 2 × 67 would seem to hold them.
        let text = format!("{}😀{}", "–".repeat(66), "–".repeat(66));
        assert_eq!(segments(&text).units, 134);
        assert_eq!(segments(&text).parts, 3);
    }

    #[test]
    fn an_escape_pair_is_not_split_across_parts() {
        // 152 septets then a two-septet character: it moves to the second part.
        let text = format!("{}€{}", "a".repeat(152), "a".repeat(10));
        assert_eq!(segments(&text).units, 164);
        assert_eq!(segments(&text).parts, 2);
    }

    proptest! {
        #[test]
        fn gsm_text_round_trips(s in "[@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,./0-9:;<=>?¡A-ZÄÖÑÜ§¿a-zäöñüà^{}\\[~\\]|€-]{0,200}") {
            let septets = encode_gsm7(&s).ok_or_else(|| TestCaseError::fail("not GSM"))?;
            prop_assert!(septets.iter().all(|b| *b < 128));
            prop_assert_eq!(decode_gsm7(&septets), s.clone());
            prop_assert_eq!(segments(&s).encoding, Encoding::Gsm7);
            prop_assert_eq!(segments(&s).units, septets.len());
        }

        #[test]
        fn any_septets_decode_and_reencode_to_themselves_when_valid(bytes in proptest::collection::vec(0u8..128, 0..300)) {
            let text = decode_gsm7(&bytes);
            if let Some(again) = encode_gsm7(&text) {
                prop_assert_eq!(decode_gsm7(&again), text);
            }
        }

        #[test]
        fn parts_hold_every_unit(s in "\\PC{0,400}") {
            let seg = segments(&s);
            let per = match (seg.encoding, seg.parts) {
                (_, 1) => usize::MAX,
                (Encoding::Gsm7, _) => 153,
                (Encoding::Ucs2, _) => 67,
            };
            if seg.parts > 1 {
                prop_assert!(seg.units <= seg.parts * per);
                // A closed part lacks at most one unit: the half of a pair that did not fit.
                prop_assert!(seg.units > (seg.parts - 1) * (per - 1));
            }
        }
    }
}
