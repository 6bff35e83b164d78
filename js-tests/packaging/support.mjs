// Shared by the packaging tests: tiny consumer projects that install the
// packed tarball, child processes, and headless Chromium.
import { execFile } from "node:child_process";
import { cpSync, existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { basename, dirname, isAbsolute, join } from "node:path";
import { fileURLToPath } from "node:url";
import { chromium } from "playwright-core";
import { CHROMIUM_ARGS } from "../support/browser.mjs";

const here = dirname(fileURLToPath(import.meta.url));
export const ROOT = join(here, "..", "..");
export const FIXTURES = join(here, "fixtures");
/** The packed package, named as `npm pack` names it: halo-device-<version>.tgz. */
export const TARBALL = process.env.HALO_DEVICE_TGZ ?? join(ROOT, "build", `halo-device-${JSON.parse(readFileSync(join(ROOT, "pkg-template", "package.json"), "utf8")).version}.tgz`);
/** The packed simulator, as `scripts/pack-simulator.mjs` writes it. */
export const SIMULATOR_TARBALL = join(ROOT, "build", "halo-cloud-simulator.tgz");
export const bin = (name) => join(ROOT, "node_modules", ".bin", name);
/**
 * The TypeScript compilers, by major version: the workspace's own (5.x) and
 * the current 7.x, installed as the npm alias `typescript7`. Both have a
 * `tsc` bin and npm links only one of them, so each is named by package.
 */
export const TSC = {
  5: join(ROOT, "node_modules", "typescript", "bin", "tsc"),
  7: join(ROOT, "node_modules", "typescript7", "bin", "tsc"),
};

/** Runs a command; resolves with its output, rejects with it on failure. */
export function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    execFile(command, args, { encoding: "utf8", maxBuffer: 16 << 20, timeout: 120_000, ...options }, (error, stdout, stderr) => {
      if (error) reject(Object.assign(new Error(`${command} ${args.join(" ")} failed (${error.code}):\n${stdout}\n${stderr}`), { stdout, stderr, exitCode: error.code }));
      else resolve({ stdout, stderr });
    });
  });
}

/**
 * A fresh consumer project in build/packaging/<name>: the given sources
 * copied in order (a fixture's name: its contents; an absolute path: that
 * file or folder itself), then `npm install` of the tarball. The tarball
 * has no dependencies, so the install needs no network (`--offline`).
 */
export function consumerProject(name, ...fixtures) {
  return consumerProjectWith([TARBALL], name, ...fixtures);
}

/** consumerProject, installing these tarballs (none has dependencies). */
export async function consumerProjectWith(tarballs, name, ...fixtures) {
  const dir = join(ROOT, "build", "packaging", name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const fixture of fixtures) {
    if (isAbsolute(fixture)) cpSync(fixture, join(dir, basename(fixture)), { recursive: true });
    else cpSync(join(FIXTURES, fixture), dir, { recursive: true });
  }
  // Without its own package.json, npm would install into the workspace root.
  if (!existsSync(join(dir, "package.json"))) writeFileSync(join(dir, "package.json"), JSON.stringify({ name: `consumer-${name}`, private: true }) + "\n");
  await run("npm", ["install", "--offline", "--no-audit", "--no-fund", "--no-package-lock", "--ignore-scripts", ...tarballs], { cwd: dir });
  return dir;
}

/** Headless Chromium as the other browser tests run it (Debian's build). */
export function launchChromium(extraArgs = []) {
  return chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium", headless: true, args: [...CHROMIUM_ARGS, ...extraArgs] });
}

/** A new page that records console errors, warnings and page errors. */
export async function recordingPage(browser) {
  const page = await browser.newPage();
  page.problems = [];
  page.on("console", (message) => ["error", "warning"].includes(message.type()) && page.problems.push(`${message.type()}: ${message.text()}`));
  page.on("pageerror", (error) => page.problems.push(`pageerror: ${error.message}`));
  return page;
}

/** Waits for `selector` to carry data-state done or error; returns its text and state. */
export async function settled(page, selector, timeout = 20_000) {
  const element = await page.waitForSelector(`${selector}[data-state="done"], ${selector}[data-state="error"]`, { timeout });
  return { state: await element.getAttribute("data-state"), text: await element.textContent() };
}
