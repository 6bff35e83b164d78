// Parser for the SQL subset the simulator understands (see README.md "SQL subset").
// Anything outside the subset is a SqlSyntaxError, which the API reports as 400 "Malformed SQL".

export class SqlSyntaxError extends Error {}

const KEYWORDS = new Set([
  'select', 'top', 'from', 'where', 'and', 'or', 'not', 'order', 'by', 'asc', 'desc', 'as', 'count',
  'update', 'set', 'insert', 'into', 'values', 'delete', 'like', 'is', 'null',
]);

const TOKEN_PATTERN = new RegExp(
  [
    String.raw`(?<space>\s+)`,
    String.raw`(?<comment>--[^\n]*)`,
    String.raw`(?<number>\d+(?:\.\d+)?)`,
    String.raw`(?<string>N?'(?:[^']|'')*')`,
    String.raw`(?<param>@[A-Za-z_][A-Za-z0-9_]*)`,
    String.raw`(?<bracketed>\[[^\]]+\])`,
    String.raw`(?<word>[A-Za-z_][A-Za-z0-9_]*)`,
    String.raw`(?<op><>|!=|<=|>=|=|<|>)`,
    String.raw`(?<punct>[(),*;.\-])`,
  ].join('|'),
  'y',
);

function tokenize(text) {
  const tokens = [];
  TOKEN_PATTERN.lastIndex = 0;
  while (TOKEN_PATTERN.lastIndex < text.length) {
    const start = TOKEN_PATTERN.lastIndex;
    const match = TOKEN_PATTERN.exec(text);
    if (!match) throw new SqlSyntaxError(`Incorrect syntax near '${text.slice(start, start + 10)}'.`);
    const [kind, raw] = Object.entries(match.groups).find(([, value]) => value !== undefined);
    if (kind === 'space' || kind === 'comment') continue;
    if (kind === 'string') {
      tokens.push({ kind, value: raw.replace(/^N/, '').slice(1, -1).replaceAll("''", "'") });
    } else if (kind === 'number') {
      tokens.push({ kind, value: Number(raw) });
    } else if (kind === 'bracketed') {
      tokens.push({ kind: 'identifier', value: raw.slice(1, -1) });
    } else if (kind === 'word') {
      const lower = raw.toLowerCase();
      tokens.push(KEYWORDS.has(lower) ? { kind: 'keyword', value: lower } : { kind: 'identifier', value: raw });
    } else {
      tokens.push({ kind, value: kind === 'op' && raw === '!=' ? '<>' : raw });
    }
  }
  return tokens;
}

class Parser {
  constructor(text) {
    this.tokens = tokenize(text);
    this.position = 0;
  }

  peek(offset = 0) {
    return this.tokens[this.position + offset];
  }

  fail() {
    const token = this.peek();
    throw new SqlSyntaxError(
      token ? `Incorrect syntax near '${token.value}'.` : 'Incorrect syntax near the end of the statement.',
    );
  }

  isKeyword(word, offset = 0) {
    const token = this.peek(offset);
    return token?.kind === 'keyword' && token.value === word;
  }

  isPunct(symbol) {
    const token = this.peek();
    return token?.kind === 'punct' && token.value === symbol;
  }

  acceptKeyword(word) {
    if (!this.isKeyword(word)) return false;
    this.position++;
    return true;
  }

  acceptPunct(symbol) {
    if (!this.isPunct(symbol)) return false;
    this.position++;
    return true;
  }

  expectKeyword(word) {
    if (!this.acceptKeyword(word)) this.fail();
  }

  expectPunct(symbol) {
    if (!this.acceptPunct(symbol)) this.fail();
  }

  identifier() {
    const token = this.peek();
    if (token?.kind !== 'identifier') this.fail();
    this.position++;
    return token.value;
  }

  /** `Patients`, `dbo.Patients`, `[dbo].[Patients]`: the schema prefix is ignored. */
  tableName() {
    let name = this.identifier();
    while (this.acceptPunct('.')) name = this.identifier();
    return name;
  }

  /** A literal, NULL or @parameter. */
  value() {
    const token = this.peek();
    if (this.acceptKeyword('null')) return { type: 'literal', value: null };
    if (this.acceptPunct('-')) {
      const number = this.peek();
      if (number?.kind !== 'number') this.fail();
      this.position++;
      return { type: 'literal', value: -number.value };
    }
    if (token?.kind === 'number' || token?.kind === 'string') {
      this.position++;
      return { type: 'literal', value: token.value };
    }
    if (token?.kind === 'param') {
      this.position++;
      return { type: 'param', name: token.value };
    }
    return this.fail();
  }

