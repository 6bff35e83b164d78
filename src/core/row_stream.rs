//! A streamed result page (`GET …/results/{n}/stream`), split into rows as
//! its bytes arrive. The body is the page's rows as one JSON array of row
//! objects (docs/halo-api-choices.md); bytes come in chunks cut anywhere,
//! inside a UTF-8 sequence, a string or an escape, and complete row texts
//! come out, each a whole JSON object, ready for the host's `JSON.parse`.
//!
//! Only the current row's bytes are kept: a finished row is handed out by
//! moving its buffer, so no row is ever held twice and memory stays at one
//! row however long the page. The structure is checked strictly (an array
//! of objects, commas, whitespace, strings and their escapes, bracket
//! nesting), so a damaged stream fails here with a typed error and never
//! yields a row that is not one; numbers and literals are left to the
//! host's parser, which rejects any the splitter let through.

use super::error::{ErrorKind, HaloError};
use super::limits::{MAX_STREAM_PAGE_BYTES, MAX_STREAM_ROW_BYTES, MAX_STREAM_ROW_DEPTH};

/// Where the splitter is in the page's array.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Place {
    /// Before the opening `[`.
    Start,
    /// After `[`: a row or `]`.
    First,
    /// Inside a row.
    Row,
    /// After a row: `,` or `]`.
    AfterRow,
    /// After `,`: a row.
    Next,
    /// After `]`: only whitespace may follow.
    Done,
    /// A refused stream: every later byte is refused too.
    Failed,
}

/// Where the splitter is inside a row's text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Text {
    /// Between tokens.
    Plain,
    /// Inside a string.
    Str,
    /// After a backslash in a string.
    Escape,
    /// Inside `\uXXXX`, with this many hex digits still to come.
    Unicode(u8),
}

/// The splitter of one streamed page. Feed it chunks in order, then call
/// [`RowSplitter::finish`].
#[derive(Debug)]
pub struct RowSplitter {
    place: Place,
    text: Text,
    /// The current row's bytes from earlier chunks (its `{` first).
    row: Vec<u8>,
    /// Open brackets in the current row, innermost at bit `depth - 1`: set for `[`.
    brackets: u64,
    depth: u32,
    /// Bytes of the body seen so far.
    seen: u64,
    max_row: usize,
    max_page: u64,
}

impl Default for RowSplitter {
    fn default() -> Self {
        Self::new()
    }
}

fn is_space(byte: u8) -> bool {
    matches!(byte, b' ' | b'\t' | b'\n' | b'\r')
}

/// Bytes a row may hold between tokens besides brackets, `:`, `,` and `"`:
/// the characters of numbers and of `true`, `false` and `null`.
fn is_scalar(byte: u8) -> bool {
    matches!(
        byte,
        b'0'..=b'9'
            | b'-'
            | b'+'
            | b'.'
            | b'e'
            | b'E'
            | b't'
            | b'r'
            | b'u'
            | b'f'
            | b'a'
            | b'l'
            | b's'
            | b'n'
    )
}

fn refused(message: String) -> HaloError {
    HaloError::new(ErrorKind::Protocol, message)
}

impl RowSplitter {
    /// A splitter with the client's limits (`src/core/limits.rs`).
    pub fn new() -> Self {
        Self::with_limits(MAX_STREAM_ROW_BYTES, MAX_STREAM_PAGE_BYTES)
    }

    /// A splitter refusing a row over `max_row` bytes or a page over `max_page`.
    pub fn with_limits(max_row: usize, max_page: u64) -> Self {
        Self {
            place: Place::Start,
            text: Text::Plain,
            row: Vec::new(),
            brackets: 0,
            depth: 0,
            seen: 0,
            max_row,
            max_page,
        }
    }

    /// Bytes of the unfinished row this splitter holds.
    pub fn held(&self) -> usize {
        self.row.len()
    }

