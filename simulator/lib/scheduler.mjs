// Timers owned by the simulator, so reset and close can cancel every pending state change at once.

export function createScheduler() {
  const timers = new Set();
  return {
    /** Runs `task` after `delayMs`; errors are logged rather than crashing the process. */
    after(delayMs, task, log = () => {}) {
      const timer = setTimeout(() => {
        timers.delete(timer);
        Promise.resolve()
          .then(task)
          .catch((error) => log(`scheduled task failed: ${error.stack ?? error}`));
      }, delayMs);
      timers.add(timer);
      return timer;
    },
    cancel(timer) {
      clearTimeout(timer);
      timers.delete(timer);
    },
    cancelAll() {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
    },
  };
}
