//! The two metrics exposition formats `/metrics` serves, chosen by the request's `Accept`
//! header: OpenMetrics 1.0, as the metrics registry renders it, for a scraper that asks
//! for it (Prometheus does, first); otherwise the Prometheus text format 0.0.4, which
//! `promtool` and older scrapers read, translated from it.
//!
//! The translation is what the two formats' specifications differ in, for what the
//! registry renders: a counter family `x` is `x_total` in 0.0.4 (its `# TYPE` and
//! `# HELP` name the sample); an info family `x` is a gauge `x_info`; `unknown` is
//! `untyped`; `# UNIT`, `# EOF`, `_created` samples and exemplars have no place there;
//! `\"` in help text is OpenMetrics' escape only.

use std::collections::BTreeMap;

/// OpenMetrics 1.0's content type.
pub const OPENMETRICS: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

/// The Prometheus text format's content type.
pub const PROMETHEUS_TEXT: &str = "text/plain; version=0.0.4; charset=utf-8";

/// Whether a request with `accept` gets OpenMetrics: it names
/// `application/openmetrics-text` with a weight above zero and at least that of any range
/// that also matches the Prometheus text format (`text/plain`, `text/*`, `*/*`). No header,
/// or only those, gets the text format.
pub fn wants_openmetrics(accept: Option<&str>) -> bool {
    let Some(accept) = accept else {
        return false;
    };
    let (mut openmetrics, mut text) = (0.0f32, 0.0f32);
    for range in accept.split(',') {
        let mut parts = range.split(';').map(str::trim);
        let media = parts.next().unwrap_or("").to_ascii_lowercase();
        let mut q = 1.0f32;
        for param in parts {
            if let Some((name, value)) = param.split_once('=')
                && name.trim().eq_ignore_ascii_case("q")
            {
                q = value.trim().parse().unwrap_or(0.0);
            }
        }
        match media.as_str() {
            "application/openmetrics-text" => openmetrics = openmetrics.max(q),
            "text/plain" | "text/*" | "*/*" => text = text.max(q),
            _ => {}
        }
    }
    openmetrics > 0.0 && openmetrics >= text
}

/// Whether `name` is a metric name: `[a-zA-Z_:][a-zA-Z0-9_:]*`.
fn is_metric_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_' || b == b':')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':')
}

/// A whole OpenMetrics exposition, `openmetrics`, in the Prometheus text format 0.0.4.
pub fn to_prometheus_text(openmetrics: &str) -> String {
    // Each family's type, from its `# TYPE` line.
    let types: BTreeMap<&str, &str> = openmetrics
        .lines()
        .filter_map(|l| l.strip_prefix("# TYPE "))
        .filter_map(|rest| rest.split_once(' '))
        .collect();
    let renamed = |family: &str, kind: &str| match kind {
        "counter" => format!("{family}_total"),
        "info" => format!("{family}_info"),
        _ => family.to_owned(),
    };
    let mut out = String::with_capacity(openmetrics.len());
    for line in openmetrics.lines() {
        if line == "# EOF" || line.starts_with("# UNIT ") {
            continue;
        }
        if let Some(rest) = line.strip_prefix("# TYPE ") {
            let Some((family, kind)) = rest.split_once(' ') else {
                continue;
            };
            let kind_text = match kind {
                "counter" => "counter",
                "gauge" | "info" | "stateset" => "gauge",
                "histogram" => "histogram",
                "summary" => "summary",
                _ => "untyped",
            };
            out.push_str(&format!("# TYPE {} {kind_text}\n", renamed(family, kind)));
            continue;
        }
        if let Some(rest) = line.strip_prefix("# HELP ") {
            let (family, help) = rest.split_once(' ').unwrap_or((rest, ""));
            let kind = types.get(family).copied().unwrap_or("unknown");
            out.push_str(&format!(
                "# HELP {} {}\n",
                renamed(family, kind),
                help.replace("\\\"", "\"")
            ));
            continue;
        }
        if line.starts_with('#') || line.is_empty() {
            continue;
        }
        let name_end = line.find(['{', ' ']).unwrap_or(line.len());
        let name = &line[..name_end];
        // A sample names its metric first; a line that starts otherwise (with a space, or a
        // carriage return, say) is no sample, and copying it could write an empty line.
        if !is_metric_name(name) {
            continue;
        }
        if name.ends_with("_created")
            && matches!(
                kind_of(&types, name),
                Some("counter" | "histogram" | "summary")
            )
        {
            continue;
        }
        // An exemplar follows its sample after " # ", outside the labels.
        let labels_end = labels_end(line, name_end);
        let sample = match line[labels_end..].find(" # ") {
            Some(i) => &line[..labels_end + i],
            None => line,
        };
        out.push_str(sample);
        out.push('\n');
    }
    out
}

