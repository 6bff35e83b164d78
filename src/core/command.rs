//! SQL commands as the SQL Passthrough API names them: text, execution mode,
//! command type and typed parameters, validated before anything is sent.

use super::error::HaloError;
use super::json_source::InputSource;
use super::json_writer::ObjectWriter;
use super::limits::{
    at_most, at_most_chars, MAX_COMMAND_BYTES, MAX_PARAMETERS, MAX_PARAMETER_SIZE,
    MAX_PARAMETER_VALUE_BYTES, MAX_SQL_NAME_CHARS, MAX_SQL_TEXT_BYTES,
};
use super::numbers::optional_whole_number;

/// Declares a closed set of API enum values with their wire spelling.
macro_rules! wire_enum {
    ($(#[$meta:meta])* $name:ident { $($variant:ident = $wire:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[cfg_attr(test, derive(ts_rs::TS))]
        pub enum $name { $(#[doc = concat!("Written `", $wire, "` in the API's JSON.")] #[cfg_attr(test, ts(rename = $wire))] $variant),+ }

        impl $name {
            /// Every value, in the order the API documents them.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The wire spelling, exactly as the request body carries it.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $wire),+ }
            }

            /// Exact, case-sensitive wire spelling only; otherwise a validation error on `field` listing the choices.
            pub fn parse(field: &str, value: &str) -> Result<Self, HaloError> {
                Self::ALL
                    .iter()
                    .copied()
                    .find(|known| known.as_str() == value)
                    .ok_or_else(|| not_one_of(field, value, &[$($wire),+]))
            }
        }
    };
}

/// The error of a wire enum's `parse`, listing the choices. One function
/// for every enum, and a scan of `ALL` rather than a `match` on strings:
/// both keep the wasm small (bench/README.md, "Size levers").
fn not_one_of(field: &str, value: &str, choices: &[&str]) -> HaloError {
    // Pushed in a loop: `join` brings its own generic copier (~1.2 KB).
    let mut message = format!("{field} must be one of ");
    for (at, choice) in choices.iter().enumerate() {
        if at > 0 {
            message.push_str(", ");
        }
        message.push_str(choice);
    }
    message.push_str("; got \"");
    message.push_str(value);
    message.push('"');
    HaloError::validation(field, message)
}

wire_enum!(
    /// `reader` returns rows; `nonQuery` returns `rowsAffected`; `scalar` the first column of the first row.
    ///
    /// @example
    /// const { scalar } = await client.immediateQuery({ text: "SELECT COUNT(*) FROM Patients", executionMode: "scalar" });
    /// const { rowsAffected } = await client.immediateQuery({
    ///   text: "UPDATE Patients SET Phone = @phone WHERE InternalID = @id",
    ///   executionMode: "nonQuery",
    ///   parameters: [{ name: "@phone", type: "VarChar", value: "0412 345 699" }, { name: "@id", type: "Int", value: "1" }],
    /// });
    ExecutionMode {
        Reader = "reader",
        NonQuery = "nonQuery",
        Scalar = "scalar",
    }
);

wire_enum!(
    /// Plain SQL text or a stored procedure's name (experimental in Halo).
    CommandType {
        Text = "text",
        StoredProcedure = "storedProcedure",
    }
);

wire_enum!(
    /// Which way a parameter's value travels: `input` (the default) into the
    /// command; `output`, `inputOutput` and `returnValue` come back in the
    /// result's `outputParameters`, as strings.
    ///
    /// @example
    /// const { outputParameters } = await client.immediateQuery({
    ///   text: "SELECT @total = COUNT(*) FROM Patients",
    ///   executionMode: "nonQuery",
    ///   parameters: [{ name: "@total", direction: "output", type: "Int" }],
    /// });
    /// const total = Number(outputParameters["@total"]);
    ParameterDirection {
        Input = "input",
        Output = "output",
        InputOutput = "inputOutput",
        ReturnValue = "returnValue",
    }
);

wire_enum!(
    /// The 32 SQL Server types the SQL Passthrough API documents for parameters.
    ///
    /// @example
    /// const surname: SqlParameter = { name: "@surname", type: "NVarChar", value: "Smith", size: 100 };
    /// const born: SqlParameter = { name: "@born", type: "Date", value: "1970-03-14" };
    SqlType {
        BigInt = "BigInt", Binary = "Binary", Bit = "Bit", Char = "Char",
        String = "String", Date = "Date", DateTime = "DateTime", DateTime2 = "DateTime2",
        DateTimeOffset = "DateTimeOffset", Decimal = "Decimal", Float = "Float", Image = "Image",
        Int = "Int", Money = "Money", NChar = "NChar", NText = "NText",
        NVarChar = "NVarChar", Real = "Real", SmallDateTime = "SmallDateTime", SmallInt = "SmallInt",
        SmallMoney = "SmallMoney", Structured = "Structured", Text = "Text", Time = "Time",
        Timestamp = "Timestamp", TinyInt = "TinyInt", Udt = "Udt", UniqueIdentifier = "UniqueIdentifier",
        VarBinary = "VarBinary", VarChar = "VarChar", Variant = "Variant", Xml = "Xml",
    }
);

/// A command as the caller wrote it: a bare SQL string or the API's object.
/// (The host tells the two apart; an untagged serde enum would cost the
/// wasm a buffering deserializer.)
#[derive(Debug)]
pub enum CommandInput {
    /// A bare SQL string: a `reader` query over plain text.
    Text(String),
    /// The API's `command` object, its fields not yet checked.
    Object(CommandObjectInput),
}

/// A SQL command exactly as the API names its fields. Wherever a command is
/// taken, a plain string is short for `{ text }` (a `reader` query).
///
/// @example
/// const command: SqlCommand = {
///   text: "SELECT Firstname, Surname FROM Patients WHERE Postcode = @postcode",
///   parameters: [{ name: "@postcode", type: "VarChar", value: "2042", size: 4 }],
/// };
/// const { rows } = await client.immediateQuery(command, { catalogue: "BPSPatients" });
#[cfg_attr(
    test,
    derive(ts_rs::TS),
    ts(rename = "SqlCommand", rename_all = "camelCase", optional_fields)
)]
#[derive(Debug, Default)]
pub struct CommandObjectInput {
    /// The SQL, or the procedure's name for `storedProcedure`; at most 1 MiB.
    #[cfg_attr(test, ts(optional = false, as = "String"))]
    pub text: Option<String>,
    /// Default `reader`.
    #[cfg_attr(test, ts(as = "Option<ExecutionMode>"))]
    pub execution_mode: Option<String>,
    /// Default `text`; `storedProcedure` is experimental in Halo.
    #[cfg_attr(test, ts(rename = "type", as = "Option<CommandType>", inline))]
    pub command_type: Option<String>,
    /// At most 2,100 (SQL Server's limit); `text` plus all values at most 8 MiB.
    pub parameters: Option<Vec<ParameterInput>>,
}