  statement() {
    let statement;
    if (this.acceptKeyword('select')) statement = this.select();
    else if (this.acceptKeyword('update')) statement = this.update();
    else if (this.acceptKeyword('insert')) statement = this.insert();
    else if (this.acceptKeyword('delete')) statement = this.delete();
    else this.fail();
    this.acceptPunct(';');
    if (this.peek()) this.fail();
    return statement;
  }

  select() {
    let top;
    if (this.acceptKeyword('top')) {
      const parenthesised = this.acceptPunct('(');
      const count = this.peek();
      if (count?.kind !== 'number' || !Number.isInteger(count.value)) this.fail();
      this.position++;
      if (parenthesised) this.expectPunct(')');
      top = count.value;
    }
    const items = [this.selectItem()];
    while (this.acceptPunct(',')) items.push(this.selectItem());
    let table;
    let where;
    const orderBy = [];
    if (this.acceptKeyword('from')) {
      table = this.tableName();
      where = this.optionalWhere();
      if (this.acceptKeyword('order')) {
        this.expectKeyword('by');
        do {
          const column = this.identifier();
          const descending = this.acceptKeyword('desc');
          if (!descending) this.acceptKeyword('asc');
          orderBy.push({ column, descending });
        } while (this.acceptPunct(','));
      }
    }
    return { kind: 'select', top, items, table, where, orderBy };
  }

  selectItem() {
    let item;
    if (this.acceptPunct('*')) return { type: 'star' };
    if (this.acceptKeyword('count')) {
      this.expectPunct('(');
      this.expectPunct('*');
      this.expectPunct(')');
      item = { type: 'count' };
    } else if (this.peek()?.kind === 'identifier') {
      item = { type: 'column', name: this.identifier() };
    } else {
      item = { type: 'value', value: this.value() };
    }
    if (this.acceptKeyword('as')) item.alias = this.identifier();
    return item;
  }

  optionalWhere() {
    return this.acceptKeyword('where') ? this.orCondition() : undefined;
  }

  // AND binds tighter than OR, as in T-SQL.
  orCondition() {
    let condition = this.andCondition();
    while (this.acceptKeyword('or')) condition = { type: 'or', left: condition, right: this.andCondition() };
    return condition;
  }

  andCondition() {
    let condition = this.predicate();
    while (this.acceptKeyword('and')) condition = { type: 'and', left: condition, right: this.predicate() };
    return condition;
  }

  predicate() {
    const column = this.identifier();
    if (this.acceptKeyword('is')) {
      const negated = this.acceptKeyword('not');
      this.expectKeyword('null');
      return { type: 'isNull', column, negated };
    }
    const negated = this.acceptKeyword('not');
    if (this.acceptKeyword('like')) return { type: 'like', column, pattern: this.value(), negated };
    if (negated) this.fail();
    const operator = this.peek();
    if (operator?.kind !== 'op') this.fail();
    this.position++;
    return { type: 'compare', column, operator: operator.value, value: this.value() };
  }

  update() {
    const table = this.tableName();
    this.expectKeyword('set');
    const assignments = [];
    do {
      const column = this.identifier();
      const operator = this.peek();
      if (operator?.kind !== 'op' || operator.value !== '=') this.fail();
      this.position++;
      assignments.push({ column, value: this.value() });
    } while (this.acceptPunct(','));
    return { kind: 'update', table, assignments, where: this.optionalWhere() };
  }

  insert() {
    this.expectKeyword('into');
    const table = this.tableName();
    this.expectPunct('(');
    const columns = [this.identifier()];
    while (this.acceptPunct(',')) columns.push(this.identifier());
    this.expectPunct(')');
    this.expectKeyword('values');
    const rows = [];
    do {
      this.expectPunct('(');
      const values = [this.value()];
      while (this.acceptPunct(',')) values.push(this.value());
      this.expectPunct(')');
      rows.push(values);
    } while (this.acceptPunct(','));
    return { kind: 'insert', table, columns, rows };
  }

  delete() {
    this.expectKeyword('from');
    const table = this.tableName();
    return { kind: 'delete', table, where: this.optionalWhere() };
  }
}

/** Parses one statement of the subset into a plain AST; throws SqlSyntaxError otherwise. */
export function parseSql(text) {
  return new Parser(text).statement();
}
