//! GS1 EPCIS 2.0 and the Core Business Vocabulary (CBV) 2.0 at Unchain's edge: what a
//! supplier's ERP, a warehouse system or an auditor's tool sends, read exactly as the
//! standards define it, before anything reaches the ledger.
//!
//! - [`gs1`]: GS1 identifiers — GTIN, GLN, SSCC, GRAI, GIAI, GSRN, GDTI, GCN, GINC, GSIN
//!   and their serialised and lot forms — from EPC URNs (`urn:epc:id:sgtin:…`, `urn:epc:class:lgtin:…`) and from GS1
//!   Digital Link URIs (`https://id.gs1.org/01/…/21/…`), check digits verified, each with
//!   one canonical form (the Digital Link on `id.gs1.org`) so that the same object named
//!   either way is the same object.
//! - [`event`]: one event of any of the five types, the fields the ledger and queries use,
//!   every identifier canonical, the event as sent kept whole; errors name the JSON pointer
//!   and the rule.
//! - [`document`]: an `EPCISDocument` or `EPCISQueryDocument`, checked against the GS1 JSON
//!   Schema ([`schema`]) and read event by event.
//! - [`xml`]: the EPCIS 2.0 XML binding, read into the same events.
//! - [`hash`]: the CBV 2.0 event hash, an event's identity whichever way it was written.
//! - [`query`]: EPCIS 2.0 simple event queries (the REST binding's parameters) and the
//!   predicate an event store applies.
//!
//! No storage, no network, no clock: the same input gives the same answer everywhere,
//! which is what lets every validator agree on what an event names.
#![forbid(unsafe_code)]

pub mod document;
pub mod event;
pub mod gs1;
pub mod hash;
pub mod query;
pub mod schema;
pub mod xml;
