//! `RUSTC_BOOTSTRAP=1 cargo fuzz run reply`: the reply parser takes any bytes without
//! panicking, and a code it returns is digits only.
#![no_main]

use libfuzzer_sys::fuzz_target;
use passa_sms::{Reply, parse_reply};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Reply::Answer { code: Some(code), .. } = parse_reply(&text) {
        assert!(code.as_str().bytes().all(|b| b.is_ascii_digit()));
    }
});
