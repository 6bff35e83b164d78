//! The integrator side of Halo Cloud, for the integrator's own cloud: issuing
//! device tokens, trading PMS IDs for Halo GUIDs, pairing, noticing a changed
//! Halo GUID, and verifying webhooks. Sans-IO like the rest of the core.
//!
//! Everything here uses the subscription key, which must never reach a device:
//! this half runs on the integrator's servers, never in the device client.
#![warn(missing_docs)]

pub mod config;
pub mod delivery;
pub mod pms;
pub mod requests;
pub mod responses;
pub mod sites;
pub mod subscription_key;
mod text;
pub mod timestamp;
pub mod webhook_url;
pub mod webhooks;
