//! Fuzz target: SQL commands as callers write them, and the JSON the core
//! writes for them. Whatever the text and parameters, the request body must
//! parse as JSON and carry every value exactly; bad input is a validation
//! error that names its field.
#![cfg(not(target_arch = "wasm32"))]

mod support;

use halo_device::core::command::{CommandInput, SqlCommand};
use halo_device::core::error::ErrorKind;
use halo_device::core::json_writer::push_string;
use proptest::prelude::*;
use serde_json::{json, Value};
use support::{shaped, text, JsonInput, Shape};

static COMMAND: Shape = Shape::Object(&[
    (
        "text",
        Shape::Text(&["SELECT * FROM Patients WHERE InternalID = @id", " "]),
    ),
    (
        "executionMode",
        Shape::Text(&["reader", "nonQuery", "scalar", "query"]),
    ),
    ("type", Shape::Text(&["text", "storedProcedure", "proc"])),
    (
        "parameters",
        Shape::Array(&Shape::Object(&[
            ("name", Shape::Text(&["@id", "@a b", ""])),
            (
                "direction",
                Shape::Text(&["input", "output", "inputOutput", "returnValue", "in"]),
            ),
            (
                "type",
                Shape::Text(&["Int", "NVarChar", "VarBinary", "int"]),
            ),
            ("value", Shape::Text(&["7", ""])),
            ("size", Shape::Number),
        ])),
    ),
]);

/// A command as the host would hand it over: a bare string, or an object
/// that may fail to decode (the host then reports a type error itself).
fn command_input() -> impl Strategy<Value = Option<CommandInput>> {
    prop_oneof![
        text().prop_map(|text| Some(CommandInput::Text(text))),
        shaped(&COMMAND).prop_map(|json| CommandInput::read(&JsonInput::new("command", json)).ok()),
    ]
}

/// The command as the API's JSON, built by `serde_json` from the parsed
/// command: the reference the hand-written JSON must equal.
fn expected_json(command: &SqlCommand) -> Value {
    let parameters: Vec<Value> = command
        .parameters
        .iter()
        .map(|p| {
            let mut object = json!({
                "name": p.name,
                "direction": p.direction.as_str(),
                "type": p.sql_type.as_str(),
                "value": p.value,
            });
            if let Some(size) = p.size {
                object["size"] = json!(size);
            }
            object
        })
        .collect();
    json!({
        "text": command.text,
        "executionMode": command.execution_mode.as_str(),
        "type": command.command_type.as_str(),
        "parameters": parameters,
    })
}

proptest! {
    #![proptest_config(support::config())]

    #[test]
    fn strings_round_trip_through_a_json_parser(value in prop_oneof![text(), any::<String>()]) {
        let mut out = String::new();
        push_string(&mut out, &value);
        let parsed: String = serde_json::from_str(&out).map_err(|e| TestCaseError::fail(format!("{e}: {out:?}")))?;
        prop_assert_eq!(&parsed, &value);
        // Safe to embed in JavaScript source or a log line as well.
        prop_assert!(
            !out.chars().any(|c| (c as u32) < 0x20 || c == '\u{2028}' || c == '\u{2029}'),
            "{:?}",
            out
        );
    }

    #[test]
    fn commands_are_written_exactly_or_refused_by_field(input in command_input()) {
        let Some(input) = input else {
            return Ok(());
        };
        let text = match &input {
            CommandInput::Text(text) => Some(text.clone()),
            CommandInput::Object(object) => object.text.clone(),
        };
        match SqlCommand::from_input(input) {
            Ok(command) => {
                prop_assert_eq!(Some(&command.text), text.as_ref());
                prop_assert!(!command.text.trim().is_empty());
                for parameter in &command.parameters {
                    prop_assert!(!parameter.name.is_empty() && !parameter.name.chars().any(char::is_whitespace));
                }
                let mut written = String::new();
                command.write_json(&mut written);
                let parsed: Value = serde_json::from_str(&written)
                    .map_err(|e| TestCaseError::fail(format!("{e}: {written}")))?;
                prop_assert_eq!(parsed, expected_json(&command));
            }
            Err(error) => {
                prop_assert_eq!(error.kind, ErrorKind::Validation);
                let field = error.field.clone().unwrap_or_default();
                prop_assert!(field.starts_with("command."), "{}", field);
                prop_assert!(error.message.starts_with(&field), "{}", error.message);
            }
        }
    }
}
