//! Named EPCIS queries and their subscriptions (EPCIS 2.0 §12, the REST binding's
//! `/queries`): a member saves a simple event query under a name, reads its results as
//! pages, and subscribes a webhook that receives new matching events as they are
//! committed (`stream`) or on a schedule.
//!
//! - A named query belongs to the member that created it (its users through the console's
//!   bearer tokens, or its signed requests); no other member sees it, its name or its
//!   subscriptions.
//! - Subscriptions make this node send requests out, so only the node's own organisation
//!   may create them, to `http`/`https` URLs.
//! - Both live on this node, not on the ledger (like capture jobs): in
//!   `DATA/epcis-queries.json`, rewritten whole (write, then rename) on every change, so a
//!   restart keeps each subscription and the place in the event stream it has delivered up
//!   to. The events themselves are ledger state, the same on every node.
//! - Delivery ([`deliver`]) never skips an event: a subscription's place moves on only
//!   after the webhook answered 2xx.

pub mod deliver;
pub mod schedule;

use schedule::Schedule;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Mutex;
use unchain_epcis::query::{Query, QueryError};

/// Most named queries one member keeps on a node.
pub const MAX_QUERIES: usize = 100;
/// Most subscriptions on a node.
pub const MAX_SUBSCRIPTIONS: usize = 200;

/// A saved query.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NamedQuery {
    /// Its name, unique for its owner.
    pub name: String,
    /// The member that created it.
    pub owner: String,
    /// The query as given: simple-query parameters to values (a string, or a list).
    pub query: serde_json::Map<String, Value>,
    /// When it was created, ms since the Unix epoch (this node's clock).
    pub created_ms: u64,
}

/// A webhook subscribed to a named query's results.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Subscription {
    /// Its id.
    pub id: String,
    /// The named query.
    pub query: String,
    /// The member that owns the query (always this node's organisation).
    pub owner: String,
    /// Where results are POSTed.
    pub dest: String,
    /// The secret that signs each delivery (`GS1-Signature`: HMAC-SHA256, base64).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub signature_token: Option<String>,
    /// Deliver every new matching event as soon as its block is committed.
    pub stream: bool,
    /// Or deliver on this schedule.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schedule: Option<Schedule>,
    /// On a schedule, send a document even when no event matched.
    pub report_if_empty: bool,
    /// The place in the event stream delivered up to (events after it are new).
    pub cursor: u64,
    /// When it was created, ms since the Unix epoch.
    pub created_ms: u64,
    /// Documents the webhook accepted.
    pub delivered: u64,
    /// Events in them.
    pub events_delivered: u64,
    /// Failed attempts since the last success.
    pub failures: u32,
    /// The last failure, if the last attempt failed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_error: Option<String>,
    /// The last scheduled run (the second it ran at, ms).
    #[serde(default)]
    pub last_run_ms: u64,
    /// No attempt before this time (ms), after a failure.
    #[serde(default)]
    pub retry_at_ms: u64,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct Saved {
    /// `owner \0 name` → query.
    queries: BTreeMap<String, NamedQuery>,
    /// id → subscription.
    subscriptions: BTreeMap<String, Subscription>,
    /// The next subscription number.
    next_id: u64,
}

/// Why a change to the store was refused.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// Bad input: the field and the reason.
    #[error("{0}")]
    Invalid(String),
    /// The name is taken.
    #[error("{0}")]
    Exists(String),
    /// No such query or subscription (for this caller).
    #[error("{0}")]
    NotFound(String),
    /// The file could not be written.
    #[error("saving the named queries: {0}")]
    Io(#[from] std::io::Error),
}

/// The node's named queries and subscriptions, saved in one file.
pub struct QueryStore {
    path: Option<PathBuf>,
    saved: Mutex<Saved>,
}

fn key(owner: &str, name: &str) -> String {
    format!("{owner}\0{name}")
}

