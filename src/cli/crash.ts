/**
 * Fault injection for the crash/resume tests: with LPA_AGENT_TEST_CRASH_AT=<step>#<n> (or
 * `done:<step>` for provision) the agent kills itself with SIGKILL at that checkpoint, as a power
 * cut would. Never set in production (docs/configuration.md).
 */
export function crashHook(): ((point: string) => void) | undefined {
  const at = process.env.LPA_AGENT_TEST_CRASH_AT;
  if (!at) return undefined;
  return (point) => {
    if (point === at) process.kill(process.pid, 'SIGKILL');
  };
}

/** Counts progress events per step and calls `hook` with `<step>#<n>`. */
export function checkpoints(hook: ((point: string) => void) | undefined): (step: string) => void {
  const counter = new Map<string, number>();
  return (step) => {
    if (!hook) return;
    const n = (counter.get(step) ?? 0) + 1;
    counter.set(step, n);
    hook(`${step}#${n}`);
  };
}
