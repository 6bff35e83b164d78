//! One function per site endpoint: a validated call in, a request
//! description out, through either door (see `door.rs`). Nothing here
//! performs I/O.

use super::chars::is;
use super::command::SqlCommand;
use super::config::Endpoint;
use super::door::{Door, INTEGRATOR_PATH_PREFIX};
use super::encoding::form_encode;
use super::error::HaloError;
use super::fhir;
use super::ids::{QueryId, SiteId};
use super::json_writer::{push_string, ObjectWriter};
use super::limits::{
    at_most, at_most_chars, MAX_FHIR_SEARCH_FORM_BYTES, MAX_FHIR_SEARCH_PARAMS,
    MAX_FHIR_SEARCH_QUERY_BYTES, MAX_QUERY_STATUS_IDS, MAX_REGISTERED_NAME_CHARS,
    MAX_SQL_NAME_CHARS,
};
use super::numbers::whole_number;
use super::retry::Replay;

/// The longest an immediate query may wait in Halo's queue (its documented `maxTimeInQueue` range).
pub const IMMEDIATE_MAX_TIME_IN_QUEUE_MS: u64 = 60_000;
/// The longest an async query may wait in Halo's queue: two hours.
pub const ASYNC_MAX_TIME_IN_QUEUE_MS: u64 = 7_200_000;
/// Halo re-runs a registered query at most once a minute.
pub const REGISTERED_MIN_FREQUENCY_S: u64 = 60;
/// A registered query lives at most a day.
pub const REGISTERED_MAX_DURATION_S: u64 = 86_400;

/// The HTTP methods Halo's site endpoints use.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// Reads: queries, pages, registered queries, FHIR reads and GET searches.
    Get,
    /// Creates a query, a registration, a token, or a FHIR `_search`.
    Post,
    /// Cancels a registered query.
    Delete,
}

impl Method {
    /// As `fetch` takes it.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Get => "GET",
            Method::Post => "POST",
            Method::Delete => "DELETE",
        }
    }
}

/// A request body, already encoded.
#[derive(Clone, PartialEq, Eq)]
pub struct Body {
    /// `application/json` or `application/x-www-form-urlencoded`.
    pub content_type: &'static str,
    /// The encoded body, sent as is.
    pub text: String,
}

/// Bodies can carry a device id (the token request) or patient details
/// (a FHIR search): `Debug` shows only their type and size.
impl core::fmt::Debug for Body {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Body")
            .field("content_type", &self.content_type)
            .field("bytes", &self.text.len())
            .finish()
    }
}

/// An HTTP request for the shell to send, minus the auth headers, which
/// are added per attempt because the token can change between attempts.
#[derive(Clone, PartialEq, Eq)]
pub struct RequestSpec {
    /// How it is sent.
    pub method: Method,
    /// Base URL, prefix, path and any query string: only `fetch` sees it.
    pub url: String,
    /// The path alone, without the query string, for events and error
    /// messages: it names the site, never a secret. A FHIR search sent
    /// with GET carries patient details in its query, which only `url` has.
    pub path: String,
    /// What is sent after the headers, if anything.
    pub body: Option<Body>,
    /// Whether sending it again is safe, which decides its retries.
    pub replay: Replay,
}

/// Like the body, the query string may hold patient details: `Debug`
/// shows the URL without it.
impl core::fmt::Debug for RequestSpec {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        let (without_query, _) = self.url.split_once(is('?')).unwrap_or((&self.url, ""));
        f.debug_struct("RequestSpec")
            .field("method", &self.method)
            .field("url", &without_query)
            .field("path", &self.path)
            .field("body", &self.body)
            .field("replay", &self.replay)
            .finish()
    }
}

const JSON: &str = "application/json";
pub(crate) const FORM: &str = "application/x-www-form-urlencoded";

/// Builds the requests for one site through one door. The door only
/// chooses the prefix (here) and the credentials (the shell's); every
/// builder below serves both.
#[derive(Clone, Debug)]
pub struct SiteRequests {
    door: Door,
    endpoint: Endpoint,
    site_id: SiteId,
}

