#!/usr/bin/env node
// Builds the npm package into build/pkg and packs it to build/halo-device-<version>.tgz:
//   1. the Rust crate for wasm32 once per entry (device; integrator), with
//      the release profile: opt-level z, LTO, 1 CGU;
//   2. wasm-bindgen for each: `web` glue (browsers, bundlers, Node ESM) and
//      `nodejs` glue (CommonJS `require`);
//   3. wasm-opt from the pinned npm binaryen (Debian's corrupts output);
//   4. tsc over the facade in pkg-template/src, once as ESM, once as CJS,
//      plus the hand-written Node entries in pkg-template/entries; esbuild
//      bundles and minifies the ESM into what a browser loads;
//   5. the `halo` command from pkg-template/src/cli, against the built
//      integrator entry;
//   6. package.json, README and the examples it names from pkg-template/, then `npm pack`.
import { execFileSync } from "node:child_process";
import { chmodSync, cpSync, existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, sep } from "node:path";
import { fileURLToPath } from "node:url";
import { dropSymbolDispose, requiredSnippets, shortImportNames, unknownInitOutput, unknownSlots, wasmBesideBundle } from "./build-steps.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const build = join(root, "build");
const pkg = join(build, "pkg");
const stage = join(build, "stage");
const bin = (name) => join(root, "node_modules", ".bin", name);
// The package's own tsc: TypeScript 7 (the typescript7 alias, for the
// packaging matrix) has a `tsc` bin too, so .bin/tsc may be either.
const TSC = join(root, "node_modules", "typescript", "bin", "tsc");
const run = (command, args, options = {}) =>
  execFileSync(command, args, { cwd: root, stdio: ["ignore", "inherit", "inherit"], ...options });
/** Rewrites `file` through one step of scripts/build-steps.mjs, which throws if it finds nothing to do. */
const patch = (file, step, ...args) => writeFileSync(file, step(readFileSync(file, "utf8"), ...args, file));

// One wasm per npm entry: a browser loading `halo-device` downloads none of
// the integrator's code (HMAC, site parsing), and the other way round.
const ENTRIES = [
  { name: "halo_device", features: [] },
  { name: "halo_integrator", features: ["--no-default-features", "--features", "integrator"] },
];
// Folders of examples/ that ship in the package (the README names them).
const SHIPPED_EXAMPLES = ["broker", "webhooks"];
const crateWasm = join(root, "target", "wasm32-unknown-unknown", "release", "halo_device.wasm");

// `-Os` to a fixed point beats `-Oz` on gzip (bench/README.md, "Size
// levers"); `--low-memory-unused` lets wasm-opt fold constant offsets into
// loads and stores, which is sound because Rust's data and stack start at
// 1 MiB and nothing lives in the first KiB.
const WASM_OPT = ["--low-memory-unused", "-Os", "--converge"];

function bindgen(wasm, name, target, outDir) {
  run("wasm-bindgen", ["--target", target, "--weak-refs", "--out-dir", outDir, "--out-name", name, wasm]);
  // The facade compiles against the web glue's declarations, which must
  // hold no `[Symbol.dispose]` and no `any` (scripts/build-steps.mjs says
  // why); the nodejs glue's are deleted unread.
  if (target === "web") {
    patch(join(outDir, `${name}.d.ts`), dropSymbolDispose);
    patch(join(outDir, `${name}.d.ts`), unknownInitOutput);
    patch(join(outDir, `${name}_bg.wasm.d.ts`), unknownSlots);
  } else {
    // Nothing compiles against the nodejs glue's declarations (the CommonJS
    // build is typed by the web glue's), so they go before anything reads them.
    for (const file of [`${name}.d.ts`, `${name}_bg.wasm.d.ts`]) rmSync(join(outDir, file));
  }
  const output = join(outDir, `${name}_bg.wasm`);
  run(bin("wasm-opt"), [...WASM_OPT, "--strip-debug", "--strip-producers", "--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext", "--enable-mutable-globals", "--enable-reference-types", "--enable-multivalue", output, "-o", output]);
  // What a browser loads: the imports without their hashes (~1 KB of gzip).
  if (target === "web") {
    const gluePath = join(outDir, `${name}.js`);
    const short = shortImportNames(readFileSync(gluePath, "utf8"), readFileSync(output), gluePath);
    writeFileSync(gluePath, short.glue);
    writeFileSync(output, short.wasm);
  }
}

