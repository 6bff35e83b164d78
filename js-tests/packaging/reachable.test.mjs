// What an npm user can reach from the installed package alone: the packed
// package.json names the repository, homepage and issue tracker; every
// file the README names ships in the package, and every page it links is
// either on npm or under the repository the metadata names; the shipped
// examples load from where they are installed; and the JSDoc examples
// follow the README's advice (no ids or reason in a token URL).
import { test } from "node:test";
import assert from "node:assert/strict";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { pathToFileURL } from "node:url";
import { ROOT, TARBALL } from "./support.mjs";

const packageDir = dirname(createRequire(join(ROOT, "package.json")).resolve("halo-device/package.json"));
const manifest = JSON.parse(readFileSync(join(packageDir, "package.json"), "utf8"));
const readme = readFileSync(join(packageDir, "README.md"), "utf8");
const REPOSITORY = "https://github.com/halo-device/halo-device";

test("the packed package.json has repository, homepage and bugs, all at the project's repository", () => {
  assert.deepEqual(manifest.repository, { type: "git", url: `git+${REPOSITORY}.git` });
  assert.ok(manifest.homepage.startsWith(REPOSITORY), manifest.homepage);
  assert.equal(manifest.bugs.url, `${REPOSITORY}/issues`);
});

test("every file the README names (`examples/…`, `dist/…`) is in the installed package", () => {
  const named = [...readme.matchAll(/`((?:examples|dist)\/[^`\s]*)`/g)].map((match) => match[1]);
  // A file named inside a folder's sentence ("under `examples/broker/`: `server.mjs`, …").
  const folder = "examples/broker/";
  const inFolder = [...readme.slice(readme.indexOf(`\`${folder}\``)).split("\n\n")[0].matchAll(/`([\w.-]+\.mjs)`/g)].map((match) => `${folder}${match[1]}`);
  assert.ok(named.includes(folder) && inFolder.length >= 4, `${named} ${inFolder}`);
  for (const file of [...named, ...inFolder]) assert.ok(existsSync(join(packageDir, file)), `${file} is not in the package`);
});

test("every page the README links is on npm or under the repository that package.json names", () => {
  const links = [...readme.matchAll(/\bhttps?:\/\/[^\s)"'`<>]+/g)].map((match) => match[0]);
  assert.ok(links.length >= 4, links.join("\n"));
  for (const link of links) {
    const onNpm = link.startsWith("https://www.npmjs.com/package/");
    const inRepository = link === REPOSITORY || link.startsWith(`${REPOSITORY}/`) || link.startsWith(`${REPOSITORY}#`);
    // Halo's own hosts are named as values (baseUrl), not as pages to read.
    const haloHost = /^https:\/\/api\.(stage\.)?haloconnect\.io/.test(link);
    // Placeholders a reader replaces with their own origin.
    const placeholder = /^https:\/\/(app|your-cloud)\.example(\.com)?\//.test(`${link}/`);
    // The reader's own servers on this machine (a receiver, the simulator).
    const loopback = /^http:\/\/(localhost|127\.0\.0\.1)[:/]/.test(link);
    assert.ok(onNpm || inRepository || haloHost || placeholder || loopback, `${link} is reachable from neither npm nor the package's repository`);
  }
  // A page of the repository the README links is one this checkout has.
  for (const link of links.filter((l) => l.startsWith(`${REPOSITORY}/blob/main/`) || l.startsWith(`${REPOSITORY}/tree/main/`))) {
    const path = link.replace(/^.*\/(?:blob|tree)\/main\//, "");
    assert.ok(existsSync(join(ROOT, path)), `${link}: no ${path} in the repository`);
  }
});

test("the shipped examples load from the installed package (halo-device resolves to itself there)", async () => {
  const shipped = readdirSync(join(packageDir, "examples", "broker")).sort();
  assert.deepEqual(shipped, readdirSync(join(ROOT, "examples", "broker")).sort(), "the package ships every broker example");
  for (const file of shipped) {
    assert.equal(readFileSync(join(packageDir, "examples", "broker", file), "utf8"), readFileSync(join(ROOT, "examples", "broker", file), "utf8"), file);
  }
  const route = await import(pathToFileURL(join(packageDir, "examples", "broker", "next-route.mjs")).href);
  const preflight = await route.OPTIONS(new Request("http://localhost/api/halo-token", { method: "OPTIONS", headers: { Origin: "https://elsewhere.example" } }));
  assert.equal(preflight.status, 403, "the installed route module runs");
});

test("JSDoc examples send no ids or reason in a token URL, as the README advises", () => {
  const declarations = [];
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.isDirectory()) walk(join(dir, entry.name));
      else if (entry.name.endsWith(".d.ts")) declarations.push(readFileSync(join(dir, entry.name), "utf8"));
    }
  };
  walk(join(packageDir, "dist"));
  const inUrl = declarations.flatMap((text) => [...text.matchAll(/[?&](site|siteId|device|deviceId|reason)=/gi)].map((match) => match[0]));
  assert.deepEqual(inUrl, []);
});

test("the tarball is named as npm pack names it, and the Electron example installs that name", () => {
  assert.ok(TARBALL.endsWith(`halo-device-${manifest.version}.tgz`), TARBALL);
  assert.ok(existsSync(TARBALL), TARBALL);
  const electron = JSON.parse(readFileSync(join(ROOT, "examples", "electron", "package.json"), "utf8"));
  assert.equal(electron.dependencies["halo-device"], `file:../../build/halo-device-${manifest.version}.tgz`);
});
