//! The config parser on arbitrary text: `Config::parse` never panics; an error names a
//! line inside the text and says what is wrong; a config it accepts builds its modules
//! (what `tapdemon run` does next) without panicking.
#![no_main]

use std::path::Path;

use libfuzzer_sys::fuzz_target;
use tapdemon::config::{Config, ConfigError};

fuzz_target!(|data: &[u8]| {
    // Config::load reads the file as UTF-8; anything else never reaches the parser.
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    match Config::parse(text, Path::new("fuzz.toml")) {
        Ok(config) => {
            let _ = tapdemon::modules::build_all(&config);
        }
        Err(ConfigError::Invalid {
            line, ref message, ..
        }) => {
            // A line past the end (+1: the position just after a final newline) would
            // send the operator to the wrong place.
            let lines = text.split('\n').count();
            assert!(
                (1..=lines).contains(&line),
                "error on line {line} of a {lines}-line text: {message}"
            );
            assert!(!message.is_empty(), "error without a message");
        }
        Err(e @ ConfigError::Read { .. }) => panic!("parse never reads a file: {e}"),
    }
});
