//! Writes `pkg-template/src/generated/types.ts` (the device entry) and
//! `generated/integrator-types.ts` from the Rust definitions: ts-rs renders
//! each declaration, and this lays them out as the package's readable
//! `export interface` / `export type` declarations with their docs.

use super::device::*;
use super::events::*;
use super::integrator::*;
use crate::core::command::{
    CommandObjectInput, ExecutionMode, ParameterDirection, ParameterInput, SqlType,
};
use crate::core::integrator::pms::PmsName;
use crate::core::integrator::requests::GrantType;
use crate::core::integrator::responses::Site;
use crate::core::integrator::sites::SecondaryIdentifiers;
use crate::core::integrator::webhooks::WebhookSource;
use crate::core::page_metadata::PageMetadata;
use crate::core::token::{IssuedTokenInput, RenewalReason, TokenInfo};
use crate::generated_files::check_generated;
use std::fmt::Write;
use ts_rs::{Config, TS};

const DEVICE_PATH: &str = "pkg-template/src/generated/types.ts";
const INTEGRATOR_PATH: &str = "pkg-template/src/generated/integrator-types.ts";

/// Types the generated declarations name but that are written by hand in
/// the facade (host types with no Rust counterpart), and where they live
/// relative to `generated/`.
const HAND_WRITTEN: &[(&str, &str)] = &[
    ("FetchLike", "../types.js"),
    ("WebhookHeaders", "../integrator-types.js"),
];

/// One declaration: its TypeScript name, its JSDoc and its ts-rs text.
struct Declaration {
    name: String,
    docs: String,
    text: String,
}

fn config() -> Config {
    // Every integer the API sends fits a JavaScript number.
    Config::new().with_large_int("number")
}

fn declaration<T: TS>() -> Declaration {
    let cfg = config();
    // ts-rs writes a default but no bound; `object` rather than `Row` lets an
    // `interface` (which has no index signature) be a row type.
    let text = T::decl(&cfg).replacen("<R = Row>", "<R extends object = Row>", 1);
    Declaration {
        name: T::ident(&cfg),
        docs: T::docs().unwrap_or_default(),
        text,
    }
}

fn device_declarations() -> Vec<Declaration> {
    vec![
        declaration::<SqlType>(),
        declaration::<ExecutionMode>(),
        declaration::<ParameterDirection>(),
        declaration::<ParameterInput>(),
        declaration::<CommandObjectInput>(),
        declaration::<RenewalReason>(),
        declaration::<TokenRequest>(),
        declaration::<IssuedTokenInput>(),
        declaration::<HaloRequestEvent>(),
        declaration::<HaloResponseEvent>(),
        declaration::<HaloRetryEvent>(),
        declaration::<HaloTokenRenewedEvent>(),
        declaration::<HaloTokenRenewalFailedEvent>(),
        declaration::<HaloEvent>(),
        declaration::<HaloDeviceClientOptions>(),
        declaration::<TokenSharingOptions>(),
        declaration::<CallOptions>(),
        declaration::<ImmediateQueryOptions>(),
        declaration::<AsyncQueryOptions>(),
        declaration::<WaitOptions>(),
        declaration::<ResultPagesOptions>(),
        declaration::<FhirSearchOptions>(),
        declaration::<Row>(),
        declaration::<QueryResultInfo>(),
        declaration::<ReturnedParameter>(),
        declaration::<ResultPageInfo>(),
        declaration::<HaloQuery>(),
        declaration::<QueryStatusResult>(),
        declaration::<PageMetadata>(),
        declaration::<ResultPage>(),
        declaration::<RegisteredQueryRegistration>(),
        declaration::<RegisteredQuery>(),
        declaration::<RegisteredQueryResult>(),
        declaration::<QueryResult>(),
        declaration::<TokenInfo>(),
    ]
}

fn integrator_declarations() -> Vec<Declaration> {
    vec![
        declaration::<PmsName>(),
        declaration::<HaloIntegratorClientOptions>(),
        declaration::<DeviceTokenRequest>(),
        declaration::<DeviceToken>(),
        declaration::<Site>(),
        declaration::<Practice>(),
        declaration::<SecondaryIdentifiers>(),
        declaration::<ResolvedSite>(),
        declaration::<GuidChangeReport>(),
        declaration::<IntegratorCallOptions>(),
        declaration::<WebhookSeenStore>(),
        declaration::<VerifyWebhookOptions>(),
        declaration::<VerifiedWebhook>(),
    ]
}

