//! The reply grammar on the inputs people really type.

use passa_sms::{Keyword, OfferCode, Reply, parse_reply};
use proptest::prelude::*;

fn answer(keyword: Keyword, code: Option<&str>) -> Reply {
    Reply::Answer {
        keyword,
        code: code.and_then(OfferCode::parse),
    }
}

#[test]
fn the_reply_table() {
    use Keyword::{No, Yes};
    let table: &[(&str, Reply)] = &[
        ("JA 4821", answer(Yes, Some("4821"))),
        ("ja 4821", answer(Yes, Some("4821"))),
        (" Ja 4821 ", answer(Yes, Some("4821"))),
        ("JA!", answer(Yes, None)),
        ("ja", answer(Yes, None)),
        ("Ja.", answer(Yes, None)),
        ("ja4821", answer(Yes, Some("4821"))),
        ("JA, 4821!", answer(Yes, Some("4821"))),
        ("ja 4821 tack!", answer(Yes, Some("4821"))),
        ("Ja tack", answer(Yes, None)),
        ("NEJ 4821", answer(No, Some("4821"))),
        ("nej", answer(No, None)),
        ("Nej, 4821.", answer(No, Some("4821"))),
        ("JA 1234", answer(Yes, Some("1234"))),
        ("JA 12", answer(Yes, Some("12"))),
        ("STOP", Reply::Stop),
        ("stopp", Reply::Stop),
        ("Start", Reply::Start),
        ("", Reply::Unknown),
        ("   ", Reply::Unknown),
        ("hej", Reply::Unknown),
        ("kanske", Reply::Unknown),
        ("jaså 4821", Reply::Unknown),
        ("ja4821x", Reply::Unknown),
        ("STOP4821", Reply::Unknown),
        ("4821", Reply::Unknown),
        ("JA 123456789", Reply::Unknown),
    ];
    for (input, expected) in table {
        assert_eq!(&parse_reply(input), expected, "{input:?}");
    }
}

#[test]
fn a_code_never_shows_in_debug_output() {
    let reply = parse_reply("JA 4821");
    assert!(!format!("{reply:?}").contains("4821"));
}

proptest! {
    #[test]
    fn the_parser_takes_any_text(s in "\\PC{0,300}") {
        let _ = parse_reply(&s);
    }

    #[test]
    fn a_code_always_comes_back(code in 1000u32..=9999, yes: bool, sep in "[ ,.!:]{0,3}", tail in "( tack| tack!)?") {
        let word = if yes { "ja" } else { "NEJ" };
        let text = format!("{word}{sep}{code}{tail}");
        let reply = parse_reply(&text);
        let keyword = if yes { Keyword::Yes } else { Keyword::No };
        prop_assert_eq!(reply, answer(keyword, Some(&code.to_string())));
    }
}
