//! Test-only: the TypeScript the package ships beside the facade is
//! generated from Rust definitions by `cargo test`, and committed so that a
//! reviewer sees it in the diff. A stale copy fails the test; running it
//! with `HALO_UPDATE_GENERATED=1` writes the fresh one instead.

use std::path::Path;

/// Compares `content` with the committed file at `relative` (from the
/// crate root), or rewrites it when asked to.
pub(crate) fn check_generated(relative: &str, content: &str) {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join(relative);
    if std::env::var_os("HALO_UPDATE_GENERATED").is_some() {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("create the generated folder");
        }
        std::fs::write(&path, content).expect("write the generated file");
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == content,
        "{relative} is stale: run `HALO_UPDATE_GENERATED=1 cargo test` and commit the result"
    );
}