/// Scans TypeScript as ts-rs writes it, calling `at` with each character's
/// byte offset and its bracket depth, outside strings and comments only.
fn scan(text: &str, mut at: impl FnMut(usize, char, i32)) {
    let bytes = text.as_bytes();
    let (mut depth, mut quote, mut comment) = (0, false, false);
    for (i, c) in text.char_indices() {
        if comment {
            comment = !(c == '/' && i > 0 && bytes[i - 1] == b'*');
        } else if quote {
            quote = c != '"';
        } else if c == '/' && bytes.get(i + 1) == Some(&b'*') {
            comment = true;
        } else if c == '"' {
            quote = true;
        } else {
            match c {
                '{' | '[' | '(' | '<' => depth += 1,
                '}' | ']' | ')' => depth -= 1,
                // The `>` of an arrow closes nothing.
                '>' if i == 0 || bytes[i - 1] != b'=' => depth -= 1,
                _ => {}
            }
            at(i, c, depth);
        }
    }
}

/// `text` split at the `separator`s outside any bracket.
fn split_top_level(text: &str, separator: char) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    scan(text, |i, c, depth| {
        if c == separator && depth == 0 {
            parts.push(&text[start..i]);
            start = i + c.len_utf8();
        }
    });
    parts.push(&text[start..]);
    parts
}

/// The offset of the bracket closing the one that opens `text`.
fn closing(text: &str) -> usize {
    let mut end = None;
    scan(text, |i, _, depth| {
        if depth == 0 && end.is_none() {
            end = Some(i);
        }
    });
    end.expect("balanced brackets")
}

/// A JSDoc block re-indented, on one line when it has one line.
fn doc_block(docs: &str, indent: &str) -> String {
    let lines: Vec<&str> = docs
        .trim()
        .lines()
        .map(str::trim)
        .filter(|line| *line != "/**" && *line != "*/")
        .map(|line| line.strip_prefix('*').unwrap_or(line))
        .map(|line| line.strip_prefix(' ').unwrap_or(line))
        .collect();
    match lines.as_slice() {
        [] => String::new(),
        [line] => format!("{indent}/** {line} */\n"),
        lines => {
            let mut out = format!("{indent}/**\n");
            for line in lines {
                let _ = writeln!(
                    out,
                    "{indent} *{}{line}",
                    if line.is_empty() { "" } else { " " }
                );
            }
            let _ = writeln!(out, "{indent} */");
            out
        }
    }
}

/// A type with each object literal in it laid out one member a line.
fn format_type(text: &str, indent: &str) -> String {
    let mut out = String::new();
    let mut rest = text.trim();
    while let Some(open) = rest.find('{') {
        out.push_str(&rest[..open]);
        let close = open + closing(&rest[open..]);
        out.push_str(&format_object(&rest[open + 1..close], indent));
        rest = &rest[close + 1..];
    }
    out.push_str(rest);
    out
}

fn format_object(members: &str, indent: &str) -> String {
    let inner = format!("{indent}  ");
    let mut out = String::from("{\n");
    for member in split_top_level(members, ',') {
        let mut member = member.trim();
        if member.is_empty() {
            continue;
        }
        if member.starts_with("/**") {
            let end = member.find("*/").expect("closed doc comment") + 2;
            out.push_str(&doc_block(&member[..end], &inner));
            member = member[end..].trim();
        }
        let colon = split_top_level(member, ':')[0].len();
        let (name, ty) = (&member[..colon], &member[colon + 1..]);
        let _ = writeln!(out, "{inner}{}: {};", name.trim(), format_type(ty, &inner));
    }
    out.push_str(indent);
    out.push('}');
    out
}

/// `export interface` for an object type, `export type` for the rest, with
/// long unions one alternative a line.
fn format_declaration(declaration: &Declaration) -> String {
    let text = declaration.text.trim().trim_end_matches(';');
    let head_end = text.find(" = ").expect("type X = …");
    let head_end = match text[..head_end].find('<') {
        Some(open) => open + closing(&text[open..]) + 1,
        None => head_end,
    };
    let head = text[..head_end].trim_start_matches("type ");
    let body = text[head_end..].trim_start().trim_start_matches('=').trim();
    let mut out = doc_block(&declaration.docs, "");
    if body.starts_with('{') && closing(body) == body.len() - 1 {
        let _ = writeln!(out, "export interface {head} {}", format_type(body, ""));
    } else {
        let alternatives = split_top_level(body, '|');
        if body.len() > 80 && alternatives.len() > 1 {
            let _ = write!(out, "export type {head} =");
            for alternative in alternatives {
                let _ = write!(out, "\n  | {}", format_type(alternative, "  "));
            }
            out.push_str(";\n");
        } else {
            let _ = writeln!(out, "export type {head} = {};", format_type(body, ""));
        }
    }
    out
}

