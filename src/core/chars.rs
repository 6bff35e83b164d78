//! One char pattern for every split and search of the core. A `char`
//! pattern (`split('/')`) brings `CharSearcher` and `memchr` into the wasm,
//! and each closure pattern its own copy of `Split`; this predicate is one
//! type, so every call site shares one copy (bench/README.md, "Size levers").

/// Matches exactly `wanted`.
pub fn is(wanted: char) -> impl Fn(char) -> bool + Copy {
    move |c| c == wanted
}

#[cfg(test)]
mod tests {
    use super::is;

    #[test]
    fn splits_like_a_char_pattern() {
        let path = "/desktop/sites/x";
        assert!(path.split(is('/')).eq(path.split('/')));
        assert_eq!("a?b?c".split_once(is('?')), Some(("a", "b?c")));
        assert_eq!("a/b/c".rsplit_once(is('/')), Some(("a/b", "c")));
        assert_eq!("x//".trim_end_matches(is('/')), "x");
        assert_eq!("one two".rfind(is(' ')), Some(3));
    }
}
