// A loopback TCP port that was free a moment ago, for a child process that
// must be told its port up front (the demo's webhook receiver, a test's
// redis-server).
import { once } from "node:events";
import { createServer } from "node:net";

export async function freePort() {
  const server = createServer().listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address();
  await new Promise((resolve) => server.close(resolve));
  return port;
}
