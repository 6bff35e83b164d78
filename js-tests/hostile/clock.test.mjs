// The clock is the host's code too (`performance.now`): one that throws, or
// that calls back into the client, must not leave any of the client's state
// borrowed. Each call reads the clock before it touches that state.
import { after, test } from "node:test";
import assert from "node:assert/strict";
import * as halo from "halo-device";
import { hostileClient, settlesWithin, stillWorks, QUERY_ID, watchUncaught } from "./support.mjs";

const uncaught = watchUncaught();
after(() => assert.deepEqual(uncaught, [], "something escaped as an uncaught exception"));

const realNow = globalThis.performance.now.bind(globalThis.performance);
after(() => {
  globalThis.performance.now = realNow;
});

/** Replaces `performance.now` with `replacement` for the next `times` readings. */
function patchClock(times, replacement) {
  let left = times;
  globalThis.performance.now = () => {
    if (left === 0) return realNow();
    left -= 1;
    return replacement();
  };
  return () => times - left;
}

for (let nth = 1; nth <= 4; nth += 1) {
  test(`a clock that throws once, at reading ${nth} of a call: the client still answers`, async () => {
    const host = {};
    const client = hostileClient(halo, host);
    let reading = 0;
    globalThis.performance.now = () => {
      reading += 1;
      if (reading === nth) throw new Error("the clock broke");
      return realNow();
    };
    try {
      const result = await settlesWithin(client.immediateQuery("SELECT 1"));
      assert.equal(result.queryId, QUERY_ID);
    } finally {
      globalThis.performance.now = realNow;
    }
    assert.ok(reading >= nth, `the call read the clock ${reading} times`);
    await stillWorks(halo, client, host);
  });
}

test("a clock that returns garbage: the client still answers", async () => {
  const host = {};
  const client = hostileClient(halo, host);
  const read = patchClock(50, () => ({ valueOf() { throw new Error("not a number"); } }));
  try {
    const result = await settlesWithin(client.immediateQuery("SELECT 1"));
    assert.equal(result.queryId, QUERY_ID);
  } finally {
    globalThis.performance.now = realNow;
  }
  assert.ok(read() > 0);
  await stillWorks(halo, client, host);
});

for (let nth = 1; nth <= 4; nth += 1) {
  test(`a clock that calls back into the client at reading ${nth} of a call: both calls answer, and later ones too`, async () => {
    const host = {};
    const client = hostileClient(halo, host);
    const nested = [];
    let reading = 0;
    globalThis.performance.now = () => {
      reading += 1;
      if (reading === nth) {
        client.tokenInfo();
        nested.push(client.immediateQuery("SELECT 2"));
      }
      return realNow();
    };
    try {
      const outer = await settlesWithin(client.immediateQuery("SELECT 1"));
      assert.equal(outer.queryId, QUERY_ID);
      assert.equal(nested.length, 1);
      assert.equal((await settlesWithin(nested[0])).queryId, QUERY_ID);
    } finally {
      globalThis.performance.now = realNow;
    }
    await stillWorks(halo, client, host);
  });
}
