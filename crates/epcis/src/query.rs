//! EPCIS 2.0 simple event queries (the REST binding's query parameters, EPCIS 2.0 §8.2.7):
//! a query string such as `eventType=ObjectEvent&EQ_bizStep=shipping&MATCH_epc=…` read into
//! a [`Query`], and [`Query::matches`], the predicate an event store applies. Values are made
//! canonical the way events are ([`crate::event`]), so a query written with EPC URNs finds
//! events captured with Digital Links, and `shipping` finds
//! `https://ref.gs1.org/cbv/BizStep-shipping`.
//!
//! Read: `eventType`, `GE_eventTime`, `LT_eventTime`, `EQ_action`, `EQ_bizStep`,
//! `EQ_disposition`, `EQ_readPoint`, `EQ_bizLocation`, `WD_readPoint`, `WD_bizLocation`,
//! `EQ_eventID`, `MATCH_epc`, `MATCH_parentID`, `MATCH_inputEPC`, `MATCH_outputEPC`,
//! `MATCH_anyEPC`, `MATCH_epcClass`, and the paging members `perPage` and `nextPageToken`,
//! which the store interprets. Any other parameter is refused by name (the standard's
//! `QueryParameterException`), so a misspelt filter never silently returns everything.
//!
//! `WD_` (with descendants) uses the hierarchy GS1 identifiers carry: a GLN's
//! sub-locations (`/414/{gln}/254/{extension}`) descend from the GLN (`/414/{gln}`, the
//! URN's extension `0`). Master data that nests one site under another (a warehouse under
//! a campus) is not recorded, so any other location has no descendants but itself.

use crate::event::{Action, Event, EventType, Identifier, cbv_uri, parse_time};
use crate::gs1::Gs1Id;

/// Why a query string cannot be run: the parameter and the reason.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("query parameter {parameter}: {reason}")]
pub struct QueryError {
    /// The parameter at fault.
    pub parameter: String,
    /// Why.
    pub reason: String,
}

fn bad(parameter: &str, reason: impl Into<String>) -> QueryError {
    QueryError {
        parameter: parameter.to_owned(),
        reason: reason.into(),
    }
}

/// A simple event query. Every present filter must hold; a list filter holds when any of
/// its values does.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Query {
    /// `eventType`: the event is of one of these types.
    pub event_types: Vec<EventType>,
    /// `GE_eventTime`: at or after, milliseconds since the Unix epoch.
    pub from_ms: Option<i64>,
    /// `LT_eventTime`: strictly before.
    pub until_ms: Option<i64>,
    /// `EQ_action`.
    pub actions: Vec<Action>,
    /// `EQ_bizStep`, as CBV web URIs.
    pub biz_steps: Vec<String>,
    /// `EQ_disposition`, as CBV web URIs.
    pub dispositions: Vec<String>,
    /// `EQ_readPoint`, canonical.
    pub read_points: Vec<String>,
    /// `EQ_bizLocation`, canonical.
    pub biz_locations: Vec<String>,
    /// `WD_readPoint`: the location or one of its descendants, canonical.
    pub read_points_within: Vec<String>,
    /// `WD_bizLocation`: the location or one of its descendants, canonical.
    pub biz_locations_within: Vec<String>,
    /// `EQ_eventID`, as declared.
    pub event_ids: Vec<String>,
    /// `MATCH_epc`: in `epcList` or `childEPCs`.
    pub epc: Vec<Pattern>,
    /// `MATCH_parentID`.
    pub parent: Vec<Pattern>,
    /// `MATCH_inputEPC`.
    pub input: Vec<Pattern>,
    /// `MATCH_outputEPC`.
    pub output: Vec<Pattern>,
    /// `MATCH_anyEPC`: in any role.
    pub any: Vec<Pattern>,
    /// `MATCH_epcClass`: a quantity's class, in any quantity list.
    pub epc_class: Vec<Pattern>,
    /// `perPage`.
    pub per_page: Option<u32>,
    /// `nextPageToken`, as given.
    pub next_page_token: Option<String>,
}