/// The query-string pairs a saved query stands for.
pub fn pairs(query: &serde_json::Map<String, Value>) -> Result<Vec<(String, String)>, String> {
    let mut out = Vec::new();
    for (k, v) in query {
        if k == "perPage" || k == "nextPageToken" {
            return Err(format!(
                "query/{k}: paging belongs to each request, not to the saved query"
            ));
        }
        let one = |v: &Value| match v {
            Value::String(s) => Ok(s.clone()),
            Value::Number(n) => Ok(n.to_string()),
            Value::Bool(b) => Ok(b.to_string()),
            _ => Err(format!("query/{k}: a string, a number or a list of them")),
        };
        match v {
            Value::Array(list) if !list.is_empty() => {
                for item in list {
                    out.push((k.clone(), one(item)?));
                }
            }
            Value::Array(_) => return Err(format!("query/{k}: an empty list matches nothing")),
            other => out.push((k.clone(), one(other)?)),
        }
    }
    Ok(out)
}

/// The query a saved one stands for, checked as `GET /events` would check it.
pub fn compile(query: &serde_json::Map<String, Value>) -> Result<Query, String> {
    let pairs = pairs(query)?;
    Query::from_pairs(pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())))
        .map_err(|e: QueryError| format!("query/{}: {}", e.parameter, e.reason))
}

