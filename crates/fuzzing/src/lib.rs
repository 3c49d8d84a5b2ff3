//! The bodies of Unchain's fuzz targets, one module per target, each a `run(data)` that
//! must never panic on any input and checks the target's property.
//!
//! `fuzz/fuzz_targets/*.rs` are one-line wrappers that hand libFuzzer's input to these
//! (`cargo fuzz run -s none TARGET` on the stable toolchain), and this crate's test
//! replays every committed corpus (`fuzz/corpus/TARGET/`) through the same functions, so
//! a regression fails the ordinary test suite without a fuzzing toolchain. See
//! `fuzz/README.md` for the table of targets, runs and findings.
#![forbid(unsafe_code)]

/// One module per fuzz target.
pub mod targets {
    pub mod agree_clause;
    pub mod agreement_bundle;
    pub mod backup_manifest;
    pub mod blind_identifier;
    pub mod block;
    pub mod console_form;
    pub mod cosign_message;
    pub mod custody_bundle;
    pub mod did_resolution;
    pub mod epcis_document;
    pub mod epcis_query;
    pub mod epcis_subscription;
    pub mod epcis_xml;
    pub mod finality_certificate;
    pub mod finance_columnar;
    pub mod finance_csv;
    pub mod genesis;
    pub mod gossip_batch;
    pub mod htcds_document;
    pub mod http_signature;
    pub mod ijson;
    pub mod metrics_accept;
    pub mod module_bodies;
    pub mod proof_bundle;
    pub mod recruit_payroll;
    pub mod sd_jwt;
    pub mod sealed_payload;
    pub mod signed_note;
    pub mod snapshot;
    pub mod state_bundle;
    pub mod status_list_token;
    pub mod supply_capture;
    pub mod tip_attachment;
    pub mod tip_form;
    pub mod tip_multipart;
    pub mod tip_receipt;
    pub mod token_key;
    pub mod transaction;
    pub mod trust_bundle;
    pub mod vault_body;
    pub mod vault_message;
    pub mod worker_form;
}

/// A target's body: must not panic on any input.
pub type Target = fn(&[u8]);

/// Every target by its name in `fuzz/Cargo.toml`.
pub const TARGETS: &[(&str, Target)] = &[
    ("agree_clause", targets::agree_clause::run),
    ("backup_manifest", targets::backup_manifest::run),
    ("blind_identifier", targets::blind_identifier::run),
    ("block", targets::block::run),
    ("console_form", targets::console_form::run),
    ("metrics_accept", targets::metrics_accept::run),
    ("did_resolution", targets::did_resolution::run),
    ("http_signature", targets::http_signature::run),
    ("status_list_token", targets::status_list_token::run),
    ("cosign_message", targets::cosign_message::run),
    ("agreement_bundle", targets::agreement_bundle::run),
    ("custody_bundle", targets::custody_bundle::run),
    ("epcis_document", targets::epcis_document::run),
    ("epcis_query", targets::epcis_query::run),
    ("epcis_subscription", targets::epcis_subscription::run),
    ("epcis_xml", targets::epcis_xml::run),
    ("finality_certificate", targets::finality_certificate::run),
    ("finance_columnar", targets::finance_columnar::run),
    ("finance_csv", targets::finance_csv::run),
    ("genesis", targets::genesis::run),
    ("gossip_batch", targets::gossip_batch::run),
    ("htcds_document", targets::htcds_document::run),
    ("ijson", targets::ijson::run),
    ("module_bodies", targets::module_bodies::run),
    ("proof_bundle", targets::proof_bundle::run),
    ("state_bundle", targets::state_bundle::run),
    ("recruit_payroll", targets::recruit_payroll::run),
    ("sd_jwt", targets::sd_jwt::run),
    ("sealed_payload", targets::sealed_payload::run),
    ("signed_note", targets::signed_note::run),
    ("snapshot", targets::snapshot::run),
    ("supply_capture", targets::supply_capture::run),
    ("tip_attachment", targets::tip_attachment::run),
    ("tip_form", targets::tip_form::run),
    ("tip_multipart", targets::tip_multipart::run),
    ("tip_receipt", targets::tip_receipt::run),
    ("token_key", targets::token_key::run),
    ("transaction", targets::transaction::run),
    ("trust_bundle", targets::trust_bundle::run),
    ("vault_body", targets::vault_body::run),
    ("vault_message", targets::vault_message::run),
    ("worker_form", targets::worker_form::run),
];
