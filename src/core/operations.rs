//! The operation table: every Halo site operation a client runs through its
//! one `call` export, with the doors it is open at, the arguments it takes,
//! the request it becomes and what a successful answer must show. The
//! facade's methods, both wasms' dispatch and the generated TypeScript
//! signatures all come from here.

use super::command::SqlCommand;
use super::config::DEFAULT_IMMEDIATE_QUERY_TIMEOUT_MS;
use super::door::Door;
use super::error::{ErrorKind, HaloError};
use super::requests::{Method, QueryOptions, Registration, RequestSpec, SiteRequests};
use super::responses::QueryState;

macro_rules! operations {
    ($(
        $(#[doc = $doc:literal])*
        $op:ident = $name:literal {
            doors: $doors:ident,
            arguments: $arguments:ident,
            outcome: $outcome:ident,
            ts: ($ts_args:literal, $ts_options:literal, $ts_result:literal) $(,)?
        }
    )*) => {
        /// A site operation, named as the facade's method.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        pub enum Operation {
            $($(#[doc = $doc])* $op,)*
        }

        impl Operation {
            /// Every operation, in table order.
            pub const ALL: &'static [Operation] = &[$(Operation::$op),*];

            /// The name JavaScript passes to `call`, and the facade's method name.
            pub fn name(self) -> &'static str {
                match self { $(Operation::$op => $name,)* }
            }

            /// The doors this operation is open at.
            pub fn doors(self) -> Doors {
                match self { $(Operation::$op => Doors::$doors,)* }
            }

            /// The shape of the arguments the shell reads for this operation.
            pub fn arguments(self) -> Arguments {
                match self { $(Operation::$op => Arguments::$arguments,)* }
            }

            /// What a successful answer must show.
            pub fn outcome(self) -> Outcome {
                match self { $(Operation::$op => Outcome::$outcome,)* }
            }

            /// `(arguments tuple, options, result)` as TypeScript types.
            #[cfg(all(test, not(target_arch = "wasm32")))]
            pub(crate) fn typescript(self) -> (&'static str, &'static str, &'static str) {
                match self { $(Operation::$op => ($ts_args, $ts_options, $ts_result),)* }
            }

            #[cfg(all(test, not(target_arch = "wasm32")))]
            pub(crate) fn docs(self) -> &'static [&'static str] {
                match self { $(Operation::$op => &[$($doc),*],)* }
            }
        }
    };
}

