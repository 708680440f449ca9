/**
 * Fault injection for the crash/resume tests (`LPA_AGENT_TEST_CRASH_AT=<checkpoint>`): the agent
 * kills itself with SIGKILL at the named checkpoint (`done:cloud`, `loadBoundProfilePackage#3`...).
 * Never set in production (docs/configuration.md).
 */

/** The checkpoint hook, or undefined when no crash is asked for. */
export function crashHook(env: NodeJS.ProcessEnv = process.env): ((point: string) => void) | undefined {
  const at = env.LPA_AGENT_TEST_CRASH_AT;
  if (!at) return undefined;
  return (point) => {
    if (point === at) process.kill(process.pid, 'SIGKILL');
  };
}

/**
 * Wraps a progress callback so every event is also a checkpoint `<step>#<n>` (the n-th event of
 * that step), as `provision` numbers them.
 */
export function withCheckpoints<A extends unknown[]>(
  progress: (step: string, ...rest: A) => void,
  hook: ((point: string) => void) | undefined,
): (step: string, ...rest: A) => void {
  if (!hook) return progress;
  const counter = new Map<string, number>();
  return (step, ...rest) => {
    const n = (counter.get(step) ?? 0) + 1;
    counter.set(step, n);
    progress(step, ...rest);
    hook(`${step}#${n}`);
  };
}
