//! Percent-encoding, shared by the form bodies (FHIR search, the token
//! request) and the webhook URL templates. A leaf: it depends on nothing.

/// `application/x-www-form-urlencoded`, as the URL standard serialises it.
pub fn form_encode(pairs: &[(String, String)]) -> String {
    let mut out = String::new();
    for (index, (name, value)) in pairs.iter().enumerate() {
        if index > 0 {
            out.push('&');
        }
        push_form_component(&mut out, name);
        out.push('=');
        push_form_component(&mut out, value);
    }
    out
}

fn push_form_component(out: &mut String, value: &str) {
    for byte in value.bytes() {
        match byte {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'*' | b'-' | b'.' | b'_' => {
                out.push(byte as char)
            }
            b' ' => out.push('+'),
            _ => push_percent_escape(out, byte),
        }
    }
}

/// `%XX` for one byte, upper-case hex as RFC 3986 recommends.
pub(crate) fn push_percent_escape(out: &mut String, byte: u8) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    out.push('%');
    out.push(HEX[usize::from(byte >> 4)] as char);
    out.push(HEX[usize::from(byte & 0x0f)] as char);
}