impl SiteRequests {
    /// The Device API, below `endpoint.path_prefix` (`/desktop` by default).
    pub fn device(endpoint: Endpoint, site_id: SiteId) -> Self {
        Self {
            door: Door::Device,
            endpoint,
            site_id,
        }
    }

    /// The Integrator API, below `/integrator` on `base_url` whatever
    /// prefix the endpoint carries: that option belongs to the device door.
    pub fn integrator(base_url: &str, site_id: SiteId) -> Self {
        let endpoint = Endpoint {
            base_url: base_url.to_owned(),
            path_prefix: INTEGRATOR_PATH_PREFIX.to_owned(),
        };
        Self {
            door: Door::Integrator,
            endpoint,
            site_id,
        }
    }

    /// The door these requests go through.
    pub fn door(&self) -> Door {
        self.door
    }

    /// Where the requests go, to explain a failure (`Endpoint::explain`).
    pub fn endpoint(&self) -> &Endpoint {
        &self.endpoint
    }

    fn spec(&self, method: Method, tail: &str, body: Option<Body>, replay: Replay) -> RequestSpec {
        self.spec_with_query(method, tail, "", body, replay)
    }

    /// `query` (form-encoded, possibly empty) goes into `url` alone.
    fn spec_with_query(
        &self,
        method: Method,
        tail: &str,
        query: &str,
        body: Option<Body>,
        replay: Replay,
    ) -> RequestSpec {
        let path = format!(
            "{}/sites/{}/{tail}",
            self.endpoint.path_prefix, self.site_id
        );
        let separator = if query.is_empty() { "" } else { "?" };
        RequestSpec {
            method,
            url: format!("{}{path}{separator}{query}", self.endpoint.base_url),
            path,
            body,
            replay,
        }
    }

    /// `POST …/queries/immediate`: runs the command and returns rows inline.
    pub fn immediate_query(
        &self,
        command: &SqlCommand,
        options: &QueryOptions,
    ) -> Result<RequestSpec, HaloError> {
        let body = query_body(command, options, IMMEDIATE_MAX_TIME_IN_QUEUE_MS)?;
        Ok(self.spec(
            Method::Post,
            "queries/immediate",
            Some(body),
            Replay::CreatesQuery,
        ))
    }

    /// `POST …/queries/async`: queues the command; poll or wait for a webhook.
    pub fn async_query(
        &self,
        command: &SqlCommand,
        options: &QueryOptions,
    ) -> Result<RequestSpec, HaloError> {
        let body = query_body(command, options, ASYNC_MAX_TIME_IN_QUEUE_MS)?;
        Ok(self.spec(
            Method::Post,
            "queries/async",
            Some(body),
            Replay::CreatesQuery,
        ))
    }

    /// `GET …/queries/{queryId}`.
    pub fn get_query(&self, query_id: &str) -> Result<RequestSpec, HaloError> {
        let id = QueryId::parse("queryId", query_id)?;
        Ok(self.spec(
            Method::Get,
            &format!("queries/{}", id.as_str()),
            None,
            Replay::Idempotent,
        ))
    }

    /// `POST …/queries/status` with `{"queryIds":[…]}`: many queries' states
    /// in one call (the Integrator API only; the operation table keeps it
    /// from the device door). It only reads, so it may be sent again.
    pub fn query_statuses(&self, query_ids: &[String]) -> Result<RequestSpec, HaloError> {
        check_query_id_count(query_ids.len())?;
        let mut ids = String::from("[");
        for (index, query_id) in query_ids.iter().enumerate() {
            let id = QueryId::parse(&format!("queryIds[{index}]"), query_id)?;
            if index > 0 {
                ids.push(',');
            }
            push_string(&mut ids, id.as_str());
        }
        ids.push(']');
        let mut text = String::with_capacity(ids.len() + 16);
        let mut object = ObjectWriter::open(&mut text);
        object.raw("queryIds", &ids);
        object.close();
        let body = Body {
            content_type: JSON,
            text,
        };
        Ok(self.spec(
            Method::Post,
            "queries/status",
            Some(body),
            Replay::Idempotent,
        ))
    }

