//! The same tests as `wasm_node.rs`, in headless Chromium
//! (`wasm-pack test --headless --chrome`). Without this configuration the
//! browser run would skip them and still exit 0.
#![cfg(target_arch = "wasm32")]

wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

mod shell;
