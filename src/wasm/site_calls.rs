//! Running the operation table through a door: the one dispatch behind the
//! device client's `call` and the integrator site handle's `call`, and the
//! wait for a query both offer. The door's credentials come in as
//! `Credentials` (a device token, or the subscription key); everything else
//! is the same code in both wasms.

use super::bodies::query_status;
use super::call_loop::{Credentials, Limits, Transport};
use super::convert::string_arg;
#[cfg(feature = "integrator")]
use super::fields::Fields;
use super::host::{live, monotonic_ms, random_unit, sleep, AbortSignal, Deadline, Interrupted};
use super::js_error::Failure;
#[cfg(feature = "integrator")]
use super::operation_inputs;
use super::operation_inputs::{operation_input, wait_options, WaitInput};
use super::transport::{header, HttpResponse};
#[cfg(feature = "integrator")]
use crate::core::error::ErrorKind;
use crate::core::error::{HaloError, Sent};
use crate::core::operations::Operation;
use crate::core::page_metadata::PageMetadata;
#[cfg(feature = "integrator")]
use crate::core::polling::{BatchAnswer, BatchEntry, BatchWait};
use crate::core::polling::{PollStep, StatusWatch};
use crate::core::requests::{RequestSpec, SiteRequests};
use crate::core::responses::{query_state, QueryState};
#[cfg(feature = "integrator")]
use js_sys::Array;
use js_sys::{Function, Object, Reflect};
use wasm_bindgen::JsValue;

/// A door onto one site: how requests leave, with whose credentials, and
/// the site's request builders.
pub(super) struct SiteDoor<'a, C: Credentials> {
    pub transport: &'a Transport,
    pub credentials: &'a C,
    pub requests: &'a SiteRequests,
    /// What a streamed page's later errors are scrubbed of.
    #[cfg(feature = "integrator")]
    pub secrets: std::rc::Rc<dyn super::convert::Secrets>,
}

/// Where a query object stands, as the core sees it.
fn query_state_of(body: &JsValue) -> QueryState {
    query_state(&query_status(body))
}

/// `{ body, metadata? }`: a result page with what its headers said, read
/// by the core; a header `get` that throws counts as no header.
fn with_page_metadata(response: &HttpResponse) -> JsValue {
    let answer = Object::new();
    let _ = Reflect::set(&answer, &"body".into(), &response.body);
    if let Some(metadata) = PageMetadata::read(|name| header(&response.raw, name).ok().flatten()) {
        let fields = Object::new();
        for (name, value) in metadata.fields() {
            let _ = Reflect::set(&fields, &name.into(), &(value as f64).into());
        }
        let _ = Reflect::set(&answer, &"metadata".into(), &fields);
    }
    answer.into()
}

