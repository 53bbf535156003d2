#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| opslint::fuzz::nrpe(data));