operations! {
    /// `POST …/queries/immediate`: runs SQL now; the answer carries the rows.
    ImmediateQuery = "immediateQuery" {
        doors: Both,
        arguments: Command,
        outcome: FinishedQuery,
        ts: ("[command: string | SqlCommand]", "ImmediateQueryOptions", "HaloQuery"),
    }
    /// `POST …/queries/async`: queues SQL; the answer is the new query.
    StartAsyncQuery = "startAsyncQuery" {
        doors: Both,
        arguments: Command,
        outcome: StartedQuery,
        ts: ("[command: string | SqlCommand]", "AsyncQueryOptions", "HaloQuery"),
    }
    /// `GET …/queries/{queryId}`: the query as it is now.
    GetQuery = "getQuery" {
        doors: Both,
        arguments: QueryId,
        outcome: Body,
        ts: ("[queryId: string]", "CallOptions", "HaloQuery"),
    }
    /// `POST …/queries/status`: many queries' states in one call, found or not (Integrator API only).
    GetQueryStatuses = "getQueryStatuses" {
        doors: IntegratorOnly,
        arguments: QueryIds,
        outcome: Body,
        ts: ("[queryIds: string[]]", "CallOptions", "{ results?: QueryStatusResult[] }"),
    }
    /// `GET …/queries/{queryId}/results/{pageNumber}`: one page, undecoded, with its metadata headers.
    GetResultPage = "getResultPage" {
        doors: Both,
        arguments: Page,
        outcome: Body,
        ts: ("[queryId: string, pageNumber: number]", "CallOptions", "{ body: QueryResultInfo; metadata?: ResultPageMetadata }"),
    }
    /// `GET …/queries/{queryId}/results/{pageNumber}/stream`: one page as its rows arrive (Integrator API only).
    StreamResultPage = "streamResultPage" {
        doors: IntegratorOnly,
        arguments: Page,
        outcome: Rows,
        ts: ("[queryId: string, pageNumber: number]", "CallOptions", "RowStreamHandle"),
    }
    /// `POST …/queries/registered`: a query Halo re-runs on a schedule.
    CreateRegisteredQuery = "createRegisteredQuery" {
        doors: Both,
        arguments: Registration,
        outcome: Body,
        ts: ("[registration: RegisteredQueryRegistration]", "CallOptions", "{ id: string }"),
    }
    /// `GET …/queries/registered`.
    ListRegisteredQueries = "listRegisteredQueries" {
        doors: Both,
        arguments: Nothing,
        outcome: Body,
        ts: ("[]", "CallOptions", "{ registeredQueries?: RegisteredQuery[] } | undefined"),
    }
    /// `GET …/queries/registered/{id}`.
    GetRegisteredQuery = "getRegisteredQuery" {
        doors: Both,
        arguments: RegisteredQueryId,
        outcome: Body,
        ts: ("[registeredQueryId: string]", "CallOptions", "RegisteredQuery"),
    }
    /// `DELETE …/queries/registered/{id}`.
    CancelRegisteredQuery = "cancelRegisteredQuery" {
        doors: Both,
        arguments: RegisteredQueryId,
        outcome: Body,
        ts: ("[registeredQueryId: string]", "CallOptions", "undefined"),
    }
    /// `GET …/queries/registered/{id}/results`: the latest result, undecoded.
    GetRegisteredQueryResult = "getRegisteredQueryResult" {
        doors: Both,
        arguments: RegisteredQueryId,
        outcome: Body,
        ts: ("[registeredQueryId: string]", "CallOptions", "QueryResultInfo | undefined"),
    }
    /// `GET …/fhir/R4/{resourceType}/{id}`.
    FhirRead = "fhirRead" {
        doors: Both,
        arguments: FhirResource,
        outcome: Body,
        ts: ("[resourceType: string, id: string]", "CallOptions", "FhirResource"),
    }
    /// `POST …/fhir/R4/{resourceType}/_search` (form), or `GET` with a query string.
    FhirSearch = "fhirSearch" {
        doors: Both,
        arguments: FhirSearch,
        outcome: Body,
        ts: ("[resourceType: string, params: Array<[string, string]>]", "FhirSearchOptions", "FhirBundle"),
    }
    /// `GET …/fhir/R4/{path}`: a read, compartment search or operation (`Patient/1/$summary`).
    FhirGet = "fhirGet" {
        doors: Both,
        arguments: FhirPath,
        outcome: Body,
        ts: ("[path: string, params: Array<[string, string]>]", "CallOptions", "FhirResource"),
    }
    /// `GET` of a searchset Bundle's `next` link, only below the same site's FHIR base.
    FhirNextPage = "fhirNextPage" {
        doors: Both,
        arguments: Link,
        outcome: Body,
        ts: ("[link: string]", "CallOptions", "FhirBundle"),
    }
    /// `GET …/fhir/R4/metadata`: the CapabilityStatement.
    FhirCapabilities = "fhirCapabilities" {
        doors: Both,
        arguments: Nothing,
        outcome: Body,
        ts: ("[]", "CallOptions", "FhirResource"),
    }
}

/// Where an operation is open: Halo publishes most site operations at both
/// doors, a few (batch status, streamed pages) at the Integrator API only.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Doors {
    /// The Device API and the Integrator API.
    Both,
    /// The Integrator API only.
    IntegratorOnly,
}

impl Doors {
    /// Whether `door` is one of these.
    pub fn include(self, door: Door) -> bool {
        self == Doors::Both || door == Door::Integrator
    }
}

impl Operation {
    /// Whether the answer carries the result page's metadata headers
    /// ([`PAGE_METADATA_HEADERS`](super::page_metadata::PAGE_METADATA_HEADERS))
    /// beside its body, as `{ body, metadata? }`.
    pub fn reads_page_metadata(self) -> bool {
        self == Operation::GetResultPage
    }