impl<C: Credentials> SiteDoor<'_, C> {
    /// One request through the call loop; a failure gets the endpoint's
    /// hint (a 404 from a doubled path prefix).
    async fn execute(&self, spec: RequestSpec, limits: &Limits) -> Result<HttpResponse, Failure> {
        let path = spec.path.clone();
        self.transport
            .execute(self.credentials, spec, limits)
            .await
            .map_err(|failure| failure.explained(self.requests.endpoint(), &path))
    }

    /// Runs the operation JavaScript named with its arguments: read, checked
    /// by the core (including whether this door offers it), sent, and the
    /// answer judged by the operation's expected outcome.
    pub(super) async fn call(
        &self,
        operation: JsValue,
        args: JsValue,
        options: JsValue,
        signal: Option<AbortSignal>,
    ) -> Result<JsValue, Failure> {
        let operation = Operation::from_name(&string_arg("operation", operation)?)?;
        let (input, timeout_ms) = operation_input(operation.arguments(), args, options)?;
        let spec = self.requests.request(operation, &input)?;
        let limits = Limits {
            signal,
            timeout_ms: timeout_ms.or(operation.default_timeout_ms().map(|ms| ms as f64)),
            operation: operation.name(),
        };
        #[cfg(feature = "integrator")]
        if operation.outcome() == crate::core::operations::Outcome::Rows {
            return self.open_rows(spec, limits).await;
        }
        let response = self.execute(spec, &limits).await?;
        // Halo answered: what its answer says went wrong, it received.
        operation
            .outcome()
            .check(|| query_state_of(&response.body))
            .map_err(|error| error.with_sent(Sent::Yes))?;
        #[cfg(feature = "integrator")]
        if operation == Operation::GetQueryStatuses {
            check_statuses(&response.body).map_err(|error| error.with_sent(Sent::Yes))?;
        }
        if operation.reads_page_metadata() {
            return Ok(with_page_metadata(&response));
        }
        Ok(response.body)
    }

    /// Opens a streamed page: retried like any read until Halo answers,
    /// then handed to JavaScript as a `RowStream` that reads it on demand.
    /// The call's deadline is started here, as it bounds the reading too.
    #[cfg(feature = "integrator")]
    async fn open_rows(&self, spec: RequestSpec, limits: Limits) -> Result<JsValue, Failure> {
        use super::host::{live, Deadline};
        use super::row_stream::{Pull, RowStream};
        use crate::core::error::{ErrorKind, HaloError};
        let caller = limits.signal;
        let deadline = match limits.timeout_ms {
            None => None,
            Some(ms) => {
                live(caller.as_ref())?;
                let what = (limits.operation, ms as u64);
                Some(Deadline::start(caller.as_ref(), ms, what)?)
            }
        };
        let bounded = Limits {
            signal: deadline.as_ref().map(Deadline::signal).or(caller.clone()),
            timeout_ms: None,
            operation: limits.operation,
        };
        let path = spec.path.clone();
        let response = self
            .transport
            .open(self.credentials, spec.clone(), &bounded)
            .await
            .map_err(|failure| match &deadline {
                Some(deadline) => deadline.outcome(failure),
                None => failure,
            })
            .map_err(|failure| failure.explained(self.requests.endpoint(), &path))?;
        let Some(body) = response.opened else {
            let message = "the streamed page's answer had no body to read";
            let error = HaloError::new(ErrorKind::Protocol, message).with_sent(Sent::Yes);
            return Err(error.with_status(response.status).into());
        };
        let idle_ms = self.transport.attempt_timeout_ms;
        let pull = Pull::new(body, spec, idle_ms, caller, deadline);
        Ok(RowStream::new(pull, self.secrets.clone()).into())
    }

    /// Polls until the query is in a terminal state; a failed state is a
    /// `HaloQueryFailedError`.
    pub(super) async fn wait_for_query(
        &self,
        query_id: JsValue,
        options: JsValue,
        signal: Option<AbortSignal>,
    ) -> Result<JsValue, Failure> {
        let spec = self.requests.get_query(&string_arg("queryId", query_id)?)?;
        self.wait(Watched::One(spec), options, signal).await
    }

    /// Polls many queries, one batch status call per poll, until each is
    /// finished (terminal or not found); resolves with their batch entries
    /// in the caller's order.
    #[cfg(feature = "integrator")]
    pub(super) async fn wait_for_queries(
        &self,
        query_ids: JsValue,
        options: JsValue,
        signal: Option<AbortSignal>,
    ) -> Result<JsValue, Failure> {
        let batch = BatchWait::new(&operation_inputs::query_ids(query_ids)?)?;
        let entries = Array::new();
        self.wait(Watched::Many(batch, entries), options, signal)
            .await
    }

    /// The one polling loop: poll, then wait as the core's plan says.
    async fn wait(
        &self,
        mut watched: Watched,
        options: JsValue,
        signal: Option<AbortSignal>,
    ) -> Result<JsValue, Failure> {
        let WaitInput {
            mut plan,
            on_progress,
        } = wait_options(options, monotonic_ms())?;
        let mut progress = Progress {
            listener: on_progress,
            watch: StatusWatch::new(watched.count()),
        };
        // The wait's deadline bounds every poll and every sleep: a poll
        // that hangs is cut there, not at its own attempt timeout.
        live(signal.as_ref())?;
        let left = plan.time_left_ms(monotonic_ms());
        let what = (watched.name(), plan.timeout_ms());
        let deadline = Deadline::start(signal.as_ref(), left, what)?;
        let limits = Limits {
            signal: Some(deadline.signal()),
            timeout_ms: None,
            operation: watched.name(),
        };
        loop {
            // One `execute` for both kinds of wait: each awaited call site
            // would add a copy of its state to the wasm.
            let spec = watched.request(self.requests)?;
            let polled = self.execute(spec, &limits).await;
            let body = polled.map_err(|failure| deadline.outcome(failure))?.body;
            // A poll answered: an error from here on is Halo's answer.
            let answered = |failure: Failure| failure.sent(Sent::Yes);
            if let Some(done) = watched.answer(body, &mut progress).map_err(answered)? {
                return Ok(done);
            }
            match plan.after_pending(monotonic_ms(), random_unit()) {
                PollStep::GiveUp(error) => return Err(answered(error.into())),
                PollStep::Wait(ms) => {
                    if let Err(Interrupted::Aborted(reason)) =
                        sleep(ms as f64, limits.signal.as_ref()).await
                    {
                        return Err(deadline.outcome(Failure::Aborted(reason)));
                    }
                }
            }
        }
    }
}

