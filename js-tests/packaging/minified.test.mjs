// Production builds minify class names: an error's `name` must still be its
// class's name. The browser entry is bundled with esbuild --minify and with
// Vite's production library build; the bundle runs in Node with the wasm
// bytes handed to init(), and reports the names of the errors it made and
// of the errors the package threw.
import { test } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:net";
import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { consumerProject } from "./support.mjs";

/** A URL on which nothing listens: connections are refused at once. */
async function deadUrl() {
  const server = createServer();
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return `http://127.0.0.1:${port}`;
}

async function esbuildBundle(dir) {
  const esbuild = await import("esbuild");
  const outfile = join(dir, "dist", "probe.mjs");
  await esbuild.build({ entryPoints: [join(dir, "src", "probe.js")], bundle: true, minify: true, format: "esm", platform: "browser", outfile, logLevel: "error" });
  return outfile;
}

async function viteBundle(dir) {
  const { build } = await import("vite");
  const outDir = join(dir, "dist");
  await build({
    root: dir,
    configFile: false,
    logLevel: "error",
    build: { outDir, minify: "esbuild", lib: { entry: join(dir, "src", "probe.js"), formats: ["es"], fileName: "probe" } },
  });
  return join(outDir, readdirSync(outDir).find((file) => /^probe\.m?js$/.test(file)));
}

for (const [name, bundle] of [["esbuild --minify", esbuildBundle], ["vite production", viteBundle]]) {
  test(`after a ${name} build, every error's name is its class's name`, async () => {
    const dir = await consumerProject(`minified-${name.split(" ")[0]}`, "minified");
    const bundled = await bundle(dir);
    const source = readFileSync(bundled, "utf8");
    assert.doesNotMatch(source, /class HaloValidationError/, "the bundle is minified");
    const { probe } = await import(pathToFileURL(bundled).href);
    const wasm = readFileSync(join(dir, "node_modules", "halo-device", "dist", "browser", "wasm", "halo_device_bg.wasm"));
    const { constructed, errors } = await probe(wasm, await deadUrl());
    assert.ok(constructed.length >= 12, `the entry exports its error classes (${constructed.length})`);
    for (const [className, errorName] of constructed) assert.equal(errorName, className);
    for (const [expected, actual, isHaloError] of errors) {
      assert.equal(actual, expected);
      assert.equal(isHaloError, true, `${expected} is a HaloError`);
    }
  });
}