/// What a `MATCH_` value matches: one identifier, or (from `urn:epc:idpat:sgtin:CP.IR.*` or
/// a Digital Link of a bare GTIN) every instance and lot of a GTIN.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pattern {
    /// Exactly this identifier (canonical form).
    Exact(String),
    /// Any SGTIN, LGTIN or class of this GTIN-14.
    Gtin(String),
}

impl Pattern {
    fn parse(parameter: &str, s: &str) -> Result<Pattern, QueryError> {
        let id = Identifier::parse(s).map_err(|e| bad(parameter, e.to_string()))?;
        Ok(match id {
            Identifier::Gs1(Gs1Id::Gtin { gtin }) => Pattern::Gtin(gtin),
            other => Pattern::Exact(other.canonical()),
        })
    }

    /// Whether `id` matches.
    pub fn matches(&self, id: &Identifier) -> bool {
        match (self, id) {
            (Pattern::Exact(want), id) => &id.canonical() == want,
            (Pattern::Gtin(want), Identifier::Gs1(g)) => g.gtin() == Some(want.as_str()),
            (Pattern::Gtin(_), Identifier::Other(_)) => false,
        }
    }
}

/// Splits a comma-separated list (the REST binding's way of giving several values).
fn values(v: &str) -> impl Iterator<Item = &str> {
    v.split(',').map(str::trim).filter(|s| !s.is_empty())
}

impl Query {
    /// Reads the pairs of a query string (already percent-decoded).
    pub fn from_pairs<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Query, QueryError> {
        let mut q = Query::default();
        for (name, value) in pairs {
            let patterns = |v: &str| -> Result<Vec<Pattern>, QueryError> {
                values(v).map(|s| Pattern::parse(name, s)).collect()
            };
            let time = |v: &str| {
                parse_time(v).ok_or_else(|| {
                    bad(
                        name,
                        format!("{v:?} is not an RFC 3339 time with an offset"),
                    )
                })
            };
            match name {
                "eventType" => {
                    for t in values(value) {
                        q.event_types.push(EventType::parse(t).ok_or_else(|| {
                            bad(name, format!("{t:?} is not an EPCIS event type"))
                        })?);
                    }
                }
                "GE_eventTime" => q.from_ms = Some(time(value)?),
                "LT_eventTime" => q.until_ms = Some(time(value)?),
                "EQ_action" => {
                    for a in values(value) {
                        q.actions.push(match a {
                            "ADD" => Action::Add,
                            "OBSERVE" => Action::Observe,
                            "DELETE" => Action::Delete,
                            _ => {
                                return Err(bad(
                                    name,
                                    format!("{a:?} is not ADD, OBSERVE or DELETE"),
                                ));
                            }
                        });
                    }
                }
                "EQ_bizStep" => q
                    .biz_steps
                    .extend(values(value).map(|v| cbv_uri("BizStep", "bizstep", v))),
                "EQ_disposition" => q
                    .dispositions
                    .extend(values(value).map(|v| cbv_uri("Disp", "disp", v))),
                "EQ_readPoint" | "EQ_bizLocation" | "WD_readPoint" | "WD_bizLocation" => {
                    let ids = values(value)
                        .map(|v| {
                            Identifier::parse(v)
                                .map(|id| id.canonical())
                                .map_err(|e| bad(name, e.to_string()))
                        })
                        .collect::<Result<Vec<_>, _>>()?;
                    match name {
                        "EQ_readPoint" => q.read_points.extend(ids),
                        "EQ_bizLocation" => q.biz_locations.extend(ids),
                        "WD_readPoint" => q.read_points_within.extend(ids),
                        _ => q.biz_locations_within.extend(ids),
                    }
                }
                "EQ_eventID" => q.event_ids.extend(values(value).map(str::to_owned)),
                "MATCH_epc" => q.epc.extend(patterns(value)?),
                "MATCH_parentID" => q.parent.extend(patterns(value)?),
                "MATCH_inputEPC" => q.input.extend(patterns(value)?),
                "MATCH_outputEPC" => q.output.extend(patterns(value)?),
                "MATCH_anyEPC" => q.any.extend(patterns(value)?),
                "MATCH_epcClass" => q.epc_class.extend(patterns(value)?),
                "perPage" => {
                    let n: u32 = value
                        .parse()
                        .ok()
                        .filter(|n| (1..=10_000).contains(n))
                        .ok_or_else(|| bad(name, "must be a whole number from 1 to 10000"))?;
                    q.per_page = Some(n);
                }
                "nextPageToken" => q.next_page_token = Some(value.to_owned()),
                _ => {
                    return Err(bad(
                        name,
                        "is not a query parameter of EPCIS 2.0 that Unchain reads",
                    ));
                }
            }
        }
        Ok(q)
    }

