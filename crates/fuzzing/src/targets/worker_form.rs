//! What a worker's browser posts to the worker pages (`/work/grievance`, `/work/survey`):
//! URL-encoded fields read as a grievance and as a survey. Reading never panics.

use unchain_node::workerpage::forms::{Fields, read_grievance, read_survey};

/// One input.
pub fn run(data: &[u8]) {
    let Ok(fields) = serde_urlencoded::from_bytes::<Fields>(data) else {
        return;
    };
    let employers = ["qa-doha-build", "qa-gulf-build"];
    let recruiters = ["np-himalaya-manpower"];
    let _ = read_grievance(&fields, &employers);
    let _ = read_survey(&fields, &employers, &recruiters);
}
