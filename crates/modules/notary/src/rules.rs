//! What an anchoring records: a pure function of the body and the block, replayable offline.

use crate::body::AnchorBody;
use crate::state::Anchor;
use unchain_types::TxId;

/// Where and when a transaction committed, and who sent it.
#[derive(Debug, Clone, Copy)]
pub struct Logged<'a> {
    /// The sending member.
    pub sender: &'a str,
    /// The transaction.
    pub tx_id: TxId,
    /// Block height.
    pub height: u64,
    /// Block time, ms.
    pub timestamp_ms: u64,
    /// Leaf index in the log.
    pub log_index: u64,
}

/// The anchor `body` records when it commits as `at`. Anchoring never refuses: the same
/// document may be anchored again, by anyone with the notary role, and each is kept.
pub fn anchor(body: &AnchorBody, at: Logged<'_>) -> Anchor {
    Anchor {
        hash: body.hash,
        doc_type: body.doc_type.clone(),
        description: body.description.clone(),
        document_date: body.document_date.clone(),
        anchored_by: at.sender.to_owned(),
        tx_id: at.tx_id,
        height: at.height,
        timestamp_ms: at.timestamp_ms,
        log_index: at.log_index,
    }
}
