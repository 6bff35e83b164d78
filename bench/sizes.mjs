// What a browser downloads for each entry of the installed package: the
// entry's module graph (facade + wasm-bindgen glue) and the wasm it loads.
// Shared by the bench and js-tests/size-budget.test.mjs, so the budget is
// checked against exactly the figure the bench prints.
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative, resolve } from "node:path";
import { constants, brotliCompressSync, gzipSync } from "node:zlib";
import ts from "typescript";

/**
 * The package's public entries, by their subpath in package.json "exports".
 * Adding an entry (e.g. the integrator's) is one line here.
 */
export const ENTRIES = [
  { name: "device", exportPath: "." },
  { name: "integrator", exportPath: "./integrator" },
];

// What a browser or bundler matches in "exports" (never "node", "require" or
// "types"), in the order Node's resolution algorithm tries an object's keys.
const BROWSER_CONDITIONS = new Set(["browser", "import", "module", "default"]);

/** The installed tarball's root (node_modules/halo-device), as an app resolves it. */
export function packageRoot() {
  return dirname(createRequire(import.meta.url).resolve("halo-device/package.json"));
}

function browserTarget(value) {
  if (typeof value === "string") return value;
  if (Array.isArray(value)) return value.map(browserTarget).find(Boolean);
  if (value === null || typeof value !== "object") return undefined;
  for (const [condition, target] of Object.entries(value)) {
    if (!BROWSER_CONDITIONS.has(condition)) continue;
    const found = browserTarget(target);
    if (found) return found;
  }
  return undefined;
}

/** The file a browser loads for `exportPath`, or undefined when the package has no such entry. */
export function entryFile(root, exportPath) {
  const { exports } = JSON.parse(readFileSync(join(root, "package.json"), "utf8"));
  // "exports" maps subpaths ({".": …, "./x": …}), or is one target for ".".
  const bySubpath = exports !== null && typeof exports === "object" && !Array.isArray(exports) && Object.keys(exports).every((key) => key.startsWith("."));
  const target = browserTarget(bySubpath ? exports[exportPath] : exportPath === "." ? exports : undefined);
  return target === undefined ? undefined : join(root, target);
}

/**
 * Static imports, re-exports, literal dynamic imports, and assets loaded as
 * `new URL("x.wasm", import.meta.url)` (how wasm-bindgen's web glue finds
 * its wasm). Parsed with TypeScript rather than regular expressions, because
 * tsc keeps the JSDoc examples, which contain `import … from "halo-device"`.
 */
function references(file) {
  const source = ts.createSourceFile(file, readFileSync(file, "utf8"), ts.ScriptTarget.Latest, false, ts.ScriptKind.JS);
  const modules = [];
  const assets = [];
  const literal = (node) => (node && ts.isStringLiteralLike(node) ? node.text : undefined);
  const isImportMetaUrl = (node) =>
    node && ts.isPropertyAccessExpression(node) && ts.isMetaProperty(node.expression) && node.name.text === "url";
  const visit = (node) => {
    if ((ts.isImportDeclaration(node) || ts.isExportDeclaration(node)) && literal(node.moduleSpecifier)) {
      modules.push(literal(node.moduleSpecifier));
    } else if (ts.isCallExpression(node) && node.expression.kind === ts.SyntaxKind.ImportKeyword && literal(node.arguments[0])) {
      modules.push(literal(node.arguments[0]));
    } else if (ts.isNewExpression(node) && ts.isIdentifier(node.expression) && node.expression.text === "URL" && literal(node.arguments?.[0]) && isImportMetaUrl(node.arguments[1])) {
      assets.push(literal(node.arguments[0]));
    }
    ts.forEachChild(node, visit);
  };
  visit(source);
  return { modules, assets };
}

/**
 * Every file reachable from `entry`, classified: `wasm` (the binaries),
 * `glue` (modules that load a wasm: wasm-bindgen's output) and `facade`
 * (every other module).
 */
export function entryGraph(entry) {
  const files = new Map();
  const pending = [entry];
  while (pending.length > 0) {
    const file = pending.pop();
    if (files.has(file)) continue;
    const { modules, assets } = references(file);
    files.set(file, assets.length > 0 ? "glue" : "facade");
    for (const specifier of modules) {
      // A bare import would be bundled by the app and count too; the package
      // has no dependencies, so refuse rather than under-count.
      if (!specifier.startsWith(".")) throw new Error(`${file} imports "${specifier}": sizes.mjs only follows relative imports`);
      pending.push(resolve(dirname(file), specifier));
    }
    for (const asset of assets) files.set(resolve(dirname(file), asset), "wasm");
  }
  return files;
}

/**
 * Raw, gzip and brotli sizes, each file compressed on its own as a server
 * sends it. Maximum levels (gzip 9, brotli 11): static assets are compressed
 * once at deploy time; the default gzip level 6 is within 0.1 % of this.
 */
export function compressedSizes(bytes) {
  return {
    raw: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    brotli: brotliCompressSync(bytes, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length },
    }).length,
  };
}

const add = (a, b) => ({ raw: a.raw + b.raw, gzip: a.gzip + b.gzip, brotli: a.brotli + b.brotli });
const ZERO = { raw: 0, gzip: 0, brotli: 0 };

/**
 * Sizes of one entry: per file, per kind (wasm / glue / facade) and the
 * total a browser downloads. Undefined when the package lacks the entry.
 */
export function entrySizes(root, { name, exportPath }) {
  const entry = entryFile(root, exportPath);
  if (entry === undefined) return undefined;
  const files = [...entryGraph(entry)]
    .map(([file, kind]) => ({ path: relative(root, file), kind, ...compressedSizes(readFileSync(file)) }))
    .sort((a, b) => a.path.localeCompare(b.path));
  const byKind = { wasm: ZERO, glue: ZERO, facade: ZERO };
  for (const file of files) byKind[file.kind] = add(byKind[file.kind], file);
  return { name, entry: relative(root, entry), files, byKind, total: files.reduce(add, ZERO) };
}

/** Sizes of every entry the installed package has. */
export function allEntrySizes(root = packageRoot()) {
  return ENTRIES.map((entry) => entrySizes(root, entry) ?? { name: entry.name, missing: true });
}