    /// `GET …/queries/{queryId}/results/{pageNumber}`; pages start at 1.
    pub fn result_page(&self, query_id: &str, page_number: f64) -> Result<RequestSpec, HaloError> {
        let id = QueryId::parse("queryId", query_id)?;
        let page = whole_number("pageNumber", page_number, 1, u32::MAX.into())?;
        let tail = format!("queries/{}/results/{page}", id.as_str());
        Ok(self.spec(Method::Get, &tail, None, Replay::Idempotent))
    }

    /// `GET …/queries/{queryId}/results/{pageNumber}/stream` (Integrator API
    /// only): the same page, as its rows arrive.
    pub fn stream_result_page(
        &self,
        query_id: &str,
        page_number: f64,
    ) -> Result<RequestSpec, HaloError> {
        // The page's URL has no query string, so the suffix ends both.
        let mut spec = self.result_page(query_id, page_number)?;
        spec.path.push_str("/stream");
        spec.url.push_str("/stream");
        Ok(spec)
    }

    /// `POST …/queries/registered`.
    pub fn create_registered_query(
        &self,
        registration: &Registration,
    ) -> Result<RequestSpec, HaloError> {
        let mut body = String::new();
        let mut command = String::new();
        registration.command.write_json(&mut command);
        let mut object = ObjectWriter::open(&mut body);
        object
            .string("name", &registration.name)
            .string("registeredQueryType", "query")
            .number("frequency", registration.frequency_s)
            .number("duration", registration.duration_s)
            .raw("registerCommand", &format!("{{\"command\":{command}}}"));
        object.close();
        let body = Body {
            content_type: JSON,
            text: body,
        };
        Ok(self.spec(
            Method::Post,
            "queries/registered",
            Some(body),
            Replay::CreatesQuery,
        ))
    }

    /// `GET …/queries/registered`.
    pub fn list_registered_queries(&self) -> RequestSpec {
        self.spec(Method::Get, "queries/registered", None, Replay::Idempotent)
    }

    /// `GET …/queries/registered/{queryId}`.
    pub fn get_registered_query(&self, query_id: &str) -> Result<RequestSpec, HaloError> {
        let id = QueryId::parse("registeredQueryId", query_id)?;
        let tail = format!("queries/registered/{}", id.as_str());
        Ok(self.spec(Method::Get, &tail, None, Replay::Idempotent))
    }

    /// `DELETE …/queries/registered/{queryId}`.
    pub fn cancel_registered_query(&self, query_id: &str) -> Result<RequestSpec, HaloError> {
        let id = QueryId::parse("registeredQueryId", query_id)?;
        let tail = format!("queries/registered/{}", id.as_str());
        Ok(self.spec(Method::Delete, &tail, None, Replay::Idempotent))
    }

    /// `GET …/queries/registered/{queryId}/results`.
    pub fn registered_query_result(&self, query_id: &str) -> Result<RequestSpec, HaloError> {
        let id = QueryId::parse("registeredQueryId", query_id)?;
        let tail = format!("queries/registered/{}/results", id.as_str());
        Ok(self.spec(Method::Get, &tail, None, Replay::Idempotent))
    }

    /// `GET …/fhir/R4/{resourceType}/{id}`.
    pub fn fhir_read(&self, resource_type: &str, id: &str) -> Result<RequestSpec, HaloError> {
        let resource_type = fhir_resource_type(resource_type)?;
        let id = fhir_id(id)?;
        let tail = format!("fhir/R4/{resource_type}/{id}");
        Ok(self.spec(Method::Get, &tail, None, Replay::Idempotent))
    }

