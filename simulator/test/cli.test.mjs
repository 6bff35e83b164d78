import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

const CLI = fileURLToPath(new URL('../bin/halo-sim.mjs', import.meta.url));

test('the CLI prints exactly the listening line first and serves requests', async (t) => {
  const child = spawn(process.execPath, [CLI, '--port', '0', '--subscription-key', 'cli-key'], { stdio: ['ignore', 'pipe', 'pipe'] });
  t.after(() => child.kill());
  let stdout = '';
  child.stdout.setEncoding('utf8');
  while (!stdout.includes('\n')) {
    const [chunk] = await once(child.stdout, 'data');
    stdout += chunk;
  }
  const [firstLine] = stdout.split('\n');
  const match = /^Halo Cloud simulator listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(firstLine);
  assert.ok(match, firstLine);
  const response = await fetch(`${match[1]}/integrator/sites?practiceManagementSiteId=12345&practiceManagementName=Best%20Practice`, {
    headers: { 'Ocp-Apim-Subscription-Key': 'cli-key' },
  });
  assert.equal(response.status, 200);
});

test('the CLI rejects unknown flags', async () => {
  const child = spawn(process.execPath, [CLI, '--nope'], { stdio: 'ignore' });
  const [code] = await once(child, 'exit');
  assert.equal(code, 2);
});

test('the day-one and delivery flags map to their options; a bad value is refused by name', async () => {
  const { parseCliArgs } = await import('../lib/options.mjs');
  assert.deepEqual(
    parseCliArgs(['--webhook-mode', 'retry', '--clock-offset-ms=-5000', '--retry-after-seconds', '30', '--unauthorized-body', 'openapi']),
    { port: 4010, webhookDelivery: { mode: 'retry' }, clockOffsetMs: -5000, retryAfterSeconds: 30, unauthorizedBody: 'openapi' },
  );
  assert.deepEqual(parseCliArgs(['--webhook-url', 'http://a/{queryId}', '--webhook-url=http://b/{queryId}', '--webhook-url', 'http://c/']).webhookUrl, [
    'http://a/{queryId}',
    'http://b/{queryId}',
    'http://c/',
  ], 'repeated, round-robin');
  const child = spawn(process.execPath, [CLI, '--port', '0', '--webhook-mode', 'twice'], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk) => (stderr += chunk));
  const [code] = await once(child, 'exit');
  assert.notEqual(code, 0);
  assert.match(stderr, /Option webhookDelivery\.mode must be "once" or "retry"/);
});
