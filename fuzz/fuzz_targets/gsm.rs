//! `RUSTC_BOOTSTRAP=1 cargo fuzz run gsm`: GSM-7 encoding round-trips and segment counts
//! hold every unit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use passa_sms::{decode_gsm7, encode_gsm7, segments};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Some(septets) = encode_gsm7(&text) {
        assert_eq!(decode_gsm7(&septets), text);
    }
    let s = segments(&text);
    assert!(s.parts >= 1);
});
