//! `/metrics`' outside input: the `Accept` header and the OpenMetrics text translated to
//! the Prometheus text format. Never panics; only a header naming OpenMetrics gets it; the
//! translation carries no OpenMetrics-only line.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| unchain_fuzzing::targets::metrics_accept::run(data));
