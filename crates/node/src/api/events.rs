//! `/v1/events`: a Server-Sent Events stream, per organisation, of what concerns it — match
//! alerts, records shared with it, cases referred to it, evidence handed over to it and
//! waiting for its signature, its agreements' breaches, contests and arbiters' decisions,
//! and every missing-child flag on the chain. Each event's `id` is the log index of the transaction that
//! caused it; a client resumes with `Last-Event-ID` (or `?after=`) and misses nothing.

use super::vault::{authenticate, internal};
use super::{ApiState, Problem};
use axum::extract::{Query, State};
use axum::http::{HeaderMap, Method, Uri};
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::Stream;
use serde::{Deserialize, Serialize};
use std::collections::VecDeque;
use std::convert::Infallible;
use std::time::Duration;
use unchain_ledger::StateReader;

/// One event of the stream.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct StreamEvent {
    /// The log index of the transaction that caused it (the SSE `id`).
    pub id: u64,
    /// `match_alert`, `record_shared`, `referral`, `handover_waiting`, `agreement_breach`,
    /// `agreement_contested`, `agreement_decided`, `missing_child` or `child_found` (the
    /// SSE `event`).
    pub kind: String,
    /// What happened (the SSE `data`, JSON).
    pub data: serde_json::Value,
}

/// Query of the stream.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
pub struct EventsQuery {
    /// Only events after this id (as `Last-Event-ID`).
    pub after: Option<u64>,
}

/// The key after which entries `prefix{log:020}…` have a log index of at least `from`.
fn after_key(prefix: &str, from: u64) -> Vec<u8> {
    if from == 0 {
        Vec::new()
    } else {
        format!("{prefix}{:020}~", from - 1).into_bytes()
    }
}

fn log_index_of(key: &[u8], prefix: &str) -> u64 {
    std::str::from_utf8(&key[prefix.len()..])
        .ok()
        .and_then(|s| s.get(..20))
        .and_then(|s| s.parse().ok())
        .expect("event keys carry a 20-digit log index")
}

/// The entries under `prefix` (keys `prefix{log index:020}…`) caused at log index `from`
/// or later, with their log index.
fn entries_from(r: &StateReader, prefix: &str, from: u64) -> Result<Vec<(u64, Vec<u8>)>, Problem> {
    Ok(
        r.scan_prefix_after(prefix.as_bytes(), &after_key(prefix, from))
            .map_err(internal)?
            .into_iter()
            .map(|(k, v)| (log_index_of(&k, prefix), v))
            .collect(),
    )
}

/// Every event for `member` caused at log index `from` or later, in log order.
pub fn collect(r: &StateReader, member: &str, from: u64) -> Result<Vec<StreamEvent>, Problem> {
    let event = |id: u64, kind: &str, data: serde_json::Value| StreamEvent {
        id,
        kind: kind.into(),
        data,
    };
    let mut out = Vec::new();
    for (id, v) in entries_from(r, &format!("vault/alert/{member}/"), from)? {
        out.push(event(
            id,
            "match_alert",
            serde_json::from_slice(&v).map_err(internal)?,
        ));
    }
    for (id, v) in entries_from(r, &format!("vault/feed/{member}/"), from)? {
        let entry: unchain_vault::state::FeedEntry =
            serde_json::from_slice(&v).map_err(internal)?;
        let Some((record, _)) =
            unchain_vault::state::record_access(|k| r.get(k), &entry.record, member)
                .map_err(internal)?
        else {
            continue;
        };
        // Its own seals are not news to an organisation; what others share with it is.
        if record.owner != member {
            let data = serde_json::json!({
                "record": entry.record,
                "version": entry.version,
                "owner": record.owner,
                "schema": record.schema,
            });
            out.push(event(id, "record_shared", data));
        }
    }
    for (id, v) in entries_from(r, &unchain_agree::state::notice_prefix(member), from)? {
        let notice: unchain_agree::state::Notice = serde_json::from_slice(&v).map_err(internal)?;
        let kind = notice.kind.clone();
        out.push(event(
            id,
            &kind,
            serde_json::to_value(&notice).map_err(internal)?,
        ));
    }
    for (id, v) in entries_from(r, &format!("cases/inbox/{member}/"), from)? {
        out.push(event(
            id,
            "referral",
            serde_json::from_slice(&v).map_err(internal)?,
        ));
    }
    // A missing-child flag (or its clearing) goes to every organisation: border agencies
    // above all. It carries only the pseudonymous child id.
    for (id, v) in entries_from(r, unchain_identity::MISSING_FEED, from)? {
        let flag: unchain_identity::rules::MissingFlag =
            serde_json::from_slice(&v).map_err(internal)?;
        let kind = if flag.missing {
            "missing_child"
        } else {
            "child_found"
        };
        out.push(event(
            id,
            kind,
            serde_json::to_value(&flag).map_err(internal)?,
        ));
    }
    for item in unchain_custody::waiting(r, member).map_err(internal)? {
        // The item's latest event is the transfer waiting for this member.
        let Some(transfer) =
            unchain_custody::event(r, &item.item, item.events).map_err(internal)?
        else {
            continue;
        };
        if transfer.log_index >= from {
            let data = serde_json::to_value(&item).map_err(internal)?;
            out.push(event(transfer.log_index, "handover_waiting", data));
        }
    }
    out.sort_by_key(|e| e.id);
    Ok(out)
}