/// A parameter of a SQL command: its name as written in the SQL, its SQL
/// Server type, and its value as a string.
///
/// @example
/// const patientId: SqlParameter = { name: "@patientId", type: "Int", value: "1" };
/// await client.immediateQuery({ text: "SELECT * FROM Patients WHERE InternalID = @patientId", parameters: [patientId] });
#[cfg_attr(test, derive(ts_rs::TS), ts(rename = "SqlParameter", optional_fields))]
#[derive(Debug, Default)]
pub struct ParameterInput {
    /// As written in the SQL, e.g. `@patientId`.
    #[cfg_attr(test, ts(optional = false, as = "String"))]
    pub name: Option<String>,
    /// Default `input`.
    #[cfg_attr(test, ts(as = "Option<ParameterDirection>"))]
    pub direction: Option<String>,
    /// Required: the SQL Server type the string `value` is read as.
    #[cfg_attr(test, ts(rename = "type", optional = false, as = "SqlType"))]
    pub sql_type: Option<String>,
    /// Values travel as strings, e.g. `"42"` for an `Int`.
    #[cfg_attr(test, ts(optional = nullable))]
    pub value: Option<String>,
    /// Maximum size in bytes: a whole number up to 2³¹ − 1.
    pub size: Option<f64>,
}

/// A parameter that passed every check, as it goes into the request body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqlParameter {
    /// As written in the SQL (`@patientId`): no whitespace, at most 128 characters.
    pub name: String,
    /// `input` unless the caller chose otherwise.
    pub direction: ParameterDirection,
    /// Sent as the API's `type`.
    pub sql_type: SqlType,
    /// Always text (`"42"` for an `Int`), at most 4 MiB; `None` is sent as `null`.
    pub value: Option<String>,
    /// Maximum size in bytes, up to 2³¹ − 1; left out of the body when `None`.
    pub size: Option<u32>,
}