    /// FHIR search. POST `_search` with a form body is the default because
    /// search parameters carry PII, which should not sit in URLs and logs.
    pub fn fhir_search(
        &self,
        resource_type: &str,
        params: &[(String, String)],
        method: Method,
    ) -> Result<RequestSpec, HaloError> {
        let resource_type = fhir_resource_type(resource_type)?;
        let max = match method {
            Method::Get => MAX_FHIR_SEARCH_QUERY_BYTES,
            _ => MAX_FHIR_SEARCH_FORM_BYTES,
        };
        let form = search_form(params, max)?;
        match method {
            Method::Post => {
                let body = Body {
                    content_type: FORM,
                    text: form,
                };
                let tail = format!("fhir/R4/{resource_type}/_search");
                // A search reads only: safe to send again.
                Ok(self.spec(Method::Post, &tail, Some(body), Replay::Idempotent))
            }
            Method::Get => {
                let tail = format!("fhir/R4/{resource_type}");
                Ok(self.spec_with_query(Method::Get, &tail, &form, None, Replay::Idempotent))
            }
            Method::Delete => Err(HaloError::validation(
                "method",
                "FHIR search method must be \"POST\" or \"GET\"",
            )),
        }
    }

    /// `GET …/fhir/R4/metadata`: the CapabilityStatement.
    pub fn fhir_capabilities(&self) -> RequestSpec {
        self.spec(Method::Get, "fhir/R4/metadata", None, Replay::Idempotent)
    }

    /// `GET …/fhir/R4/{path}?{params}`: a read, a compartment search
    /// (`Patient/1/Encounter`) or an operation (`Patient/1/$summary`,
    /// `Appointment/$find`), each segment checked by `fhir::path`. The
    /// parameters go into `url` alone, like a GET search's.
    pub fn fhir_get(
        &self,
        path: &str,
        params: &[(String, String)],
    ) -> Result<RequestSpec, HaloError> {
        fhir::path("path", path)?;
        let query = search_form(params, MAX_FHIR_SEARCH_QUERY_BYTES)?;
        let tail = format!("fhir/R4/{path}");
        Ok(self.spec_with_query(Method::Get, &tail, &query, None, Replay::Idempotent))
    }

    /// `GET` of a searchset Bundle's `next` link, only where `fhir::next_link`
    /// finds it below this site's FHIR base at this door; rebuilt on the
    /// client's own base URL.
    pub fn fhir_next_page(&self, link: &str) -> Result<RequestSpec, HaloError> {
        let base = self.spec(Method::Get, "fhir/R4", None, Replay::Idempotent);
        let (tail, query) = fhir::next_link(&base.url, link)?;
        let separator = if query.is_empty() { "" } else { "?" };
        Ok(RequestSpec {
            url: format!("{}{tail}{separator}{query}", base.url),
            path: format!("{}{tail}", base.path),
            ..base
        })
    }
}

/// Options shared by immediate and async queries.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct QueryOptions {
    /// The database on multi-database practice systems, e.g. `BPSPatients`.
    pub catalogue: Option<String>,
    /// How long the query may wait in Halo's queue, as the caller gave it.
    pub max_time_in_queue_ms: Option<f64>,
}

/// A registered query, validated: what `POST …/queries/registered` sends.
#[derive(Clone, Debug)]
pub struct Registration {
    /// The caller's label for it; not empty.
    pub name: String,
    /// What Halo runs each time.
    pub command: SqlCommand,
    /// Seconds between runs, at least a minute.
    pub frequency_s: u64,
    /// Seconds it stays registered, at most a day.
    pub duration_s: u64,
}

impl Registration {
    /// Checks the name and turns the caller's seconds into whole numbers
    /// within Halo's range, naming the field at fault.
    pub fn new(
        name: &str,
        command: SqlCommand,
        frequency_s: f64,
        duration_s: f64,
    ) -> Result<Self, HaloError> {
        if name.trim().is_empty() {
            return Err(HaloError::validation(
                "name",
                "name must be a non-empty label for the registered query",
            ));
        }
        at_most_chars("name", name, MAX_REGISTERED_NAME_CHARS)?;
        Ok(Self {
            name: name.to_owned(),
            command,
            frequency_s: whole_number(
                "frequencySeconds",
                frequency_s,
                REGISTERED_MIN_FREQUENCY_S,
                REGISTERED_MAX_DURATION_S,
            )?,
            duration_s: whole_number("durationSeconds", duration_s, 1, REGISTERED_MAX_DURATION_S)?,
        })
    }
}

