//! The call loop shared by every endpoint. Each turn: get a token, send
//! once, and let the core decide whether to finish, retry after a delay,
//! renew the token, or fail.

use super::events::Events;
use super::host::{monotonic_ms, random_unit, sleep, wall_clock_ms, AbortSignal, Interrupted};
use super::js_error::Failure;
use super::token_driver::TokenDriver;
use super::transport::{send, AttemptError, HttpResponse};
use crate::core::call::{Call, Next};
use crate::core::config::ClientConfig;
use crate::core::headers::auth_headers;
use crate::core::requests::{DeviceRequests, RequestSpec};
use crate::core::responses::{classify_failure, ErrorBody};
use js_sys::Function;
use std::rc::Rc;

pub struct Shared {
    pub config: ClientConfig,
    pub requests: DeviceRequests,
    pub tokens: Rc<TokenDriver>,
    pub fetch: Function,
    pub events: Rc<Events>,
}

/// How the caller bounded one call.
#[derive(Default)]
pub struct Limits {
    pub signal: Option<AbortSignal>,
    /// Total time for the call, all attempts and waits included.
    pub timeout_ms: Option<f64>,
}

impl Shared {
    /// Device id and newest token, to scrub from any message that leaves.
    pub fn secrets(&self) -> Vec<String> {
        let mut secrets = vec![self.config.device_id.expose().to_owned()];
        secrets.extend(self.tokens.latest_token());
        secrets
    }

    pub async fn execute(
        self: &Rc<Self>,
        spec: RequestSpec,
        limits: &Limits,
    ) -> Result<HttpResponse, Failure> {
        let signal = limits.signal.as_ref();
        let deadline = limits.timeout_ms.map(|ms| monotonic_ms() + ms);
        let mut call = Call::new(spec.replay, self.config.retry, deadline);
        let mut attempt = 0u32;
        loop {
            if let Some(signal) = signal.filter(|s| s.aborted()) {
                return Err(Failure::Aborted(signal.reason()));
            }
            if let Some(error) = call.expired(monotonic_ms()) {
                return Err(error.into());
            }
            let grant = self.tokens.token(signal).await?;
            attempt += 1;
            let started = monotonic_ms();
            self.events.emit("request", |e| {
                e.field("method", spec.method.as_str())
                    .field("path", spec.path.as_str())
                    .field("attempt", attempt)
            });
            let headers = auth_headers(&grant.token, &self.config.device_id);
            let sent = send(
                &self.fetch,
                &spec,
                &headers,
                self.config.attempt_timeout_ms,
                signal,
            )
            .await;
            let (error, cause) = match sent {
                Ok(response) => {
                    self.events.emit("response", |e| {
                        e.field("method", spec.method.as_str())
                            .field("path", spec.path.as_str())
                            .field("status", response.status)
                            .field("attempt", attempt)
                            .field("durationMs", monotonic_ms() - started)
                    });
                    if response.ok() {
                        return Ok(response);
                    }
                    let body: Option<ErrorBody> =
                        serde_wasm_bindgen::from_value(response.body.clone()).ok();
                    let error = classify_failure(
                        response.status,
                        response.retry_after.as_deref(),
                        body.as_ref(),
                        wall_clock_ms(),
                    );
                    (error, None)
                }
                Err(AttemptError::Aborted(reason)) => return Err(Failure::Aborted(reason)),
                Err(AttemptError::Failed(error, cause)) => (error, cause),
            };
            match call.on_failure(error, monotonic_ms(), random_unit()) {
                Next::Retry { delay_ms } => {
                    self.events.emit("retry", |e| {
                        e.field("method", spec.method.as_str())
                            .field("path", spec.path.as_str())
                            .field("attempt", attempt)
                            .field("delayMs", delay_ms as f64)
                    });
                    if let Err(Interrupted::Aborted(reason)) = sleep(delay_ms as f64, signal).await
                    {
                        return Err(Failure::Aborted(reason));
                    }
                }
                Next::RenewToken => self.tokens.rejected(&grant),
                Next::Fail(error) => return Err(Failure::Halo(error, cause)),
            }
        }
    }
}