    /// Whether `event` satisfies every filter.
    pub fn matches(&self, event: &Event) -> bool {
        let any = |patterns: &[Pattern], ids: &mut dyn Iterator<Item = &Identifier>| {
            patterns.is_empty() || {
                let ids: Vec<&Identifier> = ids.collect();
                patterns.iter().any(|p| ids.iter().any(|id| p.matches(id)))
            }
        };
        let one_of = |wanted: &[String], got: Option<&str>| {
            wanted.is_empty() || got.is_some_and(|g| wanted.iter().any(|w| w == g))
        };
        let within = |wanted: &[String], got: Option<&Identifier>| {
            wanted.is_empty()
                || got.is_some_and(|g| {
                    let g = g.canonical();
                    wanted.iter().any(|w| descends(&g, w))
                })
        };
        let w = &event.what;
        (self.event_types.is_empty() || self.event_types.contains(&event.event_type))
            && self.from_ms.is_none_or(|t| event.time_ms >= t)
            && self.until_ms.is_none_or(|t| event.time_ms < t)
            && (self.actions.is_empty() || event.action.is_some_and(|a| self.actions.contains(&a)))
            && one_of(&self.biz_steps, event.biz_step.as_deref())
            && one_of(&self.dispositions, event.disposition.as_deref())
            && one_of(
                &self.read_points,
                event
                    .read_point
                    .as_ref()
                    .map(Identifier::canonical)
                    .as_deref(),
            )
            && one_of(
                &self.biz_locations,
                event
                    .biz_location
                    .as_ref()
                    .map(Identifier::canonical)
                    .as_deref(),
            )
            && within(&self.read_points_within, event.read_point.as_ref())
            && within(&self.biz_locations_within, event.biz_location.as_ref())
            && one_of(&self.event_ids, event.event_id.as_deref())
            && any(&self.epc, &mut w.epcs.iter().chain(&w.children))
            && any(&self.parent, &mut w.parent.iter())
            && any(&self.input, &mut w.inputs.iter())
            && any(&self.output, &mut w.outputs.iter())
            && any(
                &self.any,
                &mut w
                    .epcs
                    .iter()
                    .chain(&w.children)
                    .chain(w.parent.iter())
                    .chain(&w.inputs)
                    .chain(&w.outputs),
            )
            && any(
                &self.epc_class,
                &mut w
                    .quantities
                    .iter()
                    .chain(&w.child_quantities)
                    .chain(&w.input_quantities)
                    .chain(&w.output_quantities)
                    .map(|q| &q.epc_class),
            )
    }
}

/// Whether location `id` is `ancestor` or descends from it: a GLN's sub-locations
/// (`…/414/{gln}/254/{extension}`) descend from the GLN (`…/414/{gln}`); both canonical.
pub fn descends(id: &str, ancestor: &str) -> bool {
    id == ancestor
        || (ancestor.starts_with("https://id.gs1.org/414/")
            && !ancestor.contains("/254/")
            && id
                .strip_prefix(ancestor)
                .is_some_and(|rest| rest.starts_with("/254/")))
}