impl QueryStore {
    /// The store in `DATA/epcis-queries.json`; an unreadable file is an error (it is never
    /// silently replaced).
    pub fn open(data_dir: &std::path::Path) -> anyhow::Result<QueryStore> {
        let path = data_dir.join("epcis-queries.json");
        let saved = match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|e| {
                anyhow::anyhow!("{} is not a named-query file: {e}", path.display())
            })?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Saved::default(),
            Err(e) => return Err(anyhow::anyhow!("reading {}: {e}", path.display())),
        };
        Ok(QueryStore {
            path: Some(path),
            saved: Mutex::new(saved),
        })
    }

    /// A store kept only in memory (tests, tools).
    pub fn in_memory() -> QueryStore {
        QueryStore {
            path: None,
            saved: Mutex::default(),
        }
    }

    fn with<T>(
        &self,
        change: impl FnOnce(&mut Saved) -> Result<T, StoreError>,
    ) -> Result<T, StoreError> {
        let mut saved = self
            .saved
            .lock()
            .map_err(|_| StoreError::Invalid("named queries: lock poisoned".into()))?;
        let out = change(&mut saved)?;
        if let Some(path) = &self.path {
            let tmp = path.with_extension("json.tmp");
            let bytes = serde_json::to_vec_pretty(&*saved).map_err(std::io::Error::other)?;
            std::fs::write(&tmp, bytes)?;
            std::fs::rename(&tmp, path)?;
        }
        Ok(out)
    }

    fn read<T>(&self, f: impl FnOnce(&Saved) -> T) -> T {
        match self.saved.lock() {
            Ok(saved) => f(&saved),
            Err(poisoned) => f(&poisoned.into_inner()),
        }
    }

    /// Saves a query for `owner`, after checking its name and every parameter.
    pub fn create(
        &self,
        owner: &str,
        name: &str,
        query: serde_json::Map<String, Value>,
        now_ms: u64,
    ) -> Result<NamedQuery, StoreError> {
        let name_ok = !name.is_empty()
            && name.len() <= 64
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        if !name_ok {
            return Err(StoreError::Invalid(format!(
                "name: {name:?}; 1 to 64 letters, digits, '-', '_' or '.'"
            )));
        }
        compile(&query).map_err(StoreError::Invalid)?;
        let q = NamedQuery {
            name: name.into(),
            owner: owner.into(),
            query,
            created_ms: now_ms,
        };
        self.with(|s| {
            if s.queries.contains_key(&key(owner, name)) {
                return Err(StoreError::Exists(format!(
                    "name: a query named {name} already exists"
                )));
            }
            if s.queries.values().filter(|q| q.owner == owner).count() >= MAX_QUERIES {
                return Err(StoreError::Invalid(format!(
                    "name: {MAX_QUERIES} named queries already; delete one first"
                )));
            }
            s.queries.insert(key(owner, name), q.clone());
            Ok(q)
        })
    }

    /// `owner`'s queries, by name.
    pub fn list(&self, owner: &str) -> Vec<NamedQuery> {
        self.read(|s| {
            s.queries
                .values()
                .filter(|q| q.owner == owner)
                .cloned()
                .collect()
        })
    }

    /// One of `owner`'s queries.
    pub fn get(&self, owner: &str, name: &str) -> Result<NamedQuery, StoreError> {
        self.read(|s| s.queries.get(&key(owner, name)).cloned())
            .ok_or_else(|| StoreError::NotFound(format!("queryName: no query named {name}")))
    }

    /// Deletes a query and its subscriptions.
    pub fn delete(&self, owner: &str, name: &str) -> Result<(), StoreError> {
        self.with(|s| {
            s.queries
                .remove(&key(owner, name))
                .ok_or_else(|| StoreError::NotFound(format!("queryName: no query named {name}")))?;
            s.subscriptions
                .retain(|_, sub| !(sub.owner == owner && sub.query == name));
            Ok(())
        })
    }

    /// Adds a subscription to one of `owner`'s queries (filled in but for its id, which
    /// the store gives).
    pub fn subscribe(&self, mut sub: Subscription) -> Result<Subscription, StoreError> {
        self.get(&sub.owner, &sub.query)?;
        self.with(|s| {
            if s.subscriptions.len() >= MAX_SUBSCRIPTIONS {
                return Err(StoreError::Invalid(format!(
                    "dest: this node keeps {MAX_SUBSCRIPTIONS} subscriptions at most"
                )));
            }
            s.next_id += 1;
            sub.id = format!("sub-{}", s.next_id);
            s.subscriptions.insert(sub.id.clone(), sub.clone());
            Ok(sub)
        })
    }

    /// The subscriptions to one of `owner`'s queries.
    pub fn subscriptions(&self, owner: &str, name: &str) -> Vec<Subscription> {
        self.read(|s| {
            s.subscriptions
                .values()
                .filter(|sub| sub.owner == owner && sub.query == name)
                .cloned()
                .collect()
        })
    }

    /// One subscription to one of `owner`'s queries.
    pub fn subscription(
        &self,
        owner: &str,
        name: &str,
        id: &str,
    ) -> Result<Subscription, StoreError> {
        self.read(|s| s.subscriptions.get(id).cloned())
            .filter(|sub| sub.owner == owner && sub.query == name)
            .ok_or_else(|| {
                StoreError::NotFound(format!("subscriptionID: no subscription {id} to {name}"))
            })
    }

    /// Ends a subscription.
    pub fn unsubscribe(&self, owner: &str, name: &str, id: &str) -> Result<(), StoreError> {
        self.subscription(owner, name, id)?;
        self.with(|s| {
            s.subscriptions.remove(id);
            Ok(())
        })
    }

    /// Every subscription with its query (for delivery).
    pub fn all(&self) -> Vec<(Subscription, NamedQuery)> {
        self.read(|s| {
            s.subscriptions
                .values()
                .filter_map(|sub| {
                    let q = s.queries.get(&key(&sub.owner, &sub.query))?;
                    Some((sub.clone(), q.clone()))
                })
                .collect()
        })
    }

    /// Records an attempt's outcome for a subscription that still exists.
    pub fn record(
        &self,
        id: &str,
        update: impl FnOnce(&mut Subscription),
    ) -> Result<(), StoreError> {
        self.with(|s| {
            if let Some(sub) = s.subscriptions.get_mut(id) {
                update(sub);
            }
            Ok(())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn query(v: Value) -> serde_json::Map<String, Value> {
        v.as_object().cloned().expect("object")
    }

    fn sub(owner: &str, name: &str) -> Subscription {
        Subscription {
            id: String::new(),
            query: name.into(),
            owner: owner.into(),
            dest: "https://hooks.example/epcis".into(),
            signature_token: Some("t".into()),
            stream: true,
            schedule: None,
            report_if_empty: false,
            cursor: 7,
            created_ms: 1,
            delivered: 0,
            events_delivered: 0,
            failures: 0,
            last_error: None,
            last_run_ms: 0,
            retry_at_ms: 0,
        }
    }

    #[test]
    fn queries_and_subscriptions_survive_a_restart_with_their_place_in_the_stream() {
        let dir = tempfile::tempdir().expect("dir");
        let store = QueryStore::open(dir.path()).expect("open");
        store
            .create(
                "brand",
                "shipping",
                query(json!({"EQ_bizStep": ["shipping"]})),
                5,
            )
            .expect("create");
        let s = store
            .subscribe(sub("brand", "shipping"))
            .expect("subscribe");
        store
            .record(&s.id, |s| {
                s.cursor = 42;
                s.delivered = 3;
            })
            .expect("record");
        drop(store);
        let again = QueryStore::open(dir.path()).expect("reopen");
        let s = again
            .subscription("brand", "shipping", &s.id)
            .expect("kept");
        assert_eq!((s.cursor, s.delivered), (42, 3));
        assert_eq!(again.list("brand").len(), 1);
        // A new subscription gets a new id, never one already given.
        let next = again
            .subscribe(sub("brand", "shipping"))
            .expect("subscribe");
        assert_ne!(next.id, s.id);
    }

    #[test]
    fn a_member_sees_only_its_own_queries_and_subscriptions() {
        let store = QueryStore::in_memory();
        store
            .create(
                "brand",
                "mine",
                query(json!({"eventType": "ObjectEvent"})),
                0,
            )
            .expect("create");
        // The same name is free for another member, and its query is its own.
        store
            .create(
                "other",
                "mine",
                query(json!({"eventType": "AggregationEvent"})),
                0,
            )
            .expect("create");
        let s = store.subscribe(sub("brand", "mine")).expect("subscribe");
        assert_eq!(store.list("other").len(), 1);
        assert_eq!(
            store.get("other", "mine").expect("theirs").query["eventType"],
            json!("AggregationEvent")
        );
        assert!(store.subscription("other", "mine", &s.id).is_err());
        assert!(store.unsubscribe("other", "mine", &s.id).is_err());
        assert!(store.subscriptions("other", "mine").is_empty());
        assert!(matches!(
            store.subscribe(sub("brand", "unknown")),
            Err(StoreError::NotFound(_))
        ));
        // Deleting a query ends its subscriptions, and only its owner's.
        store.delete("brand", "mine").expect("delete");
        assert!(store.all().is_empty());
        assert_eq!(store.list("other").len(), 1);
    }

    #[test]
    fn a_saved_query_is_checked_like_a_query_string() {
        let store = QueryStore::in_memory();
        let err = |q: Value| match store.create("m", "q", query(q), 0) {
            Err(StoreError::Invalid(why)) => why,
            other => panic!("accepted: {other:?}"),
        };
        assert!(err(json!({"EQ_action": ["ADD", "MOVE"]})).starts_with("query/EQ_action:"));
        assert!(err(json!({"MATCH_epc": [{"id": 1}]})).starts_with("query/MATCH_epc:"));
        assert!(err(json!({"EQ_bizStep": []})).contains("empty list"));
        assert!(err(json!({"nextPageToken": "3"})).starts_with("query/nextPageToken:"));
        assert_eq!(
            pairs(&query(
                json!({"EQ_bizStep": ["shipping", "receiving"], "eventType": "ObjectEvent"})
            ))
            .expect("pairs"),
            vec![
                ("EQ_bizStep".to_owned(), "shipping".to_owned()),
                ("EQ_bizStep".to_owned(), "receiving".to_owned()),
                ("eventType".to_owned(), "ObjectEvent".to_owned()),
            ]
        );
    }
}
