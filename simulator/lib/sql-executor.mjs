// Executes a parsed statement against a practice database. Failures are SqlExecutionErrors carrying the
// SQL Server error number and message a real database would report (README.md "SQL errors").

export class SqlExecutionError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

const invalidObject = (name) => new SqlExecutionError(208, `Invalid object name '${name}'.`);
const invalidColumn = (name) => new SqlExecutionError(207, `Invalid column name '${name}'.`);

/**
 * @param database Map of lower-case table name -> table (database.mjs)
 * @param statement AST from parseSql
 * @param parameters Map of lower-case "@name" -> value (string or null)
 * @returns {{columns: string[], rows: object[]} | {rowsAffected: number}}
 */
export function executeStatement(database, statement, parameters) {
  const context = { database, parameters };
  switch (statement.kind) {
    case 'select':
      return statement.table === undefined ? selectWithoutTable(context, statement) : selectFromTable(context, statement);
    case 'update':
      return update(context, statement);
    case 'insert':
      return insert(context, statement);
    case 'delete':
      return remove(context, statement);
    default:
      throw new Error(`unknown statement kind ${statement.kind}`);
  }
}

function tableNamed(context, name) {
  const table = context.database.get(name.toLowerCase());
  if (!table) throw invalidObject(name);
  return table;
}

function columnNamed(table, name) {
  const column = table.columns.find((candidate) => candidate.name.toLowerCase() === name.toLowerCase());
  if (!column) throw invalidColumn(name);
  return column;
}

function resolveValue(context, expression) {
  if (expression.type === 'literal') return expression.value;
  const key = expression.name.toLowerCase();
  if (!context.parameters.has(key)) {
    throw new SqlExecutionError(137, `Must declare the scalar variable "${expression.name}".`);
  }
  return context.parameters.get(key);
}

const DATE_PATTERN = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2})(:\d{2})?(?:\.\d+)?)?$/;

/** Converts a value to a column's type the way an implicit SQL Server conversion would, or fails. */
function coerce(value, column) {
  if (value === null || value === undefined) return null;
  const text = String(value).trim();
  switch (column.type) {
    case 'int':
      if (!/^-?\d+$/.test(text)) {
        throw new SqlExecutionError(245, `Conversion failed when converting the varchar value '${value}' to data type int.`);
      }
      return Number(text);
    case 'decimal':
      if (text === '' || Number.isNaN(Number(text))) {
        throw new SqlExecutionError(8114, 'Error converting data type varchar to numeric.');
      }
      return Number(text);
    case 'date':
    case 'datetime': {
      const match = DATE_PATTERN.exec(text);
      if (!match) {
        throw new SqlExecutionError(241, 'Conversion failed when converting date and/or time from character string.');
      }
      if (column.type === 'date') return match[1];
      return `${match[1]}T${match[2] ?? '00:00'}${match[3] ?? ':00'}`;
    }
    default:
      return String(value);
  }
}

// The default SQL Server collation is case-insensitive, so string comparisons ignore case.
function compareValues(left, right) {
  if (typeof left === 'number' && typeof right === 'number') return left - right;
  const a = String(left).toLowerCase();
  const b = String(right).toLowerCase();
  return a < b ? -1 : a > b ? 1 : 0;
}

const COMPARATORS = {
  '=': (order) => order === 0,
  '<>': (order) => order !== 0,
  '<': (order) => order < 0,
  '>': (order) => order > 0,
  '<=': (order) => order <= 0,
  '>=': (order) => order >= 0,
};

function likeToRegExp(pattern) {
  const source = [...pattern]
    .map((character) => {
      if (character === '%') return '.*';
      if (character === '_') return '.';
      return character.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    })
    .join('');
  return new RegExp(`^${source}$`, 'is');
}

/** Compiles a WHERE tree into a row predicate, validating columns and parameters up front. */
function compileCondition(context, table, condition) {
  if (!condition) return () => true;
  switch (condition.type) {
    case 'and': {
      const left = compileCondition(context, table, condition.left);
      const right = compileCondition(context, table, condition.right);
      return (row) => left(row) && right(row);
    }
    case 'or': {
      const left = compileCondition(context, table, condition.left);
      const right = compileCondition(context, table, condition.right);
      return (row) => left(row) || right(row);
    }
    case 'isNull': {
      const column = columnNamed(table, condition.column);
      return (row) => (row[column.name] === null) !== condition.negated;
    }
    case 'like': {
      const column = columnNamed(table, condition.column);
      const pattern = resolveValue(context, condition.pattern);
      if (pattern === null) return () => false;
      const regExp = likeToRegExp(String(pattern));
      return (row) => row[column.name] !== null && regExp.test(String(row[column.name])) !== condition.negated;
    }
    case 'compare': {
      const column = columnNamed(table, condition.column);
      const operand = coerce(resolveValue(context, condition.value), column);
      const accepts = COMPARATORS[condition.operator];
      // Comparisons with NULL are never true (ANSI_NULLS ON).
      return (row) => operand !== null && row[column.name] !== null && accepts(compareValues(row[column.name], operand));
    }
    default:
      throw new Error(`unknown condition ${condition.type}`);
  }
}

