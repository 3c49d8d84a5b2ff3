//! `/metrics`' outside input: the request's `Accept` header, and the OpenMetrics text the
//! Prometheus-format translation reads. Never panics; a header that does not name
//! OpenMetrics never gets it; the translation never carries OpenMetrics-only lines.

use unchain_node::api::exposition::{to_prometheus_text, wants_openmetrics};

/// One input: the header, then (after a unit separator) the exposition text.
pub fn run(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (accept, exposition) = text.split_once('\u{1f}').unwrap_or((text, ""));
    if wants_openmetrics(Some(accept)) {
        assert!(
            accept
                .to_ascii_lowercase()
                .contains("application/openmetrics-text"),
            "{accept:?}"
        );
    }
    for line in to_prometheus_text(exposition).lines() {
        assert!(
            !line.is_empty() && line != "# EOF" && !line.starts_with("# UNIT "),
            "{line:?}"
        );
    }
}