    /// The call's deadline when its options set none: an immediate query
    /// is what a UI waits on; every other call is bounded by its attempts.
    pub fn default_timeout_ms(self) -> Option<u64> {
        (self == Operation::ImmediateQuery).then_some(DEFAULT_IMMEDIATE_QUERY_TIMEOUT_MS)
    }

    /// The operation JavaScript named, or a validation error.
    pub fn from_name(name: &str) -> Result<Operation, HaloError> {
        Self::ALL
            .iter()
            .copied()
            .find(|op| op.name() == name)
            .ok_or_else(|| HaloError::validation("operation", "no such operation"))
    }
}

/// The shapes of arguments operations take, which tells the shell what to read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Arguments {
    /// `[command]` with query options.
    Command,
    /// `[queryId]`.
    QueryId,
    /// `[queryIds]`.
    QueryIds,
    /// `[queryId, pageNumber]`.
    Page,
    /// `[registration]`.
    Registration,
    /// `[registeredQueryId]`.
    RegisteredQueryId,
    /// `[resourceType, id]`.
    FhirResource,
    /// `[resourceType, params]` with a `method` option.
    FhirSearch,
    /// `[path, params]`.
    FhirPath,
    /// `[link]`.
    Link,
    /// `[]`.
    Nothing,
}

/// The arguments of one call, read by the shell and validated here.
#[derive(Clone, Debug)]
pub enum Input {
    /// A SQL command and its query options.
    Command(SqlCommand, QueryOptions),
    /// A query id, as given.
    QueryId(String),
    /// Query ids, as given.
    QueryIds(Vec<String>),
    /// A query id and a page number, as given.
    Page(String, f64),
    /// A validated registration.
    Registration(Registration),
    /// A registered query's id, as given.
    RegisteredQueryId(String),
    /// A FHIR resource type and id, as given.
    FhirResource(String, String),
    /// A FHIR resource type, `[name, value]` pairs, and the `method` option.
    FhirSearch(String, Vec<(String, String)>, Option<String>),
    /// A FHIR path and `[name, value]` pairs, as given.
    FhirPath(String, Vec<(String, String)>),
    /// A link a server sent, as given.
    Link(String),
    /// No arguments.
    Nothing,
}

/// What a successful answer must show before the call resolves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// A query object that finished successfully; a failed one is a
    /// `HaloQueryFailedError`, an unfinished one a protocol error.
    FinishedQuery,
    /// A query object that has not failed.
    StartedQuery,
    /// Any body.
    Body,
    /// A body of rows read as they arrive (a `RowSplitter`'s input), not parsed whole.
    Rows,
}

impl Outcome {
    /// The call's verdict on a query object in `state` (not asked for `Body`).
    pub fn check(self, state: impl FnOnce() -> QueryState) -> Result<(), HaloError> {
        if matches!(self, Outcome::Body | Outcome::Rows) {
            return Ok(());
        }
        match state() {
            QueryState::Failed(error) => Err(error),
            QueryState::Pending if self == Outcome::FinishedQuery => Err(HaloError::new(
                ErrorKind::Protocol,
                "an immediate query came back unfinished",
            )),
            _ => Ok(()),
        }
    }
}

/// The FHIR search method an option names: `POST` unless it says `GET`.
fn search_method(method: Option<&str>) -> Result<Method, HaloError> {
    match method {
        None | Some("POST") => Ok(Method::Post),
        Some("GET") => Ok(Method::Get),
        Some(_) => Err(HaloError::validation(
            "method",
            "method must be \"POST\" or \"GET\"",
        )),
    }
}