/// A command that passed every check, ready for a query's request body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SqlCommand {
    /// Not blank; at most 1 MiB.
    pub text: String,
    /// What the result holds: rows, `rowsAffected`, or one value.
    pub execution_mode: ExecutionMode,
    /// Sent as the API's `type`: `text` unless the caller chose `storedProcedure`.
    pub command_type: CommandType,
    /// At most 2,100; their values and `text` total at most 8 MiB.
    pub parameters: Vec<SqlParameter>,
}

impl SqlCommand {
    /// A `reader` query over plain SQL text.
    pub fn reader(text: &str) -> Result<Self, HaloError> {
        Self::from_input(CommandInput::Text(text.to_owned()))
    }

    /// Fills in the API's defaults; refuses blank text, unknown spellings and oversize
    /// values before anything is sent, naming the field, e.g. `command.parameters[0].type`.
    pub fn from_input(input: CommandInput) -> Result<Self, HaloError> {
        let object = match input {
            CommandInput::Text(text) => CommandObjectInput {
                text: Some(text),
                ..CommandObjectInput::default()
            },
            CommandInput::Object(object) => object,
        };
        let text = object.text.unwrap_or_default();
        if text.trim().is_empty() {
            return Err(HaloError::validation(
                "command.text",
                "command.text must be a non-empty SQL statement or procedure name",
            ));
        }
        at_most("command.text", text.len(), MAX_SQL_TEXT_BYTES, "bytes")?;
        let execution_mode = match object.execution_mode.as_deref() {
            None => ExecutionMode::Reader,
            Some(value) => ExecutionMode::parse("command.executionMode", value)?,
        };
        let command_type = match object.command_type.as_deref() {
            None => CommandType::Text,
            Some(value) => CommandType::parse("command.type", value)?,
        };
        let parameters = object.parameters.unwrap_or_default();
        check_parameter_count(parameters.len())?;
        // Loops, not `collect::<Result<Vec<_>, _>>()`: each of those is its
        // own copy of `GenericShunt` in the wasm (bench/README.md).
        let mut checked = Vec::with_capacity(parameters.len());
        for (index, parameter) in parameters.into_iter().enumerate() {
            checked.push(validate_parameter(index, parameter)?);
        }
        let parameters = checked;
        let values: usize = parameters
            .iter()
            .filter_map(|p| p.value.as_ref().map(String::len))
            .sum();
        at_most(
            "command",
            text.len() + values,
            MAX_COMMAND_BYTES,
            "bytes of text and parameter values",
        )?;
        Ok(Self {
            text,
            execution_mode,
            command_type,
            parameters,
        })
    }

    /// The command as the API's JSON `command` object.
    pub fn write_json(&self, out: &mut String) {
        let mut object = ObjectWriter::open(out);
        object
            .string("text", &self.text)
            .string("executionMode", self.execution_mode.as_str())
            .string("type", self.command_type.as_str());
        let mut parameters = String::from("[");
        for (index, parameter) in self.parameters.iter().enumerate() {
            if index > 0 {
                parameters.push(',');
            }
            parameter.write_json(&mut parameters);
        }
        parameters.push(']');
        object.raw("parameters", &parameters);
        object.close();
    }
}

impl SqlParameter {
    fn write_json(&self, out: &mut String) {
        let mut object = ObjectWriter::open(out);
        object
            .string("name", &self.name)
            .string("direction", self.direction.as_str())
            .string("type", self.sql_type.as_str())
            .optional_string("value", self.value.as_deref());
        if let Some(size) = self.size {
            object.number("size", u64::from(size));
        }
        object.close();
    }
}

/// Refuses more parameters than SQL Server takes; the shell asks before
/// it reads each one.
impl CommandInput {
    /// The one reader of a command as the caller gave it: a SQL string, or
    /// the API's command object with its parameters.
    pub fn read(source: &impl InputSource) -> Result<Self, HaloError> {
        if let Some(text) = source.as_text("command.text")? {
            return Ok(CommandInput::Text(text));
        }
        let parameters = match source.objects("parameters", check_parameter_count)? {
            None => None,
            Some(items) => {
                let mut read = Vec::with_capacity(items.len());
                for item in &items {
                    read.push(ParameterInput::read(item)?);
                }
                Some(read)
            }
        };
        Ok(CommandInput::Object(CommandObjectInput {
            text: source.string("text")?,
            execution_mode: source.string("executionMode")?,
            command_type: source.string("type")?,
            parameters,
        }))
    }
}

