//! A named EPCIS query or a subscription from outside (`POST /epcis/queries`, `POST
//! /epcis/queries/{name}/subscriptions`): reading its saved query and its schedule never
//! panics, and a schedule that compiles answers for any time.

use serde_json::Value;
use unchain_node::named_queries::{compile, schedule::Schedule};

/// One input: a JSON object with `query` and/or `schedule`.
pub fn run(data: &[u8]) {
    let Ok(v) = serde_json::from_slice::<Value>(data) else {
        return;
    };
    if let Some(q) = v.get("query").and_then(Value::as_object) {
        let _ = compile(q);
    }
    let Some(s) = v.get("schedule") else {
        return;
    };
    let Ok(schedule) = serde_json::from_value::<Schedule>(s.clone()) else {
        return;
    };
    if let Ok(c) = schedule.compile() {
        // Any second of any day: a leap day, a Sunday, the end of a month, the epoch.
        for t in [
            0i64,
            951_782_400,
            1_798_675_199,
            1_796_515_200,
            4_102_444_799,
        ] {
            if let Ok(at) = time::OffsetDateTime::from_unix_timestamp(t) {
                let _ = c.matches(at);
            }
        }
    }
}
