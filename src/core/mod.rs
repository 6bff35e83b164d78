//! The sans-IO core: plain data in, plain data out, no clock, no network.

#[cfg(test)]
pub mod boundary;
pub mod call;
pub mod chars;
pub mod command;
pub mod config;
pub mod door;
pub mod encoding;
pub mod error;
pub mod fhir;
pub mod header_value;
pub mod headers;
pub mod http_date;
pub mod ids;
pub mod integrator;
pub mod json_source;
pub mod json_writer;
pub mod limits;
pub mod numbers;
pub mod operations;
pub mod origin;
pub mod page_metadata;
pub mod polling;
pub mod requests;
pub mod responses;
pub mod results;
pub mod retry;
pub mod row_stream;
pub mod secret;
pub mod token;