fn query_body(
    command: &SqlCommand,
    options: &QueryOptions,
    max_in_queue: u64,
) -> Result<Body, HaloError> {
    let mut command_json = String::new();
    command.write_json(&mut command_json);
    let mut text = String::with_capacity(command_json.len() + 64);
    let mut object = ObjectWriter::open(&mut text);
    object.raw("command", &command_json);
    if let Some(ms) = options.max_time_in_queue_ms {
        object.number(
            "maxTimeInQueue",
            whole_number("maxTimeInQueueMs", ms, 0, max_in_queue)?,
        );
    }
    if let Some(catalogue) = &options.catalogue {
        if catalogue.trim().is_empty() {
            return Err(HaloError::validation(
                "catalogue",
                "catalogue must be a database name such as \"Patients\", or omitted",
            ));
        }
        at_most_chars("catalogue", catalogue, MAX_SQL_NAME_CHARS)?;
        object.string("catalogue", catalogue);
    }
    object.close();
    Ok(Body {
        content_type: JSON,
        text,
    })
}

fn fhir_resource_type(value: &str) -> Result<&str, HaloError> {
    if fhir::is_resource_type(value) {
        Ok(value)
    } else {
        Err(HaloError::validation(
            "resourceType",
            format!("resourceType must be a FHIR resource type such as Patient; got \"{value}\""),
        ))
    }
}

fn fhir_id(value: &str) -> Result<&str, HaloError> {
    if fhir::is_id(value) {
        Ok(value)
    } else {
        Err(HaloError::validation(
            "id",
            "id must be a FHIR id: 1 to 64 letters, digits, '-' or '.', and not a path",
        ))
    }
}

/// FHIR search parameters form-encoded, within `max` bytes; names must not be empty.
fn search_form(params: &[(String, String)], max: usize) -> Result<String, HaloError> {
    check_search_count(params.len())?;
    if params.iter().any(|(name, _)| name.is_empty()) {
        return Err(HaloError::validation(
            "params",
            "FHIR search parameter names must not be empty",
        ));
    }
    let form = form_encode(params);
    at_most("params", form.len(), max, "bytes once encoded")?;
    Ok(form)
}

/// Refuses more query ids than one batch status call takes; the shell asks
/// before it reads each id.
pub fn check_query_id_count(count: usize) -> Result<(), HaloError> {
    at_most("queryIds", count, MAX_QUERY_STATUS_IDS, "query ids")
}

/// Refuses more FHIR search parameters than one search needs; the shell
/// asks before it reads each pair.
pub fn check_search_count(count: usize) -> Result<(), HaloError> {
    at_most("params", count, MAX_FHIR_SEARCH_PARAMS, "name/value pairs")
}

#[cfg(test)]
mod tests {
    use super::*;

    const SITE: &str = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";
    const QUERY: &str = "0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d";

    fn requests() -> SiteRequests {
        let endpoint = Endpoint::from_parts(None, Some("http://127.0.0.1:4010"), None).unwrap();
        SiteRequests::device(endpoint, SiteId::parse(SITE).unwrap())
    }

    fn body_json(spec: &RequestSpec) -> serde_json::Value {
        serde_json::from_str(&spec.body.as_ref().unwrap().text).unwrap()
    }

