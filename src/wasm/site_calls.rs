//! Running the operation table through a door: the one dispatch behind the
//! device client's `call` and the integrator site handle's `call`, and the
//! wait for a query both offer. The door's credentials come in as
//! `Credentials` (a device token, or the subscription key); everything else
//! is the same code in both wasms.

use super::bodies::query_status;
use super::call_loop::{Credentials, Limits, Transport};
use super::convert::string_arg;
use super::host::{monotonic_ms, sleep, AbortSignal, Interrupted};
use super::js_error::Failure;
use super::operation_inputs::{operation_input, wait_options};
use super::transport::HttpResponse;
use crate::core::operations::Operation;
use crate::core::polling::{PollStep, WaitPlan};
use crate::core::requests::{RequestSpec, SiteRequests};
use crate::core::responses::{query_state, QueryState};
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
        let limits = Limits { signal, timeout_ms };
        #[cfg(feature = "integrator")]
        if operation.outcome() == crate::core::operations::Outcome::Rows {
            return self.open_rows(spec, limits).await;
        }
        let body = self.execute(spec, &limits).await?.body;
        operation.outcome().check(|| query_state_of(&body))?;
        Ok(body)
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
                Some(Deadline::start(caller.as_ref(), ms)?)
            }
        };
        let bounded = Limits {
            signal: deadline.as_ref().map(Deadline::signal).or(caller.clone()),
            timeout_ms: None,
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
            let error = HaloError::new(ErrorKind::Protocol, message);
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
        let (poll_interval_ms, timeout_ms) = wait_options(options)?;
        let plan = WaitPlan::new(poll_interval_ms, timeout_ms, monotonic_ms())?;
        let limits = Limits {
            signal,
            timeout_ms: None,
        };
        loop {
            let body = self.execute(spec.clone(), &limits).await?.body;
            match query_state_of(&body) {
                QueryState::Succeeded => return Ok(body),
                QueryState::Failed(error) => return Err(error.into()),
                QueryState::Pending => match plan.after_pending(monotonic_ms()) {
                    PollStep::GiveUp(error) => return Err(error.into()),
                    PollStep::Wait(ms) => {
                        if let Err(Interrupted::Aborted(reason)) =
                            sleep(ms as f64, limits.signal.as_ref()).await
                        {
                            return Err(Failure::Aborted(reason));
                        }
                    }
                },
            }
        }
    }
}
