// Starts the Halo Cloud simulator in-process for one test.
import { startSimulator } from "../../simulator/index.mjs";
import { SUBSCRIPTION_KEY } from "../scenarios/support.mjs";

export async function withSimulator(options, body) {
  const simulator = await startSimulator({ ...options, subscriptionKey: SUBSCRIPTION_KEY });
  try {
    return await body(simulator);
  } finally {
    await simulator.close();
  }
}