    #[test]
    fn immediate_query_posts_the_documented_body() {
        let command = SqlCommand::reader("SELECT 1").unwrap();
        let options = QueryOptions {
            catalogue: Some("Patients".into()),
            max_time_in_queue_ms: Some(1000.0),
        };
        let spec = requests().immediate_query(&command, &options).unwrap();
        assert_eq!(spec.method, Method::Post);
        assert_eq!(
            spec.url,
            format!("http://127.0.0.1:4010/desktop/sites/{SITE}/queries/immediate")
        );
        assert_eq!(
            spec.path,
            format!("/desktop/sites/{SITE}/queries/immediate")
        );
        assert_eq!(spec.replay, Replay::CreatesQuery);
        assert_eq!(spec.body.as_ref().unwrap().content_type, "application/json");
        assert_eq!(
            body_json(&spec),
            serde_json::json!({
                "command": {"text":"SELECT 1","executionMode":"reader","type":"text","parameters":[]},
                "maxTimeInQueue": 1000,
                "catalogue": "Patients"
            })
        );
    }

    #[test]
    fn max_time_in_queue_limits_differ_between_immediate_and_async() {
        let command = SqlCommand::reader("SELECT 1").unwrap();
        let options = |ms| QueryOptions {
            catalogue: None,
            max_time_in_queue_ms: Some(ms),
        };
        assert!(requests()
            .immediate_query(&command, &options(60_000.0))
            .is_ok());
        let error = requests()
            .immediate_query(&command, &options(60_001.0))
            .unwrap_err();
        assert_eq!(error.field.as_deref(), Some("maxTimeInQueueMs"));
        assert!(requests()
            .async_query(&command, &options(7_200_000.0))
            .is_ok());
        assert!(requests()
            .async_query(&command, &options(7_200_001.0))
            .is_err());
        assert!(requests().async_query(&command, &options(-1.0)).is_err());
    }

    #[test]
    fn result_pages_are_whole_numbers_from_one() {
        let spec = requests().result_page(QUERY, 2.0).unwrap();
        assert!(spec.url.ends_with(&format!("/queries/{QUERY}/results/2")));
        for bad in [0.0, 1.5, -3.0, f64::NAN] {
            let error = requests().result_page(QUERY, bad).unwrap_err();
            assert_eq!(error.field.as_deref(), Some("pageNumber"));
        }
        assert_eq!(
            requests()
                .result_page("nope", 1.0)
                .unwrap_err()
                .field
                .as_deref(),
            Some("queryId")
        );
    }

    #[test]
    fn a_streamed_page_is_the_page_with_a_stream_suffix() {
        let spec = requests().stream_result_page(QUERY, 3.0).unwrap();
        assert!(spec
            .url
            .ends_with(&format!("/queries/{QUERY}/results/3/stream")));
        assert!(spec.path.ends_with("/results/3/stream"));
        assert_eq!(spec.replay, Replay::Idempotent);
        let error = requests().stream_result_page(QUERY, 0.0).unwrap_err();
        assert_eq!(error.field.as_deref(), Some("pageNumber"));
    }

    #[test]
    fn registered_queries_respect_frequency_and_duration_limits() {
        let command = SqlCommand::reader("SELECT 1").unwrap();
        let registration = Registration::new("daily", command.clone(), 60.0, 86_400.0).unwrap();
        let spec = requests().create_registered_query(&registration).unwrap();
        assert_eq!(
            body_json(&spec),
            serde_json::json!({
                "name": "daily", "registeredQueryType": "query", "frequency": 60, "duration": 86400,
                "registerCommand": {"command": {"text":"SELECT 1","executionMode":"reader","type":"text","parameters":[]}}
            })
        );
        let field = |f, d| {
            Registration::new("x", command.clone(), f, d)
                .unwrap_err()
                .field
                .clone()
        };
        assert_eq!(field(59.0, 100.0).as_deref(), Some("frequencySeconds"));
        assert_eq!(field(60.0, 86_401.0).as_deref(), Some("durationSeconds"));
        assert!(Registration::new(" ", command.clone(), 60.0, 60.0).is_err());
        let long = "n".repeat(MAX_REGISTERED_NAME_CHARS + 1);
        let error = Registration::new(&long, command, 60.0, 60.0).unwrap_err();
        assert_eq!(error.field.as_deref(), Some("name"));
    }