/// The type of the family sample `name` belongs to: its own, or that of its name less a
/// suffix the type adds.
fn kind_of<'a>(types: &BTreeMap<&'a str, &'a str>, name: &str) -> Option<&'a str> {
    if let Some(t) = types.get(name) {
        return Some(t);
    }
    ["_total", "_created", "_bucket", "_sum", "_count", "_info"]
        .iter()
        .filter_map(|suffix| name.strip_suffix(suffix))
        .find_map(|base| types.get(base).copied())
}

/// Where a sample's labels end: after the `}` that closes the `{` at `start`, quotes and
/// escapes inside label values skipped; `start` itself when the sample has no labels.
fn labels_end(line: &str, start: usize) -> usize {
    if !line[start..].starts_with('{') {
        return start;
    }
    let (mut quoted, mut escaped) = (false, false);
    for (i, c) in line[start..].char_indices() {
        match c {
            _ if escaped => escaped = false,
            '\\' if quoted => escaped = true,
            '"' => quoted = !quoted,
            '}' if !quoted => return start + i + 1,
            _ => {}
        }
    }
    line.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Found by the `metrics_accept` fuzz target: a line starting with a space and holding
    /// " # " was copied as an empty line.
    #[test]
    fn a_line_that_names_no_metric_is_left_out() {
        let text =
            "# TYPE requests counter\n # not a sample # here\n\r\r\nrequests_total 1\n# EOF\n";
        assert_eq!(
            to_prometheus_text(text),
            "# TYPE requests_total counter\nrequests_total 1\n"
        );
    }

    #[test]
    fn prometheus_asks_for_openmetrics_and_a_plain_client_gets_text() {
        let prometheus = "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1";
        assert!(wants_openmetrics(Some(prometheus)));
        assert!(wants_openmetrics(Some("application/openmetrics-text")));
        assert!(!wants_openmetrics(None));
        assert!(!wants_openmetrics(Some("*/*")));
        assert!(!wants_openmetrics(Some("text/plain")));
        assert!(!wants_openmetrics(Some(
            "text/plain;q=1, application/openmetrics-text;q=0.5"
        )));
        assert!(!wants_openmetrics(Some("application/openmetrics-text;q=0")));
    }

    #[test]
    fn counters_info_and_the_rest_translate_to_the_text_format() {
        let om = "# HELP tx_committed Transactions \\\"committed\\\".\n\
                  # TYPE tx_committed counter\n\
                  tx_committed_total 7\n\
                  tx_committed_created 1.7e9\n\
                  # HELP build Build.\n\
                  # TYPE build info\n\
                  build_info{version=\"1\"} 1\n\
                  # HELP height Height.\n\
                  # TYPE height gauge\n\
                  # UNIT height blocks\n\
                  height 12\n\
                  # HELP lat Latency.\n\
                  # TYPE lat histogram\n\
                  lat_bucket{le=\"0.5\"} 1 # {trace_id=\"a\"} 0.4\n\
                  lat_bucket{le=\"+Inf\"} 2\n\
                  lat_sum 1.2\n\
                  lat_count 2\n\
                  # TYPE odd unknown\n\
                  odd{note=\"a # b}\"} 3 # {x=\"y\"} 1\n\
                  # EOF\n";
        let text = to_prometheus_text(om);
        let expected = "# HELP tx_committed_total Transactions \"committed\".\n\
                        # TYPE tx_committed_total counter\n\
                        tx_committed_total 7\n\
                        # HELP build_info Build.\n\
                        # TYPE build_info gauge\n\
                        build_info{version=\"1\"} 1\n\
                        # HELP height Height.\n\
                        # TYPE height gauge\n\
                        height 12\n\
                        # HELP lat Latency.\n\
                        # TYPE lat histogram\n\
                        lat_bucket{le=\"0.5\"} 1\n\
                        lat_bucket{le=\"+Inf\"} 2\n\
                        lat_sum 1.2\n\
                        lat_count 2\n\
                        # TYPE odd untyped\n\
                        odd{note=\"a # b}\"} 3\n";
        assert_eq!(text, expected);
    }
}
