//! The origin (`scheme://host[:port]`) of a URL the core built, for messages
//! that must say which server could not be reached without quoting a path
//! or query that may name a patient.

/// `https://api.haloconnect.io` of `https://api.haloconnect.io/desktop/…`;
/// the whole text when it has no path.
pub fn origin(url: &str) -> &str {
    // Bytes: `find("://")` would bring the substring searcher into the wasm.
    let authority_start = url
        .as_bytes()
        .windows(3)
        .position(|window| window == b"://")
        .map_or(0, |i| i + 3);
    let end = url
        .get(authority_start..)
        .and_then(|rest| rest.find(['/', '?', '#']))
        .map_or(url.len(), |i| authority_start + i);
    url.get(..end).unwrap_or(url)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_origin_stops_before_the_path_or_query() {
        assert_eq!(
            origin("https://api.haloconnect.io/desktop/sites/x?family=Smith"),
            "https://api.haloconnect.io"
        );
        assert_eq!(origin("http://127.0.0.1:4010?x=1"), "http://127.0.0.1:4010");
        assert_eq!(origin("http://127.0.0.1:4010"), "http://127.0.0.1:4010");
        assert_eq!(origin("ünïcode://hôst/p"), "ünïcode://hôst");
    }
}
