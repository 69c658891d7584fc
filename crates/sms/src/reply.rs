//! What an inbound SMS says. Tolerant of case, punctuation and spacing (`ja`, `JA!`,
//! ` Ja 4821 `, `ja4821`, `Nej, 4821.`); anything it cannot read is [`Reply::Unknown`].

use crate::OfferCode;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Keyword {
    Yes,
    No,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reply {
    /// JA or NEJ, with the code if one was given.
    Answer {
        keyword: Keyword,
        code: Option<OfferCode>,
    },
    /// Opt out of offers.
    Stop,
    /// Opt back in.
    Start,
    Unknown,
}

fn keyword(word: &str) -> Option<Reply> {
    let answer = |keyword| Reply::Answer {
        keyword,
        code: None,
    };
    match word {
        "JA" | "JAA" | "JAPP" => Some(answer(Keyword::Yes)),
        "NEJ" | "NÄ" | "NEEJ" => Some(answer(Keyword::No)),
        "STOP" | "STOPP" => Some(Reply::Stop),
        "START" => Some(Reply::Start),
        _ => None,
    }
}

/// Reads a reply. The first word is the keyword; a run of digits right after it (with or
/// without a space) is the code; words after that are ignored ("JA 4821 tack!").
pub fn parse_reply(text: &str) -> Reply {
    // Letters and digits only; everything else separates words.
    let cleaned: String = text
        .chars()
        .take(200)
        .map(|c| {
            if c.is_alphanumeric() {
                c.to_uppercase().next().unwrap_or(c)
            } else {
                ' '
            }
        })
        .collect();
    let mut words = cleaned.split_whitespace();
    let Some(first) = words.next() else {
        return Reply::Unknown;
    };
    // "JA4821": the keyword and the code written together.
    let split = first
        .char_indices()
        .find(|(_, c)| c.is_ascii_digit())
        .map_or(first.len(), |(i, _)| i);
    let (head, tail) = first.split_at(split);
    let Some(mut reply) = keyword(head) else {
        return Reply::Unknown;
    };
    let code_text = if tail.is_empty() {
        words
            .next()
            .filter(|w| w.chars().all(|c| c.is_ascii_digit()))
    } else {
        Some(tail)
    };
    match (&mut reply, code_text) {
        (Reply::Answer { code, .. }, Some(digits)) => match OfferCode::parse(digits) {
            Some(c) => *code = Some(c),
            None => return Reply::Unknown,
        },
        // STOP4821 is not a command.
        (Reply::Stop | Reply::Start, Some(_)) if !tail.is_empty() => return Reply::Unknown,
        _ => {}
    }
    reply
}