impl SiteRequests {
    /// The request `operation` makes with `input` through this door, validated.
    pub fn request(&self, operation: Operation, input: &Input) -> Result<RequestSpec, HaloError> {
        if !operation.doors().include(self.door()) {
            return Err(HaloError::validation(
                "operation",
                format!(
                    "{} is not offered by {}",
                    operation.name(),
                    self.door().api_name()
                ),
            ));
        }
        match (operation, input) {
            (Operation::ImmediateQuery, Input::Command(command, options)) => {
                self.immediate_query(command, options)
            }
            (Operation::StartAsyncQuery, Input::Command(command, options)) => {
                self.async_query(command, options)
            }
            (Operation::GetQuery, Input::QueryId(id)) => self.get_query(id),
            (Operation::GetQueryStatuses, Input::QueryIds(ids)) => self.query_statuses(ids),
            (Operation::GetResultPage, Input::Page(id, page)) => self.result_page(id, *page),
            (Operation::StreamResultPage, Input::Page(id, page)) => {
                self.stream_result_page(id, *page)
            }
            (Operation::CreateRegisteredQuery, Input::Registration(registration)) => {
                self.create_registered_query(registration)
            }
            (Operation::ListRegisteredQueries, Input::Nothing) => {
                Ok(self.list_registered_queries())
            }
            (Operation::GetRegisteredQuery, Input::RegisteredQueryId(id)) => {
                self.get_registered_query(id)
            }
            (Operation::CancelRegisteredQuery, Input::RegisteredQueryId(id)) => {
                self.cancel_registered_query(id)
            }
            (Operation::GetRegisteredQueryResult, Input::RegisteredQueryId(id)) => {
                self.registered_query_result(id)
            }
            (Operation::FhirRead, Input::FhirResource(resource_type, id)) => {
                self.fhir_read(resource_type, id)
            }
            (Operation::FhirSearch, Input::FhirSearch(resource_type, params, method)) => {
                self.fhir_search(resource_type, params, search_method(method.as_deref())?)
            }
            (Operation::FhirGet, Input::FhirPath(path, params)) => self.fhir_get(path, params),
            (Operation::FhirNextPage, Input::Link(link)) => self.fhir_next_page(link),
            (Operation::FhirCapabilities, Input::Nothing) => Ok(self.fhir_capabilities()),
            _ => Err(HaloError::validation(
                "arguments",
                format!("{} was called with the wrong arguments", operation.name()),
            )),
        }
    }
}