impl ParameterInput {
    fn read(source: &impl InputSource) -> Result<Self, HaloError> {
        Ok(ParameterInput {
            name: source.string("name")?,
            direction: source.string("direction")?,
            sql_type: source.string("type")?,
            value: source.string("value")?,
            size: source.number("size")?,
        })
    }
}

/// Refuses more than [`MAX_PARAMETERS`] (2,100, SQL Server's own limit per
/// request) before any parameter is read, so a huge array costs nothing.
pub fn check_parameter_count(count: usize) -> Result<(), HaloError> {
    at_most("command.parameters", count, MAX_PARAMETERS, "parameters")
}

fn validate_parameter(index: usize, input: ParameterInput) -> Result<SqlParameter, HaloError> {
    let field = |name: &str| format!("command.parameters[{index}].{name}");
    let name = input.name.unwrap_or_default();
    if name.is_empty() || name.chars().any(char::is_whitespace) {
        let field = field("name");
        let message =
            format!("{field} must be a parameter name without spaces, such as @patientId");
        return Err(HaloError::validation(&field, message));
    }
    at_most_chars(&field("name"), &name, MAX_SQL_NAME_CHARS)?;
    if let Some(value) = &input.value {
        at_most(
            &field("value"),
            value.len(),
            MAX_PARAMETER_VALUE_BYTES,
            "bytes",
        )?;
    }
    let size = optional_whole_number(&field("size"), input.size, 0, MAX_PARAMETER_SIZE)?;
    let direction = match input.direction.as_deref() {
        None => ParameterDirection::Input,
        Some(value) => ParameterDirection::parse(&field("direction"), value)?,
    };
    let sql_type = match input.sql_type.as_deref() {
        Some(value) => SqlType::parse(&field("type"), value)?,
        None => {
            let field = field("type");
            let message = format!(
                "{field} is required: one of the 32 SQL Server types, e.g. Int or NVarChar"
            );
            return Err(HaloError::validation(&field, message));
        }
    };
    Ok(SqlParameter {
        name,
        direction,
        sql_type,
        value: input.value,
        size: size.map(|size| size as u32),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    use crate::core::json_source::test_json as json;

    fn command_from_json(json: &str) -> Result<SqlCommand, HaloError> {
        let value = serde_json::from_str(json).unwrap();
        SqlCommand::from_input(CommandInput::read(&json::JsonInput::new("command", value))?)
    }

    #[test]
    fn a_bare_string_is_a_text_reader() {
        let command = SqlCommand::reader("SELECT 1").unwrap();
        assert_eq!(command.execution_mode, ExecutionMode::Reader);
        assert_eq!(command.command_type, CommandType::Text);
        let mut json = String::new();
        command.write_json(&mut json);
        assert_eq!(
            json,
            r#"{"text":"SELECT 1","executionMode":"reader","type":"text","parameters":[]}"#
        );
    }

    #[test]
    fn all_32_sql_types_are_accepted_by_their_wire_names() {
        assert_eq!(SqlType::ALL.len(), 32);
        for sql_type in SqlType::ALL {
            assert_eq!(SqlType::parse("t", sql_type.as_str()).unwrap(), *sql_type);
        }
        assert!(
            SqlType::parse("t", "int").is_err(),
            "names are case-sensitive on the wire"
        );
    }

    #[test]
    fn parameters_are_validated_and_written_in_api_order() {
        let command = command_from_json(
            r#"{"text":"SELECT * FROM Patients WHERE InternalID = @id","parameters":[{"name":"@id","type":"Int","value":"7"}]}"#,
        )
        .unwrap();
        let mut json = String::new();
        command.write_json(&mut json);
        let parsed: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(
            parsed["parameters"][0],
            serde_json::json!({"name":"@id","direction":"input","type":"Int","value":"7"})
        );
    }

    #[test]
    fn each_bad_field_is_named() {
        let cases = [
            (r#"{"text":"  "}"#, "command.text"),
            (r#"{}"#, "command.text"),
            (
                r#"{"text":"x","executionMode":"query"}"#,
                "command.executionMode",
            ),
            (r#"{"text":"x","type":"proc"}"#, "command.type"),
            (
                r#"{"text":"x","parameters":[{"type":"Int"}]}"#,
                "command.parameters[0].name",
            ),
            (
                r#"{"text":"x","parameters":[{"name":"@a","type":"Int"},{"name":"@b"}]}"#,
                "command.parameters[1].type",
            ),
            (
                r#"{"text":"x","parameters":[{"name":"@a","type":"Integer"}]}"#,
                "command.parameters[0].type",
            ),
            (
                r#"{"text":"x","parameters":[{"name":"@a","type":"Int","direction":"in"}]}"#,
                "command.parameters[0].direction",
            ),
        ];
        for (json, field) in cases {
            let error = command_from_json(json).unwrap_err();
            assert_eq!(error.field.as_deref(), Some(field), "{json}");
            assert!(error.message.starts_with(field), "{}", error.message);
        }
    }

    fn with_parameter(parameter: ParameterInput) -> Result<SqlCommand, HaloError> {
        SqlCommand::from_input(CommandInput::Object(CommandObjectInput {
            text: Some("SELECT @a".into()),
            parameters: Some(vec![parameter]),
            ..CommandObjectInput::default()
        }))
    }

    fn parameter() -> ParameterInput {
        ParameterInput {
            name: Some("@a".into()),
            sql_type: Some("NVarChar".into()),
            ..ParameterInput::default()
        }
    }

    #[test]
    fn a_parameter_size_is_a_whole_32_bit_signed_number() {
        let size = |size: f64| {
            with_parameter(ParameterInput {
                size: Some(size),
                ..parameter()
            })
        };
        assert_eq!(
            size(2_147_483_647.0).unwrap().parameters[0].size,
            Some(i32::MAX as u32)
        );
        assert_eq!(size(0.0).unwrap().parameters[0].size, Some(0));
        for bad in [f64::NAN, -1.0, 1.5, 2_147_483_648.0, f64::INFINITY, 1e300] {
            let error = size(bad).unwrap_err();
            assert_eq!(
                error.field.as_deref(),
                Some("command.parameters[0].size"),
                "{bad}"
            );
        }
    }

    #[test]
    fn oversized_commands_are_refused_naming_the_field() {
        let big = |bytes: usize| "x".repeat(bytes);
        let text = |text: String| SqlCommand::reader(&text);
        assert!(text(big(MAX_SQL_TEXT_BYTES)).is_ok());
        assert_eq!(
            text(big(MAX_SQL_TEXT_BYTES + 1))
                .unwrap_err()
                .field
                .as_deref(),
            Some("command.text")
        );
        let value = |bytes: usize| {
            with_parameter(ParameterInput {
                value: Some(big(bytes)),
                ..parameter()
            })
        };
        assert!(value(MAX_PARAMETER_VALUE_BYTES).is_ok());
        assert_eq!(
            value(MAX_PARAMETER_VALUE_BYTES + 1)
                .unwrap_err()
                .field
                .as_deref(),
            Some("command.parameters[0].value")
        );
        let name = with_parameter(ParameterInput {
            name: Some(format!("@{}", big(MAX_SQL_NAME_CHARS))),
            ..parameter()
        });
        assert_eq!(
            name.unwrap_err().field.as_deref(),
            Some("command.parameters[0].name")
        );
        let many = |count: usize| {
            SqlCommand::from_input(CommandInput::Object(CommandObjectInput {
                text: Some("SELECT 1".into()),
                parameters: Some((0..count).map(|_| parameter()).collect()),
                ..CommandObjectInput::default()
            }))
        };
        assert!(many(MAX_PARAMETERS).is_ok());
        assert_eq!(
            many(MAX_PARAMETERS + 1).unwrap_err().field.as_deref(),
            Some("command.parameters")
        );
        let total = SqlCommand::from_input(CommandInput::Object(CommandObjectInput {
            text: Some("SELECT 1".into()),
            parameters: Some(
                (0..3)
                    .map(|_| ParameterInput {
                        value: Some(big(MAX_PARAMETER_VALUE_BYTES)),
                        ..parameter()
                    })
                    .collect(),
            ),
            ..CommandObjectInput::default()
        }));
        assert_eq!(total.unwrap_err().field.as_deref(), Some("command"));
    }
}
