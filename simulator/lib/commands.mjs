// The SQL Passthrough `command` object: request validation, preparation (parsing) and execution.
import { apiError } from './http.mjs';
import { parseSql, SqlSyntaxError } from './sql-parser.mjs';
import { executeStatement, SqlExecutionError } from './sql-executor.mjs';

const EXECUTION_MODES = ['reader', 'nonQuery', 'scalar'];
const COMMAND_TYPES = ['text', 'storedProcedure'];
const DIRECTIONS = ['output', 'input', 'inputOutput', 'returnValue'];
const PARAMETER_TYPES = new Set([
  'BigInt', 'Binary', 'Bit', 'Char', 'String', 'Date', 'DateTime', 'DateTime2', 'DateTimeOffset', 'Decimal',
  'Float', 'Image', 'Int', 'Money', 'NChar', 'NText', 'NVarChar', 'Real', 'SmallDateTime', 'SmallInt',
  'SmallMoney', 'Structured', 'Text', 'Time', 'Timestamp', 'TinyInt', 'Udt', 'UniqueIdentifier', 'VarBinary',
  'VarChar', 'Variant', 'Xml',
]);

const invalidBody = (detail) => apiError(400, `Request body doesn't contain correct schema: ${detail}`);

const isPlainObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

function validateParameter(parameter, index) {
  const where = `command.parameters[${index}]`;
  if (!isPlainObject(parameter)) throw invalidBody(`${where} must be an object.`);
  if (typeof parameter.name !== 'string' || !parameter.name.startsWith('@')) {
    throw invalidBody(`${where}.name must be a string starting with '@'.`);
  }
  if (parameter.direction !== undefined && !DIRECTIONS.includes(parameter.direction)) {
    throw invalidBody(`${where}.direction must be one of ${DIRECTIONS.join(', ')}.`);
  }
  if (parameter.type !== undefined && !PARAMETER_TYPES.has(parameter.type)) {
    throw invalidBody(`${where}.type is not a supported SQL Server type.`);
  }
  if (parameter.value !== undefined && parameter.value !== null && typeof parameter.value !== 'string') {
    throw invalidBody(`${where}.value must be a string or null.`);
  }
  if (parameter.size !== undefined && !Number.isInteger(parameter.size)) {
    throw invalidBody(`${where}.size must be an integer.`);
  }
}

/**
 * Validates a `command` object and parses its SQL. Returns a prepared command; malformed SQL is a
 * 400 "Malformed SQL" here, before any query is created.
 */
export function prepareCommand(command) {
  if (!isPlainObject(command)) throw invalidBody('command is required.');
  if (typeof command.text !== 'string' || command.text.trim() === '') throw invalidBody('command.text is required.');
  const executionMode = command.executionMode ?? 'reader';
  if (!EXECUTION_MODES.includes(executionMode)) {
    throw invalidBody(`command.executionMode must be one of ${EXECUTION_MODES.join(', ')}.`);
  }
  const type = command.type ?? 'text';
  if (!COMMAND_TYPES.includes(type)) throw invalidBody(`command.type must be one of ${COMMAND_TYPES.join(', ')}.`);
  const parameters = command.parameters ?? [];
  if (!Array.isArray(parameters)) throw invalidBody('command.parameters must be an array.');
  parameters.forEach(validateParameter);

  let statement;
  if (type === 'text') {
    try {
      statement = parseSql(command.text);
    } catch (error) {
      if (error instanceof SqlSyntaxError) throw apiError(400, `Malformed SQL: ${error.message}`);
      throw error;
    }
  }
  return { text: command.text, executionMode, type, parameters, statement };
}

/** Validates `maxTimeInQueue` against the mode's documented range and applies its default. */
export function validateMaxTimeInQueue(value, { maximum, defaultValue }) {
  if (value === undefined) return defaultValue;
  if (!Number.isInteger(value) || value < 0 || value > maximum) {
    throw invalidBody(`maxTimeInQueue must be an integer between 0 and ${maximum}.`);
  }
  return value;
}

/** A catalogue must be one the site reports; omitted means the site's default. */
export function validateCatalogue(site, catalogue) {
  if (catalogue === undefined || catalogue === null) return;
  if (typeof catalogue !== 'string' || !site.catalogue.some((entry) => entry.name.toLowerCase() === catalogue.toLowerCase())) {
    throw apiError(400, `Catalogue '${catalogue}' is not available for this site.`);
  }
}

function parameterValues(parameters) {
  return new Map(
    parameters
      .filter((parameter) => (parameter.direction ?? 'input') === 'input' || parameter.direction === 'inputOutput')
      .map((parameter) => [parameter.name.toLowerCase(), parameter.value ?? null]),
  );
}

/** The JSON text that result `data` fields carry base64-encoded. */
export function encodeRows(rows) {
  const json = JSON.stringify(rows);
  return { data: Buffer.from(json, 'utf8').toString('base64'), size: Buffer.byteLength(json, 'utf8') };
}

/**
 * Runs a prepared command against a site's database.
 * Success: { ok: true, durationMs, rows?: object[], rowsAffected?: number } — `rows` for reader/scalar,
 * `rowsAffected` for nonQuery. Failure: { ok: false, durationMs, errorDetails } with errorType "mssql".
 */
export function runCommand(database, prepared) {
  const started = performance.now();
  const finish = (outcome) => ({ ...outcome, durationMs: Math.round(performance.now() - started) });
  try {
    if (prepared.type === 'storedProcedure') {
      throw new SqlExecutionError(2812, `Could not find stored procedure '${prepared.text}'.`);
    }
    const outcome = executeStatement(database, prepared.statement, parameterValues(prepared.parameters));
    const isSelect = prepared.statement.kind === 'select';
    switch (prepared.executionMode) {
      case 'nonQuery':
        // ADO.NET ExecuteNonQuery reports -1 for statements that change no rows, such as SELECT.
        return finish({ ok: true, rowsAffected: isSelect ? -1 : outcome.rowsAffected });
      case 'scalar': {
        const firstColumn = outcome.columns?.[0];
        const firstRow = outcome.rows?.[0];
        return finish({ ok: true, rows: firstRow ? [{ [firstColumn]: firstRow[firstColumn] }] : [] });
      }
      default:
        return finish({ ok: true, rows: isSelect ? outcome.rows : [] });
    }
  } catch (error) {
    if (!(error instanceof SqlExecutionError)) throw error;
    return finish({ ok: false, errorDetails: { errorType: 'mssql', errorCode: error.code, errorMessage: error.message } });
  }
}

/** Splits rows into result pages of `pageRows`, each with its encoded data; never fewer than one page. */
export function paginate(rows, pageRows) {
  const pages = [];
  for (let start = 0; start < rows.length || pages.length === 0; start += pageRows) {
    const pageRowsSlice = rows.slice(start, start + pageRows);
    pages.push({
      pageNumber: pages.length + 1,
      rangeStart: start,
      // 0-based inclusive (the spec's batch example: 14 rows -> 0..13); an empty page reports 0..0.
      rangeEnd: Math.max(start, start + pageRowsSlice.length - 1),
      count: pageRowsSlice.length,
      ...encodeRows(pageRowsSlice),
    });
  }
  return pages;
}

/** The inline result of an immediate query or the latest result of a registered query. */
export function inlineResult(outcome) {
  if (outcome.rows === undefined) return { rowsAffected: outcome.rowsAffected, size: 0, parameters: [] };
  return { rows: outcome.rows.length, ...encodeRows(outcome.rows), parameters: [] };
}