#[cfg(all(test, not(target_arch = "wasm32")))]
mod generate;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::Endpoint;
    use crate::core::ids::SiteId;
    use crate::core::retry::Replay;

    const SITE: &str = "3f2504e0-4f89-41d3-9a0c-0305e82c3301";

    fn requests() -> SiteRequests {
        let endpoint = Endpoint {
            base_url: "https://example.test".into(),
            path_prefix: "/desktop".into(),
        };
        SiteRequests::device(endpoint, SiteId::parse(SITE).unwrap())
    }

    fn integrator() -> SiteRequests {
        SiteRequests::integrator("https://example.test", SiteId::parse(SITE).unwrap())
    }

    /// One valid input of each argument shape, at the device door.
    fn sample(arguments: Arguments) -> Input {
        sample_at(arguments, "/desktop")
    }

    /// One valid input of each argument shape, for the door at `prefix`
    /// (a link names its door).
    fn sample_at(arguments: Arguments, prefix: &str) -> Input {
        let command = || {
            SqlCommand::from_input(crate::core::command::CommandInput::Text("SELECT 1".into()))
                .unwrap()
        };
        let id = || "0b4c7e2a-1d3f-4a5b-8c9d-0e1f2a3b4c5d".to_owned();
        match arguments {
            Arguments::Command => Input::Command(command(), QueryOptions::default()),
            Arguments::QueryId => Input::QueryId(id()),
            Arguments::QueryIds => Input::QueryIds(vec![id()]),
            Arguments::Page => Input::Page(id(), 2.0),
            Arguments::Registration => {
                Input::Registration(Registration::new("r", command(), 60.0, 600.0).unwrap())
            }
            Arguments::RegisteredQueryId => Input::RegisteredQueryId(id()),
            Arguments::FhirResource => Input::FhirResource("Patient".into(), "1".into()),
            Arguments::FhirSearch => {
                Input::FhirSearch("Patient".into(), vec![("a".into(), "b".into())], None)
            }
            Arguments::FhirPath => Input::FhirPath("Patient/1/$summary".into(), Vec::new()),
            Arguments::Link => Input::Link(format!(
                "https://example.test{prefix}/sites/{SITE}/fhir/R4/Patient?page=2"
            )),
            Arguments::Nothing => Input::Nothing,
        }
    }

    #[test]
    fn both_doors_build_the_same_request_below_their_own_prefix() {
        for op in Operation::ALL.iter().filter(|op| op.doors() == Doors::Both) {
            let device = requests().request(*op, &sample(op.arguments())).unwrap();
            let input = sample_at(op.arguments(), "/integrator");
            let integrator = integrator().request(*op, &input).unwrap();
            let below = |spec: &RequestSpec, prefix: &str| {
                spec.path.strip_prefix(prefix).unwrap().to_owned()
            };
            assert_eq!(
                below(&device, "/desktop"),
                below(&integrator, "/integrator")
            );
            assert!(integrator
                .url
                .starts_with("https://example.test/integrator/sites/"));
            assert_eq!(
                (device.method, device.body, device.replay),
                (integrator.method, integrator.body, integrator.replay),
                "{}",
                op.name()
            );
        }
    }

    #[test]
    fn integrator_only_operations_are_refused_at_the_device_door() {
        for op in Operation::ALL
            .iter()
            .filter(|op| op.doors() == Doors::IntegratorOnly)
        {
            let input = sample(op.arguments());
            let error = requests().request(*op, &input).unwrap_err();
            assert_eq!(error.field.as_deref(), Some("operation"));
            assert!(integrator().request(*op, &input).is_ok(), "{}", op.name());
        }
    }

    #[test]
    fn names_are_unique_and_round_trip() {
        for op in Operation::ALL {
            assert_eq!(Operation::from_name(op.name()), Ok(*op));
        }
        assert_eq!(
            Operation::from_name("free").unwrap_err().field.as_deref(),
            Some("operation")
        );
    }

    #[test]
    fn only_the_query_creating_operations_are_not_replayed() {
        let command =
            SqlCommand::from_input(crate::core::command::CommandInput::Text("SELECT 1".into()))
                .unwrap();
        let input = Input::Command(command, QueryOptions::default());
        for op in [Operation::ImmediateQuery, Operation::StartAsyncQuery] {
            assert_eq!(
                requests().request(op, &input).unwrap().replay,
                Replay::CreatesQuery
            );
        }
        let spec = requests()
            .request(Operation::FhirCapabilities, &Input::Nothing)
            .unwrap();
        assert_eq!(spec.replay, Replay::Idempotent);
        assert_eq!(
            spec.path,
            "/desktop/sites/3f2504e0-4f89-41d3-9a0c-0305e82c3301/fhir/R4/metadata"
        );
    }

    #[test]
    fn arguments_of_another_shape_are_refused() {
        let error = requests()
            .request(Operation::GetQuery, &Input::Nothing)
            .unwrap_err();
        assert_eq!(error.kind, ErrorKind::Validation);
    }

    #[test]
    fn fhir_search_posts_unless_told_to_get() {
        let search = |method: Option<&str>| {
            let input = Input::FhirSearch(
                "Patient".into(),
                vec![("family".into(), "Smith".into())],
                method.map(str::to_owned),
            );
            requests().request(Operation::FhirSearch, &input)
        };
        assert_eq!(search(None).unwrap().method, Method::Post);
        assert_eq!(search(Some("GET")).unwrap().method, Method::Get);
        assert_eq!(
            search(Some("PUT")).unwrap_err().field.as_deref(),
            Some("method")
        );
    }

    #[test]
    fn outcomes_judge_query_objects() {
        let pending = || QueryState::Pending;
        assert!(Outcome::FinishedQuery.check(pending).is_err());
        assert!(Outcome::StartedQuery.check(pending).is_ok());
        assert!(Outcome::Body.check(|| unreachable!()).is_ok());
        let failed = || QueryState::Failed(HaloError::new(ErrorKind::QueryFailed, "x"));
        assert_eq!(
            Outcome::StartedQuery.check(failed).unwrap_err().kind,
            ErrorKind::QueryFailed
        );
    }
}