// Two passes: the JavaScript without comments (the doc examples would
// otherwise ship to every browser), the declarations with them (editors and
// TypeDoc read them there).
function tsc(module, outDir, declarationDir = outDir) {
  const common = ["-p", join(stage, "tsconfig.json"), "--module", module, "--moduleResolution", module === "commonjs" ? "node10" : "bundler"];
  run(TSC, [...common, "--outDir", outDir, "--declaration", "false", "--removeComments"]);
  run(TSC, [...common, "--outDir", declarationDir, "--emitDeclarationOnly"]);
}

// What a browser loads is one minified module per entry (plus one chunk the
// two entries share, so `HaloError` stays one class when an app imports
// both): 4 KiB less gzip than the module graph (bench/README.md, "Size
// levers"). Error names survive, as each class sets `name` to a literal.
// The glue finds its wasm beside itself; bundled, it sits one folder up.
async function bundleBrowser(from, outdir) {
  const esbuild = await import("esbuild");
  const moved = new Set();
  const wasmBesideBundlePlugin = {
    name: "wasm-beside-bundle",
    setup(build) {
      build.onLoad({ filter: /[\\/]wasm[\\/]halo_\w+\.js$/ }, ({ path }) => {
        const name = path.replace(/.*[\\/]/, "").replace(/\.js$/, "");
        moved.add(name);
        return { contents: wasmBesideBundle(readFileSync(path, "utf8"), name, path), loader: "js" };
      });
    },
  };
  await esbuild.build({
    entryPoints: { index: join(from, "index.js"), integrator: join(from, "integrator.js") },
    outdir,
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    legalComments: "none",
    chunkNames: "shared-[hash]",
    logLevel: "warning",
    plugins: [wasmBesideBundlePlugin],
    // The server kit's optional engines (halo-device/integrator's BullMQ
    // delivery backend) are loaded with a dynamic import, never bundled.
    external: ["bullmq", "redis"],
  });
  // A filter that no longer meets the glue would leave the bundles loading
  // a wasm from where it is not.
  const unmoved = ENTRIES.map(({ name }) => name).filter((name) => !moved.has(name));
  if (unmoved.length > 0) throw new Error(`build step "wasm-beside-bundle" never saw the glue of ${unmoved.join(", ")}: its onLoad filter no longer matches`);
}

// The shell's JS snippets (src/wasm/*.js) are ES modules; the `nodejs`
// glue `require`s them, from a folder the CommonJS build marks CommonJS.
// Exactly the snippets each glue requires are converted, and each must exist.
async function snippetsToCommonJs(dir) {
  const esbuild = await import("esbuild");
  const snippets = new Set(ENTRIES.flatMap(({ name }) => requiredSnippets(readFileSync(join(dir, `${name}.js`), "utf8"), join(dir, `${name}.js`))));
  for (const snippet of snippets) {
    const path = join(dir, snippet);
    if (!existsSync(path)) throw new Error(`build step "snippets-to-commonjs": the glue requires ${snippet}, which wasm-bindgen did not write`);
    const { code } = await esbuild.transform(readFileSync(path, "utf8"), { format: "cjs", target: "es2022", logLevel: "warning" });
    writeFileSync(path, code);
  }
}

rmSync(build, { recursive: true, force: true });
mkdirSync(pkg, { recursive: true });

