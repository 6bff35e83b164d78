// The README's webhook delivery example, run as written against these sources.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';

const README = fileURLToPath(new URL('../README.md', import.meta.url));
const INDEX = pathToFileURL(fileURLToPath(new URL('../index.mjs', import.meta.url))).href;

/** The ```js block opening with `// <name>`. */
function block(name) {
  const found = new RegExp('```js\\n// ' + name.replace('.', '\\.') + '\\n([\\s\\S]*?)```').exec(readFileSync(README, 'utf8'));
  assert.ok(found, `no block ${name} in README.md`);
  return found[1];
}

test("the README's webhook-chaos example runs and reports what was dropped and duplicated", async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'sim-readme-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'webhook-chaos.mjs');
  writeFileSync(file, block('webhook-chaos.mjs').replace('"halo-cloud-simulator"', JSON.stringify(INDEX)));
  const { stdout } = await promisify(execFile)(process.execPath, [file], { timeout: 20_000 });
  const match = /^(\d+) never announced \((\d+) listed\), (\d+) sent twice\n$/.exec(stdout);
  assert.ok(match, stdout);
  assert.equal(match[1], match[2]);
  assert.ok(Number(match[1]) > 0 && Number(match[3]) > 0, 'the seed drops and duplicates some');
});
