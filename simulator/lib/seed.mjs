// Extra sites and tables a test suite seeds (options `sites` and `tables`, CLI `--seed file.json`).
// Seeds come from users' code and files, so every field is checked here, once, with an error that
// names the field; the registry and database then trust what they get.
import { readFileSync } from 'node:fs';
import { isGuid } from './http.mjs';
import { PMS_NAME_TO_TYPE, SEEDED_SITES } from './sites.mjs';
import { COLUMN_TYPES, SEEDED_TABLE_NAMES } from './database.mjs';

const PMS_TYPES = Object.values(PMS_NAME_TO_TYPE);
const SITE_FIELDS = ['id', 'pmsType', 'pmsId', 'practiceName', 'pmsVersion', 'pairingCode', 'authoritative'];
const TABLE_FIELDS = ['columns', 'rows'];
const DEFAULT_PMS_VERSION = '1.0.0';
// What the SQL subset reads as a bare name (the parser's `word`).
const IDENTIFIER = /^[A-Za-z_][A-Za-z0-9_]*$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^(\d{4}-\d{2}-\d{2})T([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/;

class SeedError extends Error {
  constructor(where, problem) {
    super(`Seed ${where}: ${problem}`);
    this.name = 'SeedError';
  }
}

const isPlainObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);
const describe = (value) => (value === undefined ? 'undefined' : JSON.stringify(value) ?? String(value));

function ownFields(where, value, allowed) {
  if (!isPlainObject(value)) throw new SeedError(where, `must be an object, got ${describe(value)}`);
  const unknown = Object.keys(value).filter((key) => !allowed.includes(key));
  if (unknown.length > 0) throw new SeedError(where, `unknown field ${unknown[0]} (allowed: ${allowed.join(', ')})`);
  return (key) => (Object.hasOwn(value, key) ? value[key] : undefined);
}

function nonEmptyString(where, value) {
  if (typeof value !== 'string' || value.trim() === '') throw new SeedError(where, `must be a non-empty string, got ${describe(value)}`);
  return value;
}

function validateSite(spec, index, taken) {
  const where = `sites[${index}]`;
  const field = ownFields(where, spec, SITE_FIELDS);
  const id = field('id');
  if (!isGuid(id)) throw new SeedError(`${where}.id`, `must be a GUID, got ${describe(id)}`);
  if (taken.ids.has(id.toLowerCase())) throw new SeedError(`${where}.id`, `${id} is already a site`);
  const pmsType = field('pmsType');
  if (!PMS_TYPES.includes(pmsType)) throw new SeedError(`${where}.pmsType`, `must be one of ${PMS_TYPES.join(', ')}, got ${describe(pmsType)}`);
  const site = {
    id,
    pmsType,
    pmsId: nonEmptyString(`${where}.pmsId`, field('pmsId')),
    practiceName: nonEmptyString(`${where}.practiceName`, field('practiceName')),
    pmsVersion: field('pmsVersion') === undefined ? DEFAULT_PMS_VERSION : nonEmptyString(`${where}.pmsVersion`, field('pmsVersion')),
    authoritative: field('authoritative') ?? true,
  };
  if (typeof site.authoritative !== 'boolean') throw new SeedError(`${where}.authoritative`, `must be a boolean, got ${describe(site.authoritative)}`);
  if (field('pairingCode') !== undefined) site.pairingCode = nonEmptyString(`${where}.pairingCode`, field('pairingCode'));
  // Best Practice pairing always asks for the code, so a Bp site without one could never be paired.
  if (pmsType === 'BestPractice' && site.pairingCode === undefined) throw new SeedError(`${where}.pairingCode`, 'is required for BestPractice sites');
  // Halo routes a PMS ID to one authoritative site; two would make pairing and queries ambiguous.
  const pmsKey = `${pmsType}\n${site.pmsId.toLowerCase()}`;
  if (site.authoritative && taken.authoritative.has(pmsKey)) {
    throw new SeedError(where, `another authoritative ${pmsType} site has PMS ID ${site.pmsId}; set authoritative: false for a duplicate`);
  }
  taken.ids.add(id.toLowerCase());
  if (site.authoritative) taken.authoritative.add(pmsKey);
  return Object.freeze(site);
}

function validateSites(sites) {
  if (sites === undefined) return [];
  if (!Array.isArray(sites)) throw new SeedError('sites', `must be an array, got ${describe(sites)}`);
  const taken = {
    ids: new Set(SEEDED_SITES.map((site) => site.id.toLowerCase())),
    authoritative: new Set(SEEDED_SITES.filter((site) => site.authoritative).map((site) => `${site.pmsType}\n${site.pmsId.toLowerCase()}`)),
  };
  return sites.map((spec, index) => validateSite(spec, index, taken));
}

function isCalendarDate(text) {
  const match = DATE.exec(text);
  if (!match) return false;
  const [year, month, day] = match.slice(1).map(Number);
  const date = new Date(Date.UTC(year, month - 1, day));
  return date.getUTCFullYear() === year && date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
}

// The stored form of each type: what the SQL executor compares, sorts and returns.
const VALUE_CHECKS = {
  int: [(value) => Number.isSafeInteger(value), 'an integer'],
  decimal: [(value) => typeof value === 'number' && Number.isFinite(value), 'a finite number'],
  string: [(value) => typeof value === 'string', 'a string'],
  date: [(value) => typeof value === 'string' && isCalendarDate(value), "a 'YYYY-MM-DD' date"],
  datetime: [(value) => typeof value === 'string' && DATETIME.test(value) && isCalendarDate(value.slice(0, 10)), "a 'YYYY-MM-DDTHH:MM:SS' datetime"],
};

function validateColumns(where, columns) {
  if (!Array.isArray(columns) || columns.length === 0) throw new SeedError(where, 'must be a non-empty array of [name, type] pairs');
  const names = new Set();
  return columns.map((column, index) => {
    const at = `${where}[${index}]`;
    if (!Array.isArray(column) || column.length !== 2) throw new SeedError(at, `must be a [name, type] pair, got ${describe(column)}`);
    const [name, type] = column;
    if (typeof name !== 'string' || !IDENTIFIER.test(name)) throw new SeedError(at, `name must match ${IDENTIFIER}, got ${describe(name)}`);
    if (names.has(name.toLowerCase())) throw new SeedError(at, `duplicate column ${name} (names are case-insensitive)`);
    if (!COLUMN_TYPES.includes(type)) throw new SeedError(at, `type must be one of ${COLUMN_TYPES.join(', ')}, got ${describe(type)}`);
    names.add(name.toLowerCase());
    return [name, type];
  });
}

function validateRows(where, rows, columns) {
  if (rows === undefined) return [];
  if (!Array.isArray(rows)) throw new SeedError(where, 'must be an array of rows (arrays of values in column order)');
  const keys = new Set();
  return rows.map((row, rowIndex) => {
    const at = `${where}[${rowIndex}]`;
    if (!Array.isArray(row) || row.length !== columns.length) {
      throw new SeedError(at, `must be an array of ${columns.length} values (one per column), got ${describe(row)}`);
    }
    row.forEach((value, columnIndex) => {
      const [name, type] = columns[columnIndex];
      const [accepts, expected] = VALUE_CHECKS[type];
      // The first column is the primary key: never NULL, never repeated.
      if (value === null && columnIndex > 0) return;
      if (!accepts(value)) throw new SeedError(`${at}[${columnIndex}]`, `${name} must be ${expected}${columnIndex > 0 ? ' or null' : ''}, got ${describe(value)}`);
    });
    // Compared as the executor's duplicate-key check compares them (exactly).
    if (keys.has(row[0])) throw new SeedError(`${at}[0]`, `duplicate primary key ${describe(row[0])}`);
    keys.add(row[0]);
    return [...row];
  });
}

function validateTables(tables) {
  if (tables === undefined) return [];
  if (!isPlainObject(tables)) throw new SeedError('tables', 'must be an object { TableName: { columns, rows } }');
  const names = new Set(SEEDED_TABLE_NAMES.map((name) => name.toLowerCase()));
  return Object.keys(tables).map((name) => {
    const where = `tables.${name}`;
    if (!IDENTIFIER.test(name)) throw new SeedError(where, `the table name must match ${IDENTIFIER}`);
    if (names.has(name.toLowerCase())) throw new SeedError(where, `${name} is already a table (names are case-insensitive)`);
    names.add(name.toLowerCase());
    const field = ownFields(where, tables[name], TABLE_FIELDS);
    const columns = validateColumns(`${where}.columns`, field('columns'));
    return Object.freeze({ name, columns, rows: validateRows(`${where}.rows`, field('rows'), columns) });
  });
}

/** Validates the `sites` and `tables` options into the seed every reset rebuilds from. */
export function resolveSeed({ sites, tables } = {}) {
  return Object.freeze({ sites: validateSites(sites), tables: validateTables(tables) });
}

/** Reads a `--seed` JSON file: `{ sites?, tables? }`. Validation happens with the other options. */
export function readSeedFile(path) {
  let seed;
  try {
    seed = JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new Error(`--seed ${path}: ${error.message}`);
  }
  const field = ownFields(`file ${path}`, seed, ['sites', 'tables']);
  return { sites: field('sites'), tables: field('tables') };
}
