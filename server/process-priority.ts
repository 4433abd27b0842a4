import { readdirSync } from 'node:fs';
import os from 'node:os';

/**
 * Lowers this process's CPU priority to `nice` (0 = normal, 19 = lowest); never raises it.
 *
 * Why: a worker drains queued AI turns and sends, which can wait; Twilio's webhooks must be answered at
 * once or Twilio retries them. When the API and a worker share cores, the kernel then runs the API first.
 * On Linux niceness belongs to each thread, so every thread already started (V8's and libuv's helpers)
 * is lowered too; threads started later inherit it. Returns the niceness now in effect.
 */
export function lowerProcessPriority(nice: number): number {
  const target = Math.max(os.getPriority(), Math.min(19, Math.max(0, Math.trunc(nice))));
  let threads: string[] = [];
  try {
    threads = readdirSync('/proc/self/task');
  } catch {
    // Not Linux: one call sets the whole process.
  }
  if (threads.length === 0) os.setPriority(target);
  for (const tid of threads) {
    try {
      os.setPriority(Number(tid), target);
    } catch {
      // The thread ended between listing and setting.
    }
  }
  return os.getPriority();
}
