//! A streamed result page as JavaScript pulls it: `RowStream`, what
//! `call("streamResultPage")` resolves with. Each `next()` reads chunks of
//! the body until the core's `RowSplitter` completes a row, and hands over
//! the rows completed so far; nothing is read until JavaScript asks again,
//! so a slow consumer holds back the download instead of filling memory.

use super::convert::{promise, Secrets};
use super::host::{AbortSignal, Deadline};
use super::js_error::Failure;
use super::transport::{AttemptError, OpenBody};
use crate::core::error::{HaloError, Sent};
use crate::core::requests::RequestSpec;
use crate::core::row_stream::RowSplitter;
use js_sys::{Array, Promise};
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;

/// One opened page and what bounds its reading.
pub(super) struct Pull {
    body: OpenBody,
    spec: RequestSpec,
    /// The longest wait for the next chunk: the attempt timeout.
    idle_ms: u64,
    caller: Option<AbortSignal>,
    /// The call's `timeoutMs`, dropped (its timer cleared) once the stream ends.
    deadline: RefCell<Option<Deadline>>,
    splitter: RefCell<RowSplitter>,
    /// A refusal met after some rows of the same chunk: those go first.
    refused: RefCell<Option<HaloError>>,
    busy: Cell<bool>,
    ended: Cell<bool>,
    /// Rows handed to JavaScript so far: a later failure says how many.
    yielded: Cell<u64>,
}

impl Pull {
    pub(super) fn new(
        body: OpenBody,
        spec: RequestSpec,
        idle_ms: u64,
        caller: Option<AbortSignal>,
        deadline: Option<Deadline>,
    ) -> Self {
        Self {
            body,
            spec,
            idle_ms,
            caller,
            deadline: RefCell::new(deadline),
            splitter: RefCell::new(RowSplitter::new()),
            refused: RefCell::new(None),
            busy: Cell::new(false),
            ended: Cell::new(false),
            yielded: Cell::new(0),
        }
    }

    /// Cancels the body (closing the connection) and clears the deadline.
    fn end(&self) {
        if !self.ended.replace(true) {
            self.body.cancel();
        }
        self.deadline.borrow_mut().take();
    }

    async fn next(&self) -> Result<JsValue, Failure> {
        if self.ended.get() {
            return Ok(JsValue::UNDEFINED);
        }
        if self.busy.replace(true) {
            let message = "next() was called before the previous one settled";
            return Err(HaloError::validation("next", message).into());
        }
        let outcome = self.rows().await;
        self.busy.set(false);
        match outcome {
            Ok(rows) if !rows.is_undefined() => Ok(rows),
            outcome => {
                let outcome = match (outcome, self.deadline.borrow().as_ref()) {
                    (Err(failure), Some(deadline)) => Err(deadline.outcome(failure)),
                    (outcome, _) => outcome,
                };
                self.end();
                outcome.map_err(|failure| self.counted(failure))
            }
        }
    }

    /// A failure of the opened page: Halo answered it, and once rows were
    /// handed over, repeating the page would hand them over again, so the
    /// error is not retryable and says how many there were.
    fn counted(&self, failure: Failure) -> Failure {
        let Failure::Halo(error, cause) = failure else {
            return failure;
        };
        let mut error = error.with_sent(Sent::Yes);
        let rows = self.yielded.get();
        if rows > 0 {
            error.message = format!(
                "{} after {rows} rows were received (they were yielded already: reading the page again yields them again)",
                error.message
            );
            error.rows_received = Some(rows);
            error.retryable_override = Some(false);
        }
        Failure::Halo(error, cause)
    }

    /// The next rows (at least one), or `undefined` at the end of a whole page.
    async fn rows(&self) -> Result<JsValue, Failure> {
        if let Some(error) = self.refused.borrow_mut().take() {
            return Err(error.into());
        }
        let signal = match self.deadline.borrow().as_ref() {
            Some(deadline) => Some(deadline.signal()),
            None => self.caller.clone(),
        };
        let status = self.body.status();
        let mut rows = Vec::new();
        loop {
            let chunk = self
                .body
                .next_chunk(&self.spec, self.idle_ms, signal.as_ref())
                .await
                .map_err(|error| match error {
                    AttemptError::Aborted(reason, _) => Failure::Aborted(reason),
                    AttemptError::Failed(error, cause) => Failure::Halo(error, cause),
                })?;
            let outcome = match &chunk {
                Some(bytes) => self.splitter.borrow_mut().feed(bytes, &mut rows),
                None => self.splitter.borrow().finish(),
            };
            if let Err(error) = outcome {
                let error = error.with_status(status);
                if rows.is_empty() {
                    return Err(error.into());
                }
                *self.refused.borrow_mut() = Some(error);
            }
            if !rows.is_empty() {
                self.yielded.set(self.yielded.get() + rows.len() as u64);
                let texts: Array = rows.iter().map(|row| JsValue::from_str(row)).collect();
                return Ok(texts.into());
            }
            if chunk.is_none() {
                return Ok(JsValue::UNDEFINED);
            }
        }
    }
}

impl Drop for Pull {
    /// A stream dropped unfinished (its JavaScript object collected or
    /// freed) still closes its connection.
    fn drop(&mut self) {
        self.end();
    }
}

/// A streamed result page: `next()` until it resolves with `undefined`,
/// or `cancel()` to stop early.
#[wasm_bindgen]
pub struct RowStream {
    pull: Rc<Pull>,
    secrets: Rc<dyn Secrets>,
}

impl RowStream {
    pub(super) fn new(pull: Pull, secrets: Rc<dyn Secrets>) -> Self {
        Self {
            pull: Rc::new(pull),
            secrets,
        }
    }
}

#[wasm_bindgen]
impl RowStream {
    /// The next rows, as JSON texts of row objects (at least one), or
    /// `undefined` once the page is complete. A cut or malformed stream
    /// rejects with `HALO_PROTOCOL`; no partial row is ever handed over.
    #[wasm_bindgen(unchecked_return_type = "Promise<string[] | undefined>")]
    pub fn next(&self) -> Promise {
        let pull = self.pull.clone();
        let secrets = self.secrets.clone();
        promise(
            Box::pin(async move { pull.next().await }),
            Box::new(move || secrets.secrets()),
        )
    }

    /// Stops reading: cancels the body and closes the connection.
    pub fn cancel(&self) {
        self.pull.end();
    }
}