    /// Reads the next `chunk` of the body; every row it completes is pushed
    /// to `rows`, in order, including those before a refusal.
    pub fn feed(&mut self, chunk: &[u8], rows: &mut Vec<String>) -> Result<(), HaloError> {
        if self.place == Place::Failed {
            return Err(refused("the streamed page was already refused".to_owned()));
        }
        // The page limit cuts the chunk where it is crossed, so the error
        // comes at the same byte whatever the chunking.
        let room = self.max_page.saturating_sub(self.seen);
        let (within, over) = if (chunk.len() as u64) > room {
            chunk.split_at(room as usize)
        } else {
            (chunk, &[][..])
        };
        let outcome = self.scan(within, rows).and_then(|()| {
            if over.is_empty() {
                Ok(())
            } else {
                Err(refused(format!(
                    "the streamed page is larger than the {} MiB this client reads",
                    self.max_page >> 20
                )))
            }
        });
        if outcome.is_err() {
            self.place = Place::Failed;
            self.row = Vec::new();
        }
        outcome
    }

    /// Ends the stream: an error unless the array was closed.
    pub fn finish(&self) -> Result<(), HaloError> {
        let message = match self.place {
            Place::Done => return Ok(()),
            Place::Failed => "the streamed page was already refused",
            Place::Start => "the streamed page ended before its array began",
            Place::Row => "the streamed page was cut off in the middle of a row",
            Place::First | Place::AfterRow | Place::Next => {
                "the streamed page ended before its array was closed"
            }
        };
        Err(refused(message.to_owned()))
    }

    fn scan(&mut self, chunk: &[u8], rows: &mut Vec<String>) -> Result<(), HaloError> {
        // Where the current row starts in this chunk.
        let mut start = (self.place == Place::Row).then_some(0);
        for (at, &byte) in chunk.iter().enumerate() {
            let offset = self.seen + at as u64;
            let bad = |what: &str| {
                refused(format!(
                    "the streamed page is not a JSON array of row objects: {what} at byte {offset}"
                ))
            };
            match self.place {
                Place::Row => {
                    let length = self.row.len() + (at - start.unwrap_or(0)) + 1;
                    if length > self.max_row {
                        return Err(refused(format!(
                            "a streamed row is larger than the {} MiB this client reads",
                            self.max_row >> 20
                        )));
                    }
                    if self.row_byte(byte).map_err(&bad)? {
                        let begin = start.take().unwrap_or(0);
                        self.row.extend_from_slice(&chunk[begin..=at]);
                        let bytes = std::mem::take(&mut self.row);
                        let row = String::from_utf8(bytes)
                            .map_err(|_| bad("a row that is not UTF-8, ending"))?;
                        rows.push(row);
                        self.place = Place::AfterRow;
                    }
                }
                _ if is_space(byte) => {}
                Place::Start if byte == b'[' => self.place = Place::First,
                Place::First | Place::Next if byte == b'{' => {
                    self.place = Place::Row;
                    self.text = Text::Plain;
                    self.depth = 1;
                    self.brackets = 0;
                    start = Some(at);
                    if self.max_row == 0 {
                        return Err(bad("a row over the limit"));
                    }
                }
                Place::First | Place::AfterRow if byte == b']' => self.place = Place::Done,
                Place::AfterRow if byte == b',' => self.place = Place::Next,
                Place::Start => return Err(bad("no opening '['")),
                Place::First | Place::Next => return Err(bad("something other than a row object")),
                Place::AfterRow => return Err(bad("no ',' or ']' after a row")),
                Place::Done => return Err(bad("data after the closing ']'")),
                Place::Failed => return Err(bad("a refused stream")),
            }
        }
        if let Some(begin) = start {
            self.row.extend_from_slice(&chunk[begin..]);
        }
        self.seen += chunk.len() as u64;
        Ok(())
    }

