/**
 * NODE_TLS_REJECT_UNAUTHORIZED=0 changes nothing in lpa-agent: every TLS connection (SM-DP+, SM-DS,
 * cloud, backend) verifies its peer against our own trust list, whatever the variable says. Node
 * would still print its two-line "insecure" warning at the first TLS connection, telling the user
 * the opposite of what happens. So the CLI (main) removes the variable from this process's
 * environment before any TLS module loads (Node reads it at each connection), and remembers it so
 * `-v` can say it was ignored. Only this variable, only this process: other warnings stay.
 */
const NAME = 'NODE_TLS_REJECT_UNAUTHORIZED';
let ignored: string | undefined;

/** Takes NODE_TLS_REJECT_UNAUTHORIZED out of `env` (the process's by default), noting its value. */
export function dropTlsRejectVariable(env: NodeJS.ProcessEnv = process.env): void {
  const value = env[NAME];
  if (value === undefined) return;
  ignored = value;
  delete env[NAME];
}

/** The line for `-v` when the variable was set, else undefined. */
export function ignoredTlsRejectNote(): string | undefined {
  if (ignored === undefined) return undefined;
  return `${NAME}=${JSON.stringify(ignored).slice(1, -1).slice(0, 20)} is ignored: lpa-agent always verifies TLS certificates (a private root goes in with --ca)`;
}
