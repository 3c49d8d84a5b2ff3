//! `unchain supply …`: supply-chain traceability (issue 21, in progress). `check` reads an
//! EPCIS 2.0 document the way capture will — GS1's JSON Schema, every event, every GS1
//! identifier's check digit — with no node and no network, so a supplier can fix a file
//! before sending it.

use anyhow::Context as _;
use clap::Subcommand;
use std::path::PathBuf;
use unchain_epcis::document;

/// `unchain supply …`.
#[derive(Subcommand)]
pub enum SupplyCommand {
    /// Check an EPCIS 2.0 document (JSON-LD or XML) offline: valid against GS1's JSON Schema
    /// (for JSON-LD), every
    /// event readable, every GS1 identifier's check digit right. Prints each event with its
    /// identifiers in canonical form (GS1 Digital Link) and its CBV 2.0 event hash (a
    /// declared hash ID that differs is a warning); exit status 1 with the JSON pointer and
    /// the rule on the first error.
    Check {
        /// The document.
        file: PathBuf,
    },
}

/// Runs a `supply` subcommand.
pub fn supply(cmd: SupplyCommand) -> anyhow::Result<()> {
    match cmd {
        SupplyCommand::Check { file } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            // The XML binding starts with `<`; the JSON-LD one with `{`.
            let is_xml = bytes.iter().find(|b| !b.is_ascii_whitespace()) == Some(&b'<');
            let doc = if is_xml {
                unchain_epcis::xml::parse(&bytes)
            } else {
                document::parse(&bytes)
            }
            .with_context(|| format!("{} is not a valid EPCIS 2.0 document", file.display()))?;
            println!(
                "VALID {} with {} event(s)",
                match doc.kind {
                    document::DocumentKind::Capture => "EPCISDocument",
                    document::DocumentKind::QueryResults => "EPCISQueryDocument",
                },
                doc.events.len()
            );
            let ns = unchain_epcis::hash::namespaces(&doc.context);
            for (i, e) in doc.events.iter().enumerate() {
                let w = &e.what;
                let ids: Vec<String> = w
                    .epcs
                    .iter()
                    .chain(w.parent.iter())
                    .chain(&w.children)
                    .chain(&w.inputs)
                    .chain(&w.outputs)
                    .map(|id| id.canonical())
                    .collect();
                println!(
                    "  {i:>3}. {:<20} {}  {}  {}",
                    e.event_type.as_str(),
                    unchain_custody::report::utc(u64::try_from(e.time_ms).unwrap_or(0)),
                    e.action.map(|a| a.as_str()).unwrap_or("-"),
                    e.biz_step.as_deref().unwrap_or("-"),
                );
                for id in ids {
                    println!("         {id}");
                }
                // The CBV 2.0 event hash; a declared hash ID that differs is a warning, not a
                // refusal (GS1's own examples carry hash IDs of other content).
                let computed = unchain_epcis::hash::event_hash(e, &ns);
                println!("         event hash {computed}");
                if let Some(declared) = e.event_id.as_deref()
                    && declared.starts_with("ni:")
                    && declared != computed
                {
                    eprintln!(
                        "warning: event {i} declares eventID {declared}, which is not the CBV 2.0 hash of its content"
                    );
                }
            }
            Ok(())
        }
    }
}