// The facade is compiled against the web glue's types, which the nodejs
// glue shares (same classes and functions, minus the loaders).
// The `halo` command (src/cli) is Node-only and compiled on its own, below.
const cliSource = join(root, "pkg-template", "src", "cli");
cpSync(join(root, "pkg-template", "src"), join(stage, "src"), { recursive: true, filter: (from) => from !== cliSource && !from.startsWith(cliSource + sep) });
cpSync(join(root, "pkg-template", "tsconfig.json"), join(stage, "tsconfig.json"));
for (const { name, features } of ENTRIES) {
  run("cargo", ["build", "--release", "--target", "wasm32-unknown-unknown", "--lib", ...features]);
  const wasm = join(build, `${name}.wasm`);
  cpSync(crateWasm, wasm);
  bindgen(wasm, name, "web", join(stage, "src", "wasm"));
  bindgen(wasm, name, "nodejs", join(build, "nodejs-glue"));
}

// dist/esm: the facade as modules, for the Node ESM entries; dist/browser:
// its declarations, the wasm, and the bundles a browser loads.
const browser = join(pkg, "dist", "browser");
const esm = join(pkg, "dist", "esm");
const cjs = join(pkg, "dist", "cjs");
tsc("esnext", esm, browser);
tsc("commonjs", cjs);
cpSync(join(stage, "src", "wasm"), join(esm, "wasm"), { recursive: true });
await bundleBrowser(esm, browser);
mkdirSync(join(browser, "wasm"));
for (const { name } of ENTRIES) {
  renameSync(join(esm, "wasm", `${name}_bg.wasm`), join(browser, "wasm", `${name}_bg.wasm`));
}
cpSync(join(build, "nodejs-glue"), join(cjs, "wasm"), { recursive: true });
await snippetsToCommonJs(join(cjs, "wasm"));
writeFileSync(join(cjs, "package.json"), JSON.stringify({ type: "commonjs" }) + "\n");
// The glue's own declarations are wasm-bindgen's internals (with `any`):
// the facade was compiled against them, and no public type refers to them.
for (const dir of [join(cjs, "wasm"), join(esm, "wasm")]) {
  rmSync(join(dir, ".gitignore"), { force: true });
  for (const { name } of ENTRIES) for (const file of [`${name}.d.ts`, `${name}_bg.wasm.d.ts`]) rmSync(join(dir, file), { force: true });
}
// The Node entries only load the wasm synchronously, then re-export.
cpSync(join(root, "pkg-template", "entries", "node"), join(pkg, "dist", "node"), { recursive: true });
for (const entry of ["node.cjs", "integrator.cjs"]) cpSync(join(root, "pkg-template", "entries", entry), join(cjs, entry));

// The `halo` bin: compiled against the built integrator entry's
// declarations, and at run time it imports `halo-device/integrator` by the
// package's own name (Node's self-reference), so it runs the same client a
// user's server does. tsc keeps the shebang; the bin must be executable.
cpSync(cliSource, join(stage, "cli"), { recursive: true });
run(TSC, ["-p", join(stage, "cli", "tsconfig.json"), "--outDir", join(pkg, "dist", "cli")]);
const haloBin = join(pkg, "dist", "cli", "halo.js");
if (!readFileSync(haloBin, "utf8").startsWith("#!/usr/bin/env node\n")) throw new Error(`${haloBin} lost its shebang`);
chmodSync(haloBin, 0o755);

cpSync(join(root, "pkg-template", "package.json"), join(pkg, "package.json"));
cpSync(join(root, "pkg-template", "README.md"), join(pkg, "README.md"));
// The examples the README names ship with it, so an installed package
// alone shows them (js-tests/packaging/reachable.test.mjs checks each name).
for (const example of SHIPPED_EXAMPLES) cpSync(join(root, "examples", example), join(pkg, "examples", example), { recursive: true });

// The tarball keeps the name `npm pack` gives it, halo-device-<version>.tgz,
// so a file passed around says which version it holds.
const packed = execFileSync("npm", ["pack", "--silent", "--pack-destination", build], { cwd: pkg, encoding: "utf8" }).trim().split("\n").pop();
console.log(`built build/${packed}`);