/// What a wait is for: one query through `getQuery`, or (the integrator's
/// `waitForQueries`) many through batch status calls, with the latest
/// entry of each.
enum Watched {
    One(RequestSpec),
    #[cfg(feature = "integrator")]
    Many(BatchWait, Array),
}

impl Watched {
    /// The operation waiting, for the errors it rejects with.
    fn name(&self) -> &'static str {
        match self {
            Watched::One(_) => "waitForQuery",
            #[cfg(feature = "integrator")]
            Watched::Many(..) => "waitForQueries",
        }
    }

    /// How many queries are waited for.
    fn count(&self) -> usize {
        match self {
            Watched::One(_) => 1,
            #[cfg(feature = "integrator")]
            Watched::Many(batch, _) => batch.count(),
        }
    }

    /// The next poll's request.
    #[cfg_attr(not(feature = "integrator"), allow(unused_variables))]
    fn request(&self, requests: &SiteRequests) -> Result<RequestSpec, HaloError> {
        match self {
            Watched::One(spec) => Ok(spec.clone()),
            #[cfg(feature = "integrator")]
            Watched::Many(batch, _) => requests.query_statuses(&batch.unfinished()),
        }
    }

    /// What the poll's answer means: the wait's result when it is over,
    /// `None` to poll again.
    fn answer(
        &mut self,
        body: JsValue,
        progress: &mut Progress,
    ) -> Result<Option<JsValue>, Failure> {
        match self {
            Watched::One(_) => {
                let query = query_status(&body);
                progress.report(0, query.status.as_deref(), &body);
                match query_state(&query) {
                    QueryState::Succeeded => Ok(Some(body)),
                    QueryState::Failed(error) => Err(error.into()),
                    QueryState::Pending => Ok(None),
                }
            }
            #[cfg(feature = "integrator")]
            Watched::Many(batch, entries) => {
                let results = Fields::lenient(body).array("results").ok().flatten();
                let results = results.ok_or_else(no_results)?;
                let mut answer = BatchAnswer::default();
                for result in results.iter() {
                    let fields = Fields::lenient(result.clone());
                    let (query_id, entry) = answer.read(&fields)?;
                    let index = batch.record(&query_id, &entry)?;
                    if let BatchEntry::Found(query) = &entry {
                        progress.report(index, query.status.as_deref(), &fields.value("query"));
                    }
                    entries.set(index as u32, result);
                }
                Ok(batch.done().then(|| entries.clone().into()))
            }
        }
    }
}

/// `getQueryStatuses`' answer: a results array of well-formed entries,
/// none contradicting another, as `waitForQueries` reads them.
#[cfg(feature = "integrator")]
fn check_statuses(body: &JsValue) -> Result<(), HaloError> {
    let results = Fields::lenient(body.clone())
        .array("results")
        .ok()
        .flatten();
    let results = results.ok_or_else(no_results)?;
    let mut answer = BatchAnswer::default();
    for result in results.iter() {
        answer.read(&Fields::lenient(result))?;
    }
    Ok(())
}

#[cfg(feature = "integrator")]
fn no_results() -> HaloError {
    HaloError::new(
        ErrorKind::Protocol,
        "the batch status answer has no results array",
    )
}

/// The caller's `onProgress`, told of each status change.
struct Progress {
    listener: Option<Function>,
    watch: StatusWatch,
}

impl Progress {
    fn report(&mut self, index: usize, status: Option<&str>, query: &JsValue) {
        let Some(listener) = &self.listener else {
            return;
        };
        if self.watch.changed(index, status) {
            // A throwing listener is the app's bug; it must not break the
            // wait (as with `onEvent`).
            let _ = listener.call1(&JsValue::UNDEFINED, query);
        }
    }
}