    #[test]
    fn oversized_catalogues_and_searches_are_refused() {
        let command = SqlCommand::reader("SELECT 1").unwrap();
        let options = QueryOptions {
            catalogue: Some("c".repeat(MAX_SQL_NAME_CHARS + 1)),
            ..QueryOptions::default()
        };
        let error = requests().immediate_query(&command, &options).unwrap_err();
        assert_eq!(error.field.as_deref(), Some("catalogue"));
        let search = |params: Vec<(String, String)>, method| {
            requests()
                .fhir_search("Patient", &params, method)
                .map(|_| ())
                .map_err(|e| e.field.clone().unwrap())
        };
        let pair = |value: String| ("name".to_owned(), value);
        let many = vec![pair("x".into()); MAX_FHIR_SEARCH_PARAMS + 1];
        assert_eq!(search(many, Method::Post), Err("params".into()));
        let long = || vec![pair("x".repeat(MAX_FHIR_SEARCH_QUERY_BYTES))];
        assert_eq!(search(long(), Method::Get), Err("params".into()));
        assert_eq!(search(long(), Method::Post), Ok(()));
        let longer = vec![pair("x".repeat(MAX_FHIR_SEARCH_FORM_BYTES))];
        assert_eq!(search(longer, Method::Post), Err("params".into()));
    }

    #[test]
    fn fhir_paths_refuse_anything_that_could_leave_the_segment() {
        assert!(requests()
            .fhir_read("Patient", "123-a.b")
            .unwrap()
            .url
            .ends_with("/fhir/R4/Patient/123-a.b"));
        for (resource, id) in [
            ("Patient", ".."),
            ("Patient", "a/b"),
            ("Patient", "a?b"),
            ("Patient", "a#b"),
            ("../x", "1"),
            ("patient", "1"),
            ("Patient", ""),
        ] {
            assert!(
                requests().fhir_read(resource, id).is_err(),
                "{resource} {id}"
            );
        }
    }

    #[test]
    fn fhir_paths_reach_compartments_and_operations_and_nothing_else() {
        let get = |path: &str, params: &[(&str, &str)]| {
            let params: Vec<_> = params
                .iter()
                .map(|(n, v)| (n.to_string(), v.to_string()))
                .collect();
            requests().fhir_get(path, &params)
        };
        let base = format!("http://127.0.0.1:4010/desktop/sites/{SITE}/fhir/R4");
        let summary = get("Patient/1/$summary", &[]).unwrap();
        assert_eq!(summary.url, format!("{base}/Patient/1/$summary"));
        assert_eq!(
            (summary.method, summary.replay),
            (Method::Get, Replay::Idempotent)
        );
        let find = get("Appointment/$find", &[("patient", "Patient/1")]).unwrap();
        assert_eq!(
            find.url,
            format!("{base}/Appointment/$find?patient=Patient%2F1")
        );
        assert_eq!(
            find.path,
            format!("/desktop/sites/{SITE}/fhir/R4/Appointment/$find")
        );
        assert!(get("Patient/1/Encounter", &[]).is_ok());
        assert!(get("metadata", &[]).is_ok());
        for bad in [
            "../token",
            "Patient/../../integrator/token",
            "Patient/%2e%2e",
            "Patient/1?x",
        ] {
            assert_eq!(
                get(bad, &[]).unwrap_err().field.as_deref(),
                Some("path"),
                "{bad}"
            );
        }
        assert_eq!(
            get("Patient", &[("", "x")]).unwrap_err().field.as_deref(),
            Some("params")
        );
    }

