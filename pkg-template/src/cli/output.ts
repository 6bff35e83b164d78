// How results leave the command: an aligned table for people, JSON or CSV
// for scripts, and progress on a terminal only. Everything written goes
// through the run's Redactor, and text from a server is shown with its
// control characters escaped (a hostile cell must not drive the terminal).

import type { Redactor } from "./settings.js";

export type Format = "table" | "json" | "csv";

export interface Out {
  /** A line of results (stdout). */
  line(text: string): void;
  /** A line of diagnosis or error (stderr). */
  note(text: string): void;
  progress: Progress;
}

export function createOut(redactor: Redactor, stdout: NodeJS.WriteStream, stderr: NodeJS.WriteStream): Out {
  return {
    line: (text) => void stdout.write(redactor.redact(text) + "\n"),
    note: (text) => void stderr.write(redactor.redact(text) + "\n"),
    progress: new Progress(stderr.isTTY === true ? stderr : undefined, redactor),
  };
}

/** One status line rewritten in place on a terminal; nothing when piped. */
export class Progress {
  readonly #stream: NodeJS.WriteStream | undefined;
  readonly #redactor: Redactor;
  #shown = false;

  constructor(stream: NodeJS.WriteStream | undefined, redactor: Redactor) {
    this.#stream = stream;
    this.#redactor = redactor;
  }

  update(text: string): void {
    if (this.#stream === undefined) return;
    this.#stream.write(`\r\x1b[K${this.#redactor.redact(printable(text))}`);
    this.#shown = true;
  }

  done(): void {
    if (this.#stream === undefined || !this.#shown) return;
    this.#stream.write("\r\x1b[K");
    this.#shown = false;
  }
}

/** C0/C1 controls and DEL as visible escapes; other text unchanged. */
export function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => (c === "\t" ? " " : `\\x${c.charCodeAt(0).toString(16).padStart(2, "0")}`));
}

/** A cell's text: strings as they are, null as empty, the rest as JSON. */
function cellText(value: unknown): string {
  if (value === null || value === undefined) return "";
  if (typeof value === "string") return value;
  if (typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return String(value);
  return JSON.stringify(value) ?? "";
}

/** Every key of every row, in first-seen order. */
function columnsOf(rows: ReadonlyArray<Record<string, unknown>>): string[] {
  const columns = new Set<string>();
  for (const row of rows) for (const key of Object.keys(row)) columns.add(key);
  return [...columns];
}

const MAX_CELL = 60;

/** Code points, so that a cut never splits a surrogate pair. */
function fit(text: string): string {
  const chars = [...text];
  return chars.length <= MAX_CELL ? text : chars.slice(0, MAX_CELL - 1).join("") + "…";
}

const width = (text: string) => [...text].length;

export function formatTable(rows: ReadonlyArray<Record<string, unknown>>): string {
  if (rows.length === 0) return "(no rows)";
  const columns = columnsOf(rows);
  const grid = rows.map((row) => columns.map((column) => fit(printable(cellText(row[column])))));
  const heads = columns.map((column) => fit(printable(column)));
  const widths = heads.map((head, i) => Math.max(width(head), ...grid.map((cells) => width(cells[i] ?? ""))));
  const numeric = columns.map((column) => rows.every((row) => row[column] === null || row[column] === undefined || typeof row[column] === "number"));
  const render = (cells: string[]) =>
    cells
      .map((cell, i) => {
        const pad = " ".repeat((widths[i] ?? 0) - width(cell));
        return numeric[i] === true ? pad + cell : cell + pad;
      })
      .join("  ")
      .trimEnd();
  const lines = [render(heads), widths.map((w) => "-".repeat(w)).join("  "), ...grid.map(render)];
  lines.push(`(${rows.length} ${rows.length === 1 ? "row" : "rows"})`);
  return lines.join("\n");
}

/** RFC 4180: every field quoted when it holds a comma, quote or line break. */
export function formatCsv(rows: ReadonlyArray<Record<string, unknown>>): string {
  const columns = columnsOf(rows);
  const field = (text: string) => (/[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text);
  return [columns.map(field).join(","), ...rows.map((row) => columns.map((column) => field(cellText(row[column]))).join(","))].join("\r\n");
}

export function formatRows(rows: ReadonlyArray<Record<string, unknown>>, format: Format): string {
  if (format === "json") return JSON.stringify(rows, null, 2);
  if (format === "csv") return formatCsv(rows);
  return formatTable(rows);
}
