// Bundler consumers: Vite 7 and the current Vite 8 (npm alias `vite8`) and
// webpack 5 bundle the packed package with `init()` and no argument, and
// must emit the .wasm the web glue references (`new URL("…_bg.wasm",
// import.meta.url)`); esbuild, which leaves that URL alone, bundles an app
// that imports the .wasm with its `file` loader and passes the URL to
// init(). Each built app must load the wasm in headless Chromium and make a
// real call to the simulator.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { cpSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { startSimulator } from "../../simulator/index.mjs";
import { SITE_ID, SUBSCRIPTION_KEY } from "../scenarios/support.mjs";
import { startServer } from "../../examples/browser/server.mjs";
import { consumerProject, launchChromium, recordingPage, settled } from "./support.mjs";

const EXPECTED_ROWS = [
  { InternalID: 1, Surname: "Smith" },
  { InternalID: 2, Surname: "Citizen" },
  { InternalID: 3, Surname: "Tanaka" },
];

let simulator;
let browser;
before(async () => {
  [simulator, browser] = await Promise.all([startSimulator({ subscriptionKey: SUBSCRIPTION_KEY }), launchChromium()]);
});
after(async () => {
  await browser?.close();
  await simulator?.close();
});

const wasmFiles = (dir) => readdirSync(dir, { recursive: true }).filter((file) => String(file).endsWith(".wasm"));

/** A Vite build with the given Vite package ("vite" is 7.x, "vite8" 8.x). */
const viteBuild = (vitePackage) => async (dir) => {
  const { build, version } = await import(vitePackage);
  assert.equal(version.split(".")[0], vitePackage === "vite8" ? "8" : "7", `${vitePackage} is Vite ${version}`);
  await build({ root: dir, configFile: false, logLevel: "error", build: { outDir: join(dir, "dist") } });
};

async function webpackBuild(dir) {
  const { default: webpack } = await import("webpack");
  const config = { mode: "production", context: dir, entry: "./src/main.js", output: { path: join(dir, "dist"), clean: true } };
  const stats = await new Promise((resolve, reject) => webpack(config, (error, result) => (error ? reject(error) : resolve(result))));
  const { errors, warnings } = stats.toJson({ all: false, errors: true, warnings: true });
  assert.deepEqual(errors.map((e) => e.message), [], "webpack errors");
  // A size hint about the .wasm is the only warning a consumer should see.
  assert.deepEqual(warnings.map((w) => w.message).filter((m) => !/asset size limit|entrypoint size limit|performance/i.test(m)), []);
  cpSync(join(dir, "public"), join(dir, "dist"), { recursive: true });
}

async function esbuildBuild(dir) {
  const esbuild = await import("esbuild");
  const outdir = join(dir, "dist");
  const { errors, warnings } = await esbuild.build({
    entryPoints: [join(dir, "src", "esbuild-main.js")],
    bundle: true,
    minify: true,
    platform: "browser",
    loader: { ".wasm": "file" },
    outdir,
    logLevel: "silent",
  });
  assert.deepEqual([...errors, ...warnings].map((m) => m.text), [], "esbuild errors and warnings");
  cpSync(join(dir, "public"), outdir, { recursive: true });
}

const BUNDLERS = [
  ["vite 7", "vite", viteBuild("vite")],
  ["vite 8", "vite", viteBuild("vite8")],
  ["webpack 5", "webpack", webpackBuild],
  ["esbuild", "esbuild", esbuildBuild],
];

for (const [name, fixture, bundle] of BUNDLERS) {
  test(`${name}: the build emits the wasm and the built app queries the simulator in Chromium`, async () => {
    const dir = await consumerProject(name.replace(" ", ""), "web-app", fixture);
    await bundle(dir);
    const dist = join(dir, "dist");
    const emitted = wasmFiles(dist);
    assert.equal(emitted.length, 1, `one .wasm emitted: ${emitted}`);
    const packaged = readFileSync(join(dir, "node_modules", "halo-device", "dist", "browser", "wasm", "halo_device_bg.wasm"));
    assert.ok(readFileSync(join(dist, String(emitted[0]))).equals(packaged), "the emitted .wasm is the package's");

    const server = await startServer({ haloUrl: simulator.url, subscriptionKey: SUBSCRIPTION_KEY, siteId: SITE_ID, routes: { "/": dist } });
    const page = await recordingPage(browser);
    try {
      const wasmResponses = [];
      page.on("response", (response) => response.url().endsWith(".wasm") && wasmResponses.push(response));
      await page.goto(`${server.url}/index.html?halo=${encodeURIComponent(simulator.url)}`);
      const outcome = await settled(page, "#out");
      assert.equal(outcome.state, "done", outcome.text);
      assert.deepEqual(JSON.parse(outcome.text), EXPECTED_ROWS);
      assert.equal(wasmResponses.length, 1, "the wasm was fetched once");
      assert.equal(wasmResponses[0].headers()["content-type"], "application/wasm");
      assert.deepEqual(page.problems, [], "no console errors or warnings (e.g. a wasm MIME fallback)");
    } finally {
      await page.close();
      await server.close();
    }
  });
}