/** Result columns of a SELECT; unnamed expressions become Column1, Column2… like an ADO.NET DataTable. */
function projectionFor(context, table, items) {
  let unnamedCount = 0;
  const nameFor = (item) => item.alias ?? `Column${++unnamedCount}`;
  return items.flatMap((item) => {
    switch (item.type) {
      case 'star':
        if (!table) throw new SqlExecutionError(263, 'Must specify table to select from.');
        return table.columns.map((column) => ({ name: column.name, fromRow: true, read: (row) => row[column.name] }));
      case 'column': {
        if (!table) throw invalidColumn(item.name);
        const column = columnNamed(table, item.name);
        return [{ name: item.alias ?? column.name, fromRow: true, read: (row) => row[column.name] }];
      }
      case 'count':
        return [{ name: nameFor(item), aggregate: 'count' }];
      default: {
        const value = resolveValue(context, item.value);
        return [{ name: nameFor(item), read: () => value }];
      }
    }
  });
}

function rowFrom(projection, source) {
  return Object.fromEntries(projection.map((column) => [column.name, column.read(source)]));
}

/** The single row of an aggregate query: COUNT(*) may only be mixed with constants. */
function aggregateResult(projection, count) {
  if (projection.some((column) => column.fromRow)) {
    throw new SqlExecutionError(
      8120,
      'Column is invalid in the select list because it is not contained in either an aggregate function or the GROUP BY clause.',
    );
  }
  const row = Object.fromEntries(projection.map((column) => [column.name, column.aggregate ? count : column.read()]));
  return { columns: projection.map((column) => column.name), rows: [row] };
}

const isAggregate = (projection) => projection.some((column) => column.aggregate);

function selectWithoutTable(context, statement) {
  const projection = projectionFor(context, undefined, statement.items);
  // Without FROM there is exactly one (implicit) row, so COUNT(*) is 1, as in SQL Server.
  if (isAggregate(projection)) return aggregateResult(projection, 1);
  return { columns: projection.map((column) => column.name), rows: [rowFrom(projection, {})] };
}

function selectFromTable(context, statement) {
  const table = tableNamed(context, statement.table);
  const projection = projectionFor(context, table, statement.items);
  const matches = compileCondition(context, table, statement.where);
  let rows = table.rows.filter(matches);
  if (isAggregate(projection)) return aggregateResult(projection, rows.length);

  if (statement.orderBy.length > 0) {
    const keys = statement.orderBy.map((key) => ({ column: columnNamed(table, key.column), descending: key.descending }));
    rows = [...rows].sort((a, b) => {
      for (const { column, descending } of keys) {
        const left = a[column.name];
        const right = b[column.name];
        // NULLs sort first in ascending order, as in SQL Server.
        const order = left === right ? 0 : left === null ? -1 : right === null ? 1 : compareValues(left, right);
        if (order !== 0) return descending ? -order : order;
      }
      return 0;
    });
  }
  if (statement.top !== undefined) rows = rows.slice(0, statement.top);
  return { columns: projection.map((column) => column.name), rows: rows.map((row) => rowFrom(projection, row)) };
}

function assertUniqueKey(table, key, exceptRow) {
  if (table.rows.some((row) => row !== exceptRow && row[table.primaryKey] === key)) {
    throw new SqlExecutionError(
      2627,
      `Violation of PRIMARY KEY constraint 'PK_${table.name}'. Cannot insert duplicate key in object 'dbo.${table.name}'. The duplicate key value is (${key}).`,
    );
  }
}

function update(context, statement) {
  const table = tableNamed(context, statement.table);
  const assignments = statement.assignments.map(({ column, value }) => {
    const target = columnNamed(table, column);
    return { column: target, value: coerce(resolveValue(context, value), target) };
  });
  const matches = compileCondition(context, table, statement.where);
  const targets = table.rows.filter(matches);
  for (const row of targets) {
    for (const { column, value } of assignments) {
      if (column.name === table.primaryKey) assertUniqueKey(table, value, row);
      row[column.name] = value;
    }
  }
  return { rowsAffected: targets.length };
}

function insert(context, statement) {
  const table = tableNamed(context, statement.table);
  const columns = statement.columns.map((name) => columnNamed(table, name));
  const newRows = statement.rows.map((values) => {
    if (values.length > columns.length) {
      throw new SqlExecutionError(110, 'There are fewer columns in the INSERT statement than values specified in the VALUES clause.');
    }
    if (values.length < columns.length) {
      throw new SqlExecutionError(109, 'There are more columns in the INSERT statement than values specified in the VALUES clause.');
    }
    const row = Object.fromEntries(table.columns.map((column) => [column.name, null]));
    columns.forEach((column, i) => {
      row[column.name] = coerce(resolveValue(context, values[i]), column);
    });
    return row;
  });
  for (const row of newRows) {
    // An omitted primary key behaves like an IDENTITY column.
    if (row[table.primaryKey] === null) {
      row[table.primaryKey] = table.rows.reduce((max, existing) => Math.max(max, existing[table.primaryKey]), 0) + 1;
    }
    assertUniqueKey(table, row[table.primaryKey]);
    table.rows.push(row);
  }
  return { rowsAffected: newRows.length };
}

function remove(context, statement) {
  const table = tableNamed(context, statement.table);
  const matches = compileCondition(context, table, statement.where);
  const before = table.rows.length;
  table.rows = table.rows.filter((row) => !matches(row));
  return { rowsAffected: before - table.rows.length };
}