fn last_event_id(headers: &HeaderMap) -> Option<u64> {
    headers
        .get("last-event-id")
        .and_then(|v| v.to_str().ok())
        .and_then(|s| s.parse().ok())
}

/// The caller's live events (Server-Sent Events).
#[utoipa::path(get, path = "/v1/events", params(EventsQuery),
    responses((status = 200, description = "text/event-stream of match_alert, record_shared, referral and handover_waiting events", content_type = "text/event-stream"), (status = 401, body = Problem)))]
pub async fn stream(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Query(q): Query<EventsQuery>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, Problem> {
    let member = authenticate(&state, &method, &uri, &headers, b"")?.name;
    let from = last_event_id(&headers)
        .or(q.after)
        .map_or(0, |a| a.saturating_add(1));
    let heads = state.heads.clone();
    let init = (state, member, from, heads, VecDeque::<StreamEvent>::new());
    let events = futures::stream::unfold(
        init,
        |(state, member, mut from, mut heads, mut queue)| async move {
            loop {
                if let Some(e) = queue.pop_front() {
                    let event = Event::default()
                        .id(e.id.to_string())
                        .event(e.kind.clone())
                        .json_data(&e.data)
                        .expect("events serialise");
                    return Some((Ok(event), (state, member, from, heads, queue)));
                }
                heads.borrow_and_update();
                let found = match state.ledger.state_reader() {
                    Ok(r) => collect(&r, &member, from).unwrap_or_default(),
                    Err(_) => Vec::new(),
                };
                if let Some(last) = found.last() {
                    from = last.id + 1;
                    queue.extend(found);
                    continue;
                }
                if heads.changed().await.is_err() {
                    return None;
                }
            }
        },
    );
    // The stream opens with a comment and the reconnection delay: a client (or a proxy
    // that buffers) sees at once that it is live, before the first event.
    let open = futures::stream::once(std::future::ready(Ok::<Event, Infallible>(
        Event::default()
            .comment("open")
            .retry(Duration::from_secs(3)),
    )));
    Ok(Sse::new(futures::StreamExt::chain(open, events))
        .keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;
    use std::sync::Arc;
    use unchain_ledger::Role;
    use unchain_testkit::{Chain, GENESIS_TIME_MS, Org};
    use unchain_types::Hash32;

    #[test]
    fn an_agency_sees_what_concerns_it_in_log_order_and_resumes_without_loss() {
        let dir = tempfile::tempdir().expect("tempdir");
        let roles = [Role::Governance, Role::Records, Role::Cases, Role::Custody];
        let mut th = Org::new("events", 1, "th-dsi", &roles);
        let mut ph = Org::new("events", 2, "ph-iacat", &roles);
        let other = Org::new("events", 3, "gb-other", &roles);
        let mut c = Chain::new(dir.path(), &[&th, &ph, &other], |g| {
            vec![
                Arc::new(unchain_vault::VaultModule::new(g)),
                Arc::new(unchain_cases::CasesModule),
                Arc::new(unchain_custody::CustodyModule),
            ]
        });
        let (record, _) = c.seal(&mut th, "case", "htcds.case", b"{}");
        c.grant(&mut th, &ph, &record);
        c.ok(&th.tx(
            "cases.open",
            json!({"case": "TH-1", "kind": "case", "record": record.to_hex(), "actor": "u-1"}),
        ));
        c.ok(&th.tx(
            "cases.refer",
            json!({"case": "TH-1", "to": "ph-iacat", "reason": "MigrationOrChangeOfLocation", "actor": "u-1"}),
        ));
        let item = Hash32::digest(b"phone");
        let base = json!({"item": item.to_hex(), "actor": "u-1", "at_ms": GENESIS_TIME_MS, "location": "port", "reason": "seized"});
        let mut collect_body = base.clone();
        for (k, v) in [
            ("evidence", json!("physical")),
            ("content_hash", json!(item.to_hex())),
            ("description", json!("phone")),
        ] {
            collect_body[k] = v;
        }
        let collected = c.ok(&th.tx("custody.collect", collect_body));
        let mut transfer = base.clone();
        transfer["prev"] = json!(collected.to_string());
        transfer["to"] = json!("ph-iacat");
        let transferred = c.ok(&th.tx("custody.transfer", transfer));

        let r = c.ledger.state_reader().expect("reader");
        let all = collect(&r, "ph-iacat", 0).expect("events");
        let kinds: Vec<&str> = all.iter().map(|e| e.kind.as_str()).collect();
        assert_eq!(kinds, ["record_shared", "referral", "handover_waiting"]);
        assert!(all.windows(2).all(|w| w[0].id < w[1].id), "log order");
        assert_eq!(all[1].data["case"], "TH-1");
        // Resuming after an event gives exactly the ones after it.
        for (i, e) in all.iter().enumerate() {
            let rest = collect(&r, "ph-iacat", e.id + 1).expect("events");
            assert_eq!(rest, all[i + 1..]);
            assert_eq!(collect(&r, "ph-iacat", e.id).expect("events"), all[i..]);
        }
        // Its own seal is no news to th-dsi; gb-other hears nothing.
        assert!(collect(&r, "th-dsi", 0).expect("events").is_empty());
        assert!(collect(&r, "gb-other", 0).expect("events").is_empty());
        drop(r);

        // Once received, the hand-over no longer waits.
        let mut receive = base;
        receive["prev"] = json!(transferred.to_string());
        receive["actor"] = json!("u-9");
        c.ok(&ph.tx("custody.receive", receive));
        let r = c.ledger.state_reader().expect("reader");
        let kinds: Vec<String> = collect(&r, "ph-iacat", 0)
            .expect("events")
            .into_iter()
            .map(|e| e.kind)
            .collect();
        assert_eq!(kinds, ["record_shared", "referral"]);
    }
}

#[cfg(test)]
mod agreement_events {
    use super::*;
    use serde_json::json;
    use std::sync::Arc;
    use unchain_ledger::Role;
    use unchain_testkit::{Chain, Org};

    #[test]
    fn a_breach_reaches_the_parties_and_whoever_it_escalates_to() {
        let dir = tempfile::tempdir().expect("tempdir");
        let roles = [Role::Governance, Role::Recruitment, Role::Agreements];
        let mut brand = Org::new("events", 1, "gb-brand", &roles);
        let mut firm = Org::new("events", 2, "qa-firm", &roles);
        let ministry = Org::new("events", 3, "qa-mol", &roles);
        let outsider = Org::new("events", 4, "th-dsi", &roles);
        let mut c = Chain::new(dir.path(), &[&brand, &firm, &ministry, &outsider], |_| {
            vec![
                Arc::new(unchain_supply::SupplyModule),
                Arc::new(unchain_recruit::RecruitModule),
                Arc::new(unchain_agree::AgreeModule),
            ]
        });
        let id = "a-0000000000000000e0e1";
        // A clause that no facts can keep: breached at its first evaluation.
        c.ok(&brand.tx(
            "agree.propose",
            json!({
            "agreement": id, "title": "Always broken", "parties": ["gb-brand", "qa-firm"],
            "arbiter": "qa-mol", "schema": 1,
            "clauses": [{"id": "never", "text": "never kept", "cel": "height < 0",
                "every_blocks": 1, "consequence": {"kind": "escalate", "to": "qa-mol"}}]}),
        ));
        c.ok(&firm.tx("agree.sign", json!({"agreement": id})));
        c.ok(&firm.tx(
            "agree.evaluate",
            json!({"agreement": id, "clause": "never"}),
        ));
        let r = c.ledger.state_reader().expect("reader");
        for member in ["gb-brand", "qa-firm", "qa-mol"] {
            let events = collect(&r, member, 0).expect("events");
            assert_eq!(events.len(), 1, "{member}: {events:?}");
            assert_eq!(events[0].kind, "agreement_breach");
            assert_eq!(events[0].data["agreement"], id);
            assert_eq!(events[0].data["detail"]["to"], "qa-mol");
            // Resuming after it: nothing new.
            assert!(
                collect(&r, member, events[0].id + 1)
                    .expect("events")
                    .is_empty()
            );
        }
        assert!(collect(&r, "th-dsi", 0).expect("events").is_empty());
    }
}
