//! `/v1/recruit/…` for worker voice: an employer's published aggregates (any member), its
//! grievances one by one (the employer that must answer them, the regulator that licensed
//! it, and the intake that recorded each), and the escalations a regulator takes up.
//!
//! One grievance is shown with its month and deadlines only — never the block time it was
//! recorded at, which could tell an employer who was away from work at that minute.

use super::vault::{authenticate, internal};
use super::{ApiState, Problem};
use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, Method, Uri};
use serde::Serialize;
use unchain_recruit::voice::{ANSWER_DAYS, Answer, MonthVoice, Standing, date_of_ms};
use unchain_recruit::voice_state::{self, VoiceRecord};

/// An employer's published worker voice.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct PublishedVoice {
    /// The employer.
    pub employer: String,
    /// The least group published: a month of fewer workers of a kind is left out.
    pub min_group: u32,
    /// The ledger's date the standing was taken at (its last block).
    pub as_of: String,
    /// Closed months with at least `min_group` grievances or survey answers.
    #[schema(value_type = Vec<Object>)]
    pub months: Vec<MonthVoice>,
}

/// One grievance as its employer, its intake and the regulator see it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct GrievanceView {
    /// Its id (what the employer answers).
    pub voice: String,
    /// The employer.
    pub employer: String,
    /// The month it was recorded in.
    pub month: String,
    /// The ILO forced-labour indicators the worker ticked.
    pub indicators: Vec<String>,
    /// The intake organisation that holds the worker's words.
    pub intake: String,
    /// The last day to answer.
    pub answer_due: String,
    /// The employer's answer.
    #[schema(value_type = Option<Object>)]
    pub answer: Option<Answer>,
    /// Whether the worker says it was remedied, each time they said so, oldest first.
    pub outcomes: Vec<bool>,
    /// What became of it, as of the ledger's last block.
    #[schema(value_type = Object)]
    pub standing: Standing,
}

fn view(r: &VoiceRecord, now_ms: u64) -> Option<GrievanceView> {
    Some(GrievanceView {
        standing: r.standing(now_ms)?,
        voice: r.voice.voice.clone(),
        employer: r.voice.employer.clone(),
        month: r.month.clone(),
        indicators: r.voice.indicators.clone(),
        intake: r.recorded.member.clone(),
        answer_due: date_of_ms(r.recorded.recorded_ms + ANSWER_DAYS as u64 * 86_400_000),
        answer: r.answer.as_ref().map(|(a, _)| a.clone()),
        outcomes: r.outcomes.iter().map(|(o, _)| *o).collect(),
    })
}

fn now(state: &ApiState) -> Result<u64, Problem> {
    Ok(state.ledger.head()?.timestamp_ms)
}

/// An employer's worker voice: closed months with at least the group size of grievances or
/// survey answers, each with its count per ILO indicator, escalations and remedies.
#[utoipa::path(get, path = "/v1/recruit/employers/{party}/voice", params(("party" = String, Path)),
    responses((status = 200, body = PublishedVoice), (status = 401, body = Problem)))]
pub async fn published(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(party): Path<String>,
) -> Result<Json<PublishedVoice>, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    let now = now(&state)?;
    let reader = state.ledger.state_reader()?;
    Ok(Json(PublishedVoice {
        months: voice_state::published(&reader, &party, now, state.voice_min_group)
            .map_err(internal)?,
        employer: party,
        min_group: state.voice_min_group,
        as_of: date_of_ms(now),
    }))
}

/// The grievances about an employer, one by one: for the employer (which must answer
/// them), the regulator that licensed it, and each grievance's intake (its own only). Any
/// other member gets an empty list.
#[utoipa::path(get, path = "/v1/recruit/employers/{party}/grievances", params(("party" = String, Path)),
    responses((status = 200, body = [GrievanceView]), (status = 401, body = Problem)))]
pub async fn grievances(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(party): Path<String>,
) -> Result<Json<Vec<GrievanceView>>, Problem> {
    let me = authenticate(&state, &method, &uri, &headers, b"")?;
    let now = now(&state)?;
    let reader = state.ledger.state_reader()?;
    let all_of_them = me.name == party
        || voice_state::licensed_by(&reader, &party, &me.name).map_err(internal)?;
    let all = voice_state::voices_about(&reader, &party).map_err(internal)?;
    // Anyone else gets an empty list, not a refusal: a refusal would say there is something.
    Ok(Json(
        all.iter()
            .filter(|r| all_of_them || r.recorded.member == me.name)
            .filter_map(|r| view(r, now))
            .collect(),
    ))
}

/// The grievances escalated (unanswered in time, disputed, not remedied, remedy overdue)
/// about the employers the calling member licensed: what it takes up as their regulator.
#[utoipa::path(get, path = "/v1/recruit/escalations",
    responses((status = 200, body = [GrievanceView]), (status = 401, body = Problem)))]
pub async fn escalations(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Result<Json<Vec<GrievanceView>>, Problem> {
    let me = authenticate(&state, &method, &uri, &headers, b"")?;
    let now = now(&state)?;
    let reader = state.ledger.state_reader()?;
    Ok(Json(
        voice_state::escalated_for(&reader, &me.name, now)
            .map_err(internal)?
            .iter()
            .filter_map(|(r, _)| view(r, now))
            .collect(),
    ))
}

/// Fees workers reported paying a recruitment agency, in the survey: closed months with at
/// least the group size of reports naming it, with the amounts by currency.
#[utoipa::path(get, path = "/v1/recruit/recruiters/{party}/fees-reported", params(("party" = String, Path)),
    responses((status = 200, body = ReportedFees), (status = 401, body = Problem)))]
pub async fn fees_reported(
    State(state): State<ApiState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    Path(party): Path<String>,
) -> Result<Json<ReportedFees>, Problem> {
    authenticate(&state, &method, &uri, &headers, b"")?;
    let now = now(&state)?;
    let reader = state.ledger.state_reader()?;
    Ok(Json(ReportedFees {
        months: voice_state::fees_reported(&reader, &party, now, state.voice_min_group)
            .map_err(internal)?,
        recruiter: party,
        min_group: state.voice_min_group,
        as_of: date_of_ms(now),
    }))
}

/// A recruitment agency's fees as workers reported them.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct ReportedFees {
    /// The agency.
    pub recruiter: String,
    /// The least group published.
    pub min_group: u32,
    /// The ledger's date the months were taken at.
    pub as_of: String,
    /// Closed months with at least `min_group` reports.
    #[schema(value_type = Vec<Object>)]
    pub months: Vec<unchain_recruit::fee_reports::RecruiterMonth>,
}