    #[test]
    fn a_next_page_is_rebuilt_on_the_clients_own_base_at_its_own_door() {
        let base = format!("http://127.0.0.1:4010/desktop/sites/{SITE}/fhir/R4");
        let next = requests()
            .fhir_next_page(&format!(
                "HTTP://127.0.0.1:4010/desktop/sites/{SITE}/fhir/R4/Patient?family=Smith&page=2"
            ))
            .unwrap();
        assert_eq!(next.url, format!("{base}/Patient?family=Smith&page=2"));
        assert_eq!(next.path, format!("/desktop/sites/{SITE}/fhir/R4/Patient"));
        assert_eq!(
            (next.method, next.replay, next.body),
            (Method::Get, Replay::Idempotent, None)
        );
        let integrator =
            SiteRequests::integrator("http://127.0.0.1:4010", SiteId::parse(SITE).unwrap());
        let error = integrator
            .fhir_next_page(&format!("{base}/Patient?page=2"))
            .unwrap_err();
        assert_eq!(error.kind, super::super::error::ErrorKind::Protocol);
    }

    #[test]
    fn query_statuses_post_the_ids_and_check_each() {
        let integrator =
            SiteRequests::integrator("http://127.0.0.1:4010", SiteId::parse(SITE).unwrap());
        let other = "6f9619ff-8b86-4d11-b42d-00c04fc964ff";
        let spec = integrator
            .query_statuses(&[QUERY.to_owned(), other.to_owned()])
            .unwrap();
        assert_eq!(spec.method, Method::Post);
        assert_eq!(
            spec.path,
            format!("/integrator/sites/{SITE}/queries/status")
        );
        assert_eq!(spec.replay, Replay::Idempotent);
        assert_eq!(
            body_json(&spec),
            serde_json::json!({ "queryIds": [QUERY, other] })
        );
        assert_eq!(
            body_json(&integrator.query_statuses(&[]).unwrap()),
            serde_json::json!({ "queryIds": [] })
        );
        let error = integrator
            .query_statuses(&[QUERY.to_owned(), "../token".to_owned()])
            .unwrap_err();
        assert_eq!(error.field.as_deref(), Some("queryIds[1]"));
        let many = vec![QUERY.to_owned(); MAX_QUERY_STATUS_IDS + 1];
        let error = integrator.query_statuses(&many).unwrap_err();
        assert_eq!(error.field.as_deref(), Some("queryIds"));
    }

    #[test]
    fn body_debug_shows_no_content() {
        let body = Body {
            content_type: FORM,
            text: "given=Jane&device_id=secret-device".into(),
        };
        let shown = format!("{body:?}");
        assert!(
            !shown.contains("secret-device") && !shown.contains("Jane"),
            "{shown}"
        );
    }

    #[test]
    fn fhir_search_posts_a_form_by_default_shape() {
        let params = vec![
            ("given".to_owned(), "John Paul".to_owned()),
            ("birthdate".to_owned(), "gt1900-01-01&x".to_owned()),
        ];
        let post = requests()
            .fhir_search("Patient", &params, Method::Post)
            .unwrap();
        assert!(post.url.ends_with("/fhir/R4/Patient/_search"));
        let body = post.body.unwrap();
        assert_eq!(body.content_type, "application/x-www-form-urlencoded");
        assert_eq!(body.text, "given=John+Paul&birthdate=gt1900-01-01%26x");
        let get = requests()
            .fhir_search("Patient", &params, Method::Get)
            .unwrap();
        assert!(get
            .url
            .ends_with("/fhir/R4/Patient?given=John+Paul&birthdate=gt1900-01-01%26x"));
        assert!(get.body.is_none());
    }

    #[test]
    fn a_get_search_keeps_its_patient_details_out_of_the_path() {
        let params = vec![("family".to_owned(), "Smith".to_owned())];
        let get = requests()
            .fhir_search("Patient", &params, Method::Get)
            .unwrap();
        assert_eq!(get.path, format!("/desktop/sites/{SITE}/fhir/R4/Patient"));
        assert!(get.url.ends_with("/fhir/R4/Patient?family=Smith"));
        assert!(!format!("{get:?}").contains("Smith"), "{get:?}");
        let bare = requests().fhir_search("Patient", &[], Method::Get).unwrap();
        assert_eq!(bare.url, format!("http://127.0.0.1:4010{}", bare.path));
    }
}
