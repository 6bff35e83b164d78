//! A minimal JSON writer for request bodies. Bodies are small and their shape
//! is fixed, so a few string pushes beat pulling `serde_json` into the wasm.

/// Writes `value` as a JSON string literal (with quotes) into `out`.
pub fn push_string(out: &mut String, value: &str) {
    out.push('"');
    for ch in value.chars() {
        match ch {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}' => {
                out.push_str(&format!("\\u{:04x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push('"');
}

/// Builds one JSON object, adding commas between members.
pub struct ObjectWriter<'a> {
    out: &'a mut String,
    first: bool,
}

impl<'a> ObjectWriter<'a> {
    /// Writes the `{`; nothing is valid JSON until [`close`](Self::close).
    pub fn open(out: &'a mut String) -> Self {
        out.push('{');
        Self { out, first: true }
    }

    fn key(&mut self, key: &str) -> &mut String {
        if !self.first {
            self.out.push(',');
        }
        self.first = false;
        push_string(self.out, key);
        self.out.push(':');
        self.out
    }

    /// Escapes `value` (quotes, controls, U+2028/9), so caller text cannot end the string early.
    pub fn string(&mut self, key: &str, value: &str) -> &mut Self {
        let out = self.key(key);
        push_string(out, value);
        self
    }

    /// `None` is written as `null`, not left out (a parameter's `value` is string or `null`).
    pub fn optional_string(&mut self, key: &str, value: Option<&str>) -> &mut Self {
        match value {
            Some(value) => self.string(key, value),
            None => self.raw(key, "null"),
        }
    }

    /// A whole number; no floats, so nothing can write `NaN` or an exponent.
    pub fn number(&mut self, key: &str, value: u64) -> &mut Self {
        let out = self.key(key);
        out.push_str(&value.to_string());
        self
    }

    /// A member whose value the caller has already written as JSON.
    pub fn raw(&mut self, key: &str, json: &str) -> &mut Self {
        self.key(key).push_str(json);
        self
    }

    /// Writes the `}`; taking `self` means no member can follow.
    pub fn close(self) {
        self.out.push('}');
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strings_round_trip_through_a_json_parser() {
        let nasty = "quote\" back\\ nl\n tab\t nul\u{0} bell\u{7} ls\u{2028} emoji 🩺 ünï";
        let mut out = String::new();
        push_string(&mut out, nasty);
        let parsed: String = serde_json::from_str(&out).unwrap();
        assert_eq!(parsed, nasty);
    }

    #[test]
    fn objects_have_commas_between_members_only() {
        let mut out = String::new();
        let mut object = ObjectWriter::open(&mut out);
        object
            .string("a", "x")
            .number("b", 7)
            .optional_string("c", None)
            .raw("d", "[]");
        object.close();
        assert_eq!(out, r#"{"a":"x","b":7,"c":null,"d":[]}"#);
    }
}