fn uses(text: &str, name: &str) -> bool {
    text.match_indices(name).any(|(at, _)| {
        let word = |c: Option<char>| c.is_some_and(|c| c.is_alphanumeric() || c == '_');
        !word(text[..at].chars().next_back()) && !word(text[at + name.len()..].chars().next())
    })
}

/// The file: a header, the imports its declarations need from `siblings`
/// (name, module) and the hand-written types, then the declarations.
fn render(declarations: &[Declaration], siblings: &[(String, &str)]) -> String {
    let body: Vec<String> = declarations.iter().map(format_declaration).collect();
    let body = body.join("\n");
    let mut imports: Vec<(&str, Vec<&str>)> = Vec::new();
    let hand_written = HAND_WRITTEN.iter().map(|(name, from)| (*name, *from));
    let siblings = siblings.iter().map(|(name, from)| (name.as_str(), *from));
    for (name, from) in hand_written.chain(siblings) {
        if !uses(&body, name) {
            continue;
        }
        match imports.iter_mut().find(|(module, _)| *module == from) {
            Some((_, names)) => names.push(name),
            None => imports.push((from, vec![name])),
        }
    }
    let mut out = String::from(
        "// Generated by `cargo test` from the Rust definitions (src/core/boundary/\n\
         // and the core types they name). Do not edit: change the Rust and run\n\
         // `HALO_UPDATE_GENERATED=1 cargo test`.\n\n",
    );
    for (from, mut names) in imports {
        names.sort_unstable();
        let _ = writeln!(
            out,
            "import type {{ {} }} from \"{from}\";",
            names.join(", ")
        );
    }
    out.push('\n');
    out.push_str(&body);
    out
}

#[test]
fn the_typescript_types_are_generated_from_the_rust_definitions() {
    let device = device_declarations();
    check_generated(DEVICE_PATH, &render(&device, &[]));
    let device_names: Vec<(String, &str)> = device
        .into_iter()
        .map(|declaration| (declaration.name, "./types.js"))
        .collect();
    check_generated(
        INTEGRATOR_PATH,
        &render(&integrator_declarations(), &device_names),
    );
}

#[test]
fn every_generated_type_has_a_summary_and_an_example() {
    for declaration in device_declarations()
        .iter()
        .chain(&integrator_declarations())
    {
        let block = doc_block(&declaration.docs, "");
        let summary = block.lines().nth(1).unwrap_or_default();
        assert!(
            block.contains("\n * @example\n")
                && summary.len() > " * ".len()
                && !summary.contains('@'),
            "{} needs a doc comment with a summary and an @example",
            declaration.name
        );
    }
}

/// The string literals of a union ts-rs rendered.
fn literals(union: &str) -> Vec<&str> {
    split_top_level(union, '|')
        .into_iter()
        .map(|literal| literal.trim().trim_matches('"'))
        .collect()
}

/// Enums outside `wire_enum!` keep their spellings in methods (`as_str`,
/// `parse`), and ts-rs takes attribute literals only: this holds the
/// TypeScript to the core's spellings.
#[test]
fn the_enum_spellings_are_the_cores() {
    let cfg = config();
    for source in literals(&WebhookSource::inline(&cfg)) {
        let parsed = [WebhookSource::Async, WebhookSource::Registered]
            .into_iter()
            .find(|known| known.as_str() == source);
        assert!(parsed.is_some(), "webhookSource {source}");
    }
    for grant in literals(&GrantType::inline(&cfg)) {
        assert!(GrantType::parse(Some(grant)).is_ok(), "grantType {grant}");
    }
    let names = PmsName::inline(&cfg);
    let mut pms_types = Vec::new();
    for name in literals(&names) {
        let parsed = PmsName::parse(name).expect("a PMS name the core takes");
        assert_eq!(parsed.as_str(), name);
        pms_types.push(format!("\"{}\"", parsed.pms_type()));
    }
    let site = Site::decl(&cfg);
    assert!(
        site.contains(&format!("pmsType?: {},", pms_types.join(" | "))),
        "{site}"
    );
}
