//! Prometheus metrics of the node (registered in the runtime's registry, so `/metrics` also
//! shows the consensus and p2p metrics). Metrics carry counts and sizes, never transaction
//! contents or identifiers.

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::Histogram;

/// The node's own metrics.
#[derive(Clone)]
pub struct NodeMetrics {
    /// Height of the latest applied block.
    pub height: Gauge,
    /// Transparency-log size.
    pub log_size: Gauge,
    /// Transactions waiting in the mempool.
    pub mempool_depth: Gauge,
    /// Transactions admitted by the API.
    pub tx_admitted: Counter,
    /// Transactions refused by the API (bad input, bad signature, state).
    pub tx_refused: Counter,
    /// Submissions turned away because the mempool was full.
    pub tx_backpressure: Counter,
    /// Transactions committed.
    pub tx_committed: Counter,
    /// Transactions rejected at execution.
    pub tx_rejected: Counter,
    /// Blind token evaluations this member answered (counts only: never what).
    pub token_evaluations: Counter,
    /// Seconds between consecutive applied blocks.
    pub block_interval: Histogram,
    /// Seconds from a block's proposal (its timestamp) to this node applying it.
    pub finality: Histogram,
    /// Tree size of the latest checkpoint cosigned by a quorum (set when scraped).
    pub cosigned_log_size: Gauge,
    /// Tips accepted through the public form.
    pub tips_received: Counter,
    /// Tip submissions and code lookups refused (token, work, limits, input).
    pub tips_refused: Counter,
    /// Receipt-code derivations (Argon2id) run: the form's expensive step.
    pub tips_derivations: Counter,
}

impl NodeMetrics {
    /// Creates the metrics and registers them in the runtime's registry.
    pub fn new(registry: &impl commonware_runtime::Metrics) -> Self {
        let m = NodeMetrics {
            height: Gauge::default(),
            log_size: Gauge::default(),
            mempool_depth: Gauge::default(),
            tx_admitted: Counter::default(),
            tx_refused: Counter::default(),
            tx_backpressure: Counter::default(),
            tx_committed: Counter::default(),
            tx_rejected: Counter::default(),
            token_evaluations: Counter::default(),
            block_interval: Histogram::new([
                0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
            ]),
            finality: Histogram::new([0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0]),
            cosigned_log_size: Gauge::default(),
            tips_received: Counter::default(),
            tips_refused: Counter::default(),
            tips_derivations: Counter::default(),
        };
        registry.register(
            "height",
            "height of the latest applied block",
            m.height.clone(),
        );
        registry.register("log_size", "transparency log size", m.log_size.clone());
        registry.register(
            "mempool_depth",
            "transactions waiting in the mempool",
            m.mempool_depth.clone(),
        );
        registry.register(
            "tx_admitted",
            "transactions admitted to the mempool",
            m.tx_admitted.clone(),
        );
        registry.register(
            "tx_refused",
            "transactions refused by the API",
            m.tx_refused.clone(),
        );
        registry.register(
            "tx_backpressure",
            "submissions refused because the mempool was full",
            m.tx_backpressure.clone(),
        );
        registry.register(
            "tx_committed",
            "transactions committed",
            m.tx_committed.clone(),
        );
        registry.register(
            "tx_rejected",
            "transactions rejected at execution",
            m.tx_rejected.clone(),
        );
        registry.register(
            "token_evaluations",
            "blind token evaluations this member answered with its key share",
            m.token_evaluations.clone(),
        );
        registry.register(
            "block_interval_seconds",
            "time between applied blocks",
            m.block_interval.clone(),
        );
        registry.register(
            "finality_seconds",
            "time from a block's proposal to this node applying it",
            m.finality.clone(),
        );
        registry.register(
            "cosigned_log_size",
            "tree size of the latest checkpoint cosigned by a quorum of validators",
            m.cosigned_log_size.clone(),
        );
        registry.register(
            "tips_received",
            "tips accepted through the public form",
            m.tips_received.clone(),
        );
        registry.register(
            "tips_refused",
            "tip submissions and receipt-code lookups refused (token, proof of work, limits, input)",
            m.tips_refused.clone(),
        );
        registry.register(
            "tips_derivations",
            "receipt-code derivations (Argon2id) run",
            m.tips_derivations.clone(),
        );
        m
    }
}
