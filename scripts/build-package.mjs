#!/usr/bin/env node
// Builds the npm package into build/pkg and packs it to build/halo-device.tgz:
//   1. the Rust crate for wasm32 once per entry (device; integrator), with
//      the release profile: opt-level z, LTO, 1 CGU;
//   2. wasm-bindgen for each: `web` glue (browsers, bundlers, Node ESM) and
//      `nodejs` glue (CommonJS `require`);
//   3. wasm-opt from the pinned npm binaryen (Debian's corrupts output);
//   4. tsc over the facade in pkg-template/src, once as ESM, once as CJS,
//      plus the hand-written Node entries in pkg-template/entries; esbuild
//      bundles and minifies the ESM into what a browser loads;
//   5. package.json and README from pkg-template/, then `npm pack`.
import { execFileSync } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

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

// One wasm per npm entry: a browser loading `halo-device` downloads none of
// the integrator's code (HMAC, site parsing), and the other way round.
const ENTRIES = [
  { name: "halo_device", features: [] },
  { name: "halo_integrator", features: ["--no-default-features", "--features", "integrator"] },
];
const crateWasm = join(root, "target", "wasm32-unknown-unknown", "release", "halo_device.wasm");

// `-Os` to a fixed point beats `-Oz` on gzip (bench/README.md, "Size
// levers"); `--low-memory-unused` lets wasm-opt fold constant offsets into
// loads and stores, which is sound because Rust's data and stack start at
// 1 MiB and nothing lives in the first KiB.
const WASM_OPT = ["--low-memory-unused", "-Os", "--converge"];

function bindgen(wasm, name, target, outDir) {
  run("wasm-bindgen", ["--target", target, "--weak-refs", "--out-dir", outDir, "--out-name", name, wasm]);
  // wasm-bindgen declares `[Symbol.dispose]`, which breaks consumers whose
  // TypeScript lib lacks esnext.disposable; `free()` stays available.
  const types = join(outDir, `${name}.d.ts`);
  writeFileSync(types, readFileSync(types, "utf8").split("\n").filter((line) => !line.includes("Symbol.dispose")).join("\n"));
  // The raw wasm exports (`InitOutput`, `*_bg.wasm.d.ts`) take and return
  // externref slots that only the glue touches; wasm-bindgen types them
  // `any`, which would let a mistake type-check. `unknown` says the same
  // without that hole, so no declaration the build writes has an `any`.
  const unknownSlots = (text) => text.replace(/\bany\b/g, "unknown");
  const raw = join(outDir, `${name}_bg.wasm.d.ts`);
  writeFileSync(raw, unknownSlots(readFileSync(raw, "utf8")));
  writeFileSync(types, readFileSync(types, "utf8").replace(/export interface InitOutput \{[^}]*\}/, unknownSlots));
  const output = join(outDir, `${name}_bg.wasm`);
  run(bin("wasm-opt"), [...WASM_OPT, "--strip-debug", "--strip-producers", "--enable-bulk-memory", "--enable-nontrapping-float-to-int", "--enable-sign-ext", "--enable-mutable-globals", "--enable-reference-types", "--enable-multivalue", output, "-o", output]);
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
  const wasmBesideBundle = {
    name: "wasm-beside-bundle",
    setup(build) {
      build.onLoad({ filter: /[\\/]wasm[\\/]halo_\w+\.js$/ }, ({ path }) => {
        const name = path.replace(/.*[\\/]/, "").replace(/\.js$/, "");
        const glue = readFileSync(path, "utf8");
        const url = `new URL('${name}_bg.wasm', import.meta.url)`;
        if (!glue.includes(url)) throw new Error(`${path} no longer loads its wasm with ${url}`);
        return { contents: glue.replace(url, `new URL('./wasm/${name}_bg.wasm', import.meta.url)`), loader: "js" };
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
    plugins: [wasmBesideBundle],
    // The server kit's optional engines (halo-device/integrator's BullMQ
    // delivery backend) are loaded with a dynamic import, never bundled.
    external: ["bullmq", "redis"],
  });
}

// The shell's JS snippets (src/wasm/*.js) are ES modules; the `nodejs`
// glue `require`s them, from a folder the CommonJS build marks CommonJS.
async function snippetsToCommonJs(dir) {
  if (!existsSync(dir)) return;
  const esbuild = await import("esbuild");
  for (const entry of readdirSync(dir, { recursive: true })) {
    const path = join(dir, String(entry));
    if (!path.endsWith(".js")) continue;
    const { code } = await esbuild.transform(readFileSync(path, "utf8"), { format: "cjs", target: "es2022", logLevel: "warning" });
    writeFileSync(path, code);
  }
}

rmSync(build, { recursive: true, force: true });
mkdirSync(pkg, { recursive: true });

// The facade is compiled against the web glue's types, which the nodejs
// glue shares (same classes and functions, minus the loaders).
cpSync(join(root, "pkg-template", "src"), join(stage, "src"), { recursive: true });
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
await snippetsToCommonJs(join(cjs, "wasm", "snippets"));
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

cpSync(join(root, "pkg-template", "package.json"), join(pkg, "package.json"));
cpSync(join(root, "pkg-template", "README.md"), join(pkg, "README.md"));

const packed = execFileSync("npm", ["pack", "--silent", "--pack-destination", build], { cwd: pkg, encoding: "utf8" }).trim();
renameSync(join(build, packed.split("\n").pop()), join(build, "halo-device.tgz"));
const version = JSON.parse(readFileSync(join(pkg, "package.json"), "utf8")).version;
console.log(`built build/halo-device.tgz (halo-device ${version})`);
