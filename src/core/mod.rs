//! The sans-IO core: plain data in, plain data out, no clock, no network.

pub mod call;
pub mod command;
pub mod config;
pub mod error;
pub mod header_value;
pub mod headers;
pub mod http_date;
pub mod ids;
pub mod integrator;
pub mod json_writer;
pub mod polling;
pub mod requests;
pub mod responses;
pub mod retry;
pub mod secret;
pub mod token;
