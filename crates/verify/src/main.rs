//! `unchain-verify`: the offline verifier on its own, for a court, a reporter, a shelter or
//! a border post. The same checks as `unchain verify …` and `unchain border`, in a binary
//! that links no storage, no HTTP server and no consensus runtime.
#![forbid(unsafe_code)]

use clap::{Parser, Subcommand};
use std::process::ExitCode;
use unchain_verify::{agreement, border, custody, exit, proof, provenance, receipt, state};

/// Verify what an Unchain consortium recorded, offline, from saved files.
///
/// Every command checks the checkpoint against the validators' keys (pass --genesis with
/// the consortium's genesis file; without it, the keys the file carries are used and the
/// output says so), each transaction's signature and inclusion, and the module's rules.
/// Exit status 0 only when the file proves what it claims.
#[derive(Parser)]
#[command(name = "unchain-verify", version)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// A transaction's proof bundle (`unchain proof --out`): signature, inclusion,
    /// checkpoint.
    Proof(proof::ProofArgs),
    /// A chain-of-custody bundle (`unchain custody bundle`): every event's signature and
    /// inclusion, the checkpoint, and the custody rules replayed event by event.
    Custody(custody::CustodyArgs),
    /// Goods' provenance bundle (from a provenance page, `?format=bundle`): every
    /// transaction's signature and inclusion, the checkpoint, and the tiers and findings
    /// recomputed from the events.
    Provenance(provenance::ProvenanceArgs),
    /// A proof of receipt downloaded from the tip form.
    TipReceipt(receipt::ReceiptArgs),
    /// A state bundle (`unchain state prove --out`): each key's value, or its absence, as of
    /// the block a cosigned checkpoint's state line names.
    State(state::StateArgs),
    /// An agreement's outcome (`unchain agreement bundle`): the proposal, signatures,
    /// evaluation and attestation signed and included, and the clause re-evaluated over the
    /// facts it read.
    Agreement(agreement::AgreementArgs),
    /// One credential presentation (`unchain wallet present`) against a trust bundle.
    /// Exit status 0 only if valid, 2 otherwise.
    Presentation(border::PresentationArgs),
    /// The border post: a nonce for the wallets, and the check of a child travelling with
    /// an adult against a trust bundle.
    #[command(subcommand)]
    Border(border::BorderCommand),
}

fn main() -> ExitCode {
    exit::quiet_on_closed_stdout();
    let status = match Cli::parse().command {
        Command::Proof(a) => proof::run(&a).map(|()| 0),
        Command::Custody(a) => custody::run(&a).map(|()| 0),
        Command::TipReceipt(a) => receipt::run(&a).map(|()| 0),
        Command::State(a) => state::run(&a).map(|()| 0),
        Command::Agreement(a) => agreement::run(&a).map(|()| 0),
        Command::Provenance(a) => provenance::run(&a).map(|()| 0),
        Command::Presentation(a) => border::verify_presentation(a),
        Command::Border(c) => border::border(c),
    };
    match status {
        Ok(0) => ExitCode::SUCCESS,
        // The verdict is printed; the status tells scripts it was not VALID.
        Ok(code) => ExitCode::from(u8::try_from(code).unwrap_or(1)),
        Err(e) => exit::report(&e),
    }
}

#[cfg(test)]
mod tests {
    /// clap checks its definitions only when a command is used; check them all at once.
    #[test]
    fn every_command_definition_is_valid() {
        use clap::CommandFactory as _;
        super::Cli::command().debug_assert();
    }
}