    /// One byte of a row after its opening `{`: whether it closed the row.
    fn row_byte(&mut self, byte: u8) -> Result<bool, &'static str> {
        match self.text {
            Text::Str => match byte {
                b'"' => self.text = Text::Plain,
                b'\\' => self.text = Text::Escape,
                0..=0x1f => return Err("a control character in a string"),
                _ => {}
            },
            Text::Escape => match byte {
                b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't' => self.text = Text::Str,
                b'u' => self.text = Text::Unicode(4),
                _ => return Err("an invalid escape"),
            },
            Text::Unicode(left) => {
                if !byte.is_ascii_hexdigit() {
                    return Err("an invalid \\u escape");
                }
                self.text = if left == 1 {
                    Text::Str
                } else {
                    Text::Unicode(left - 1)
                };
            }
            Text::Plain => match byte {
                b'"' => self.text = Text::Str,
                b'{' | b'[' => {
                    if self.depth >= MAX_STREAM_ROW_DEPTH {
                        return Err("a row nested too deeply");
                    }
                    let bit = 1u64 << self.depth;
                    if byte == b'[' {
                        self.brackets |= bit;
                    } else {
                        self.brackets &= !bit;
                    }
                    self.depth += 1;
                }
                b'}' | b']' => {
                    let bit = 1u64 << (self.depth - 1);
                    let open_square = self.depth > 1 && self.brackets & bit != 0;
                    if open_square != (byte == b']') {
                        return Err("a mismatched bracket");
                    }
                    self.depth -= 1;
                    return Ok(self.depth == 0);
                }
                b':' | b',' => {}
                _ if is_space(byte) || is_scalar(byte) => {}
                _ => return Err("a byte that is not JSON"),
            },
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn whole(input: &[u8]) -> (Vec<String>, Result<(), HaloError>) {
        let mut splitter = RowSplitter::new();
        let mut rows = Vec::new();
        let outcome = splitter
            .feed(input, &mut rows)
            .and_then(|()| splitter.finish());
        (rows, outcome)
    }

    /// Feeds `input` in pieces cut at `cuts`.
    fn pieces(input: &[u8], cuts: &[usize]) -> (Vec<String>, Result<(), HaloError>) {
        let mut splitter = RowSplitter::new();
        let mut rows = Vec::new();
        let mut from = 0;
        for &cut in cuts.iter().chain([input.len()].iter()) {
            if let Err(error) = splitter.feed(&input[from..cut], &mut rows) {
                return (rows, Err(error));
            }
            from = cut;
        }
        let outcome = splitter.finish();
        (rows, outcome)
    }

    const SAMPLE: &str = " [ {\"InternalID\":1,\"Surname\":\"O'Brien \\\"Jr\\\" \\u00e9\",\"Tags\":[1,[2,{}]],\"Note\":\"}]{[,\"} ,\n{\"Surname\":\"Ünal 🩺\",\"n\":null,\"b\":true,\"f\":-1.5e+3}\t] \r\n";

    #[test]
    fn a_page_splits_into_its_rows() {
        let (rows, outcome) = whole(SAMPLE.as_bytes());
        outcome.unwrap();
        assert_eq!(
            rows,
            [
                "{\"InternalID\":1,\"Surname\":\"O'Brien \\\"Jr\\\" \\u00e9\",\"Tags\":[1,[2,{}]],\"Note\":\"}]{[,\"}",
                "{\"Surname\":\"Ünal 🩺\",\"n\":null,\"b\":true,\"f\":-1.5e+3}",
            ]
        );
    }

    #[test]
    fn every_split_point_gives_the_same_rows() {
        let bytes = SAMPLE.as_bytes();
        let expected = whole(bytes).0;
        for cut in 0..=bytes.len() {
            let (rows, outcome) = pieces(bytes, &[cut]);
            outcome.unwrap();
            assert_eq!(rows, expected, "cut at {cut}");
            for second in cut..=bytes.len() {
                assert_eq!(pieces(bytes, &[cut, second]).0, expected);
            }
        }
        let single: Vec<usize> = (1..bytes.len()).collect();
        assert_eq!(pieces(bytes, &single).0, expected);
    }

    #[test]
    fn an_empty_array_has_no_rows() {
        for input in ["[]", " [ ] ", "[\n]\n"] {
            let (rows, outcome) = whole(input.as_bytes());
            assert!(rows.is_empty());
            outcome.unwrap();
        }
    }

    #[test]
    fn a_stream_cut_short_is_a_protocol_error_without_the_partial_row() {
        let bytes = SAMPLE.as_bytes();
        let end = bytes.iter().rposition(|b| *b == b']').unwrap();
        for cut in 0..end {
            let (rows, outcome) = whole(&bytes[..cut]);
            let error = outcome.unwrap_err();
            assert_eq!(error.kind, ErrorKind::Protocol, "cut at {cut}");
            assert!(rows.len() <= 2);
            for row in &rows {
                assert!(row.starts_with('{') && row.ends_with('}'));
            }
        }
        let error = whole(b"[{\"a\":1},{\"b\"").1.unwrap_err();
        assert!(
            error.message.contains("middle of a row"),
            "{}",
            error.message
        );
        let error = whole(b"[{\"a\":1}").1.unwrap_err();
        assert!(error.message.contains("array was closed"));
        assert!(whole(b"").1.unwrap_err().message.contains("began"));
    }

    #[test]
    fn off_shape_streams_are_refused() {
        for input in [
            "{}",
            "[1]",
            "[[]]",
            "[\"a\"]",
            "[null]",
            "[{},]",
            "[,{}]",
            "[{}{}]",
            "[{}] x",
            "[{}]]",
            "[{]",
            "[{\"a\":[}]",
            "[{\"a\":{]}]",
            "[{\"a\":\"\u{1}\"}]",
            "[{\"a\":\"\\x\"}]",
            "[{\"a\":\"\\u12G4\"}]",
            "[{\"a\":x}]",
            "[{\"a\":'b'}]",
            "\u{feff}[]",
            "[{}]\u{0}",
        ] {
            let (rows, outcome) = whole(input.as_bytes());
            let error = outcome.unwrap_err();
            assert_eq!(error.kind, ErrorKind::Protocol, "{input:?}");
            assert!(rows.is_empty() || input.starts_with("[{}"), "{input:?}");
        }
    }

    #[test]
    fn rows_must_be_utf8() {
        let (rows, outcome) = whole(b"[{\"a\":\"\xff\"}]");
        assert!(rows.is_empty());
        assert!(outcome.unwrap_err().message.contains("UTF-8"));
        // A sequence cut between chunks is whole again once joined.
        let text = "[{\"a\":\"é🩺\"}]".as_bytes();
        for cut in 0..text.len() {
            assert_eq!(pieces(text, &[cut]).0, ["{\"a\":\"é🩺\"}"]);
        }
    }

    #[test]
    fn nesting_is_bounded() {
        let deep = |depth: u32| {
            let open = "[".repeat(depth as usize - 1);
            let close = "]".repeat(depth as usize - 1);
            format!("[{{\"a\":{open}{close}}}]")
        };
        assert!(whole(deep(MAX_STREAM_ROW_DEPTH).as_bytes()).1.is_ok());
        let error = whole(deep(MAX_STREAM_ROW_DEPTH + 1).as_bytes())
            .1
            .unwrap_err();
        assert!(error.message.contains("nested too deeply"));
    }

    #[test]
    fn a_row_over_its_limit_is_refused_and_the_rows_before_it_kept() {
        let input = b"[{\"a\":1},{\"b\":\"0123456789\"}]";
        let mut splitter = RowSplitter::with_limits(12, 1 << 20);
        let mut rows = Vec::new();
        let error = splitter.feed(input, &mut rows).unwrap_err();
        assert_eq!(rows, ["{\"a\":1}"]);
        assert!(error.message.contains("row is larger"));
        assert_eq!(splitter.held(), 0);
        assert!(splitter.feed(b"]", &mut rows).is_err());
        // Exactly at the limit is fine.
        let mut splitter = RowSplitter::with_limits(7, 1 << 20);
        splitter.feed(b"[{\"a\":1}]", &mut rows).unwrap();
        splitter.finish().unwrap();
    }

    #[test]
    fn a_page_over_its_limit_is_refused_at_the_same_byte_however_it_is_cut() {
        let input = b"[{\"a\":1},{\"b\":2},{\"c\":3}]";
        for cut in 0..input.len() {
            let mut splitter = RowSplitter::with_limits(100, 17);
            let mut rows = Vec::new();
            let outcome = splitter
                .feed(&input[..cut], &mut rows)
                .and_then(|()| splitter.feed(&input[cut..], &mut rows));
            assert!(outcome.unwrap_err().message.contains("page is larger"));
            assert_eq!(rows, ["{\"a\":1}", "{\"b\":2}"]);
        }
    }

    #[test]
    fn only_the_unfinished_row_is_held() {
        let mut splitter = RowSplitter::new();
        let mut rows = Vec::new();
        splitter.feed(b"[{\"a\":1},{\"b\":", &mut rows).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(splitter.held(), 5);
        splitter.feed(b"2}", &mut rows).unwrap();
        assert_eq!(splitter.held(), 0);
    }
}
