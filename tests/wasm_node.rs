//! The wasm shell's tests, run in Node by `wasm-pack test --node`.
#![cfg(target_arch = "wasm32")]

mod shell;
