import type { ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { VirtualModem } from '../../drivers/virtual/modem.js';
import { serveModemOnPty } from '../../drivers/virtual/pty.js';
import type { VendorName } from '../../drivers/virtual/vendors.js';
import { openVirtualEuicc, type EuiccQuirks, type VirtualEuicc } from '../../src/sim/euicc/index.js';
import type { SmdpServer } from '../../src/sim/smdp/index.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, runCli, startCli, type RunResult } from '../cli/run.js';

/** `lpa-agent serve-modem` on a real pseudo-terminal, as its own process, with `--quirk`s. */
export interface ServedModem {
  pty: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

export async function serveModem(dir: string, name: string, quirks: string[] = [], vendor = 'quectel'): Promise<ServedModem> {
  const pty = join(dir, name);
  const args = ['serve-modem', '--pty', pty, '--state', join(dir, `${name}.json`), '--modem', vendor, ...quirks.flatMap((q) => ['--quirk', q])];
  const { child } = await startCli(args, (o) => o.includes('ready on'));
  return {
    pty,
    child,
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface CliResult {
  code: number;
  lines: Record<string, any>[];
  data: Record<string, any>;
  error: Record<string, any> | undefined;
  stdout: string;
  stderr: string;
}

/** Runs the CLI with --json against `pty` (and the local SM-DP+ when given). */
export function cliJson(pty: string, smdp: SmdpServer | undefined, ...args: string[]): Promise<CliResult> {
  return cliJsonEnv({}, pty, smdp, ...args);
}

/** cliJson with extra environment variables. */
export async function cliJsonEnv(env: NodeJS.ProcessEnv, pty: string, smdp: SmdpServer | undefined, ...args: string[]): Promise<CliResult> {
  const base = ['--json', '--device', pty, ...(smdp ? ['--ca', smdp.caFile, '--connect-to', smdp.connectTo] : [])];
  const r = await runCli([...base, ...args], { timeoutMs: 90_000, env });
  const lines = jsonLines(r.stdout);
  const last = lines.at(-1) ?? {};
  return { code: r.code, lines, data: last.data as Record<string, any>, error: last.error as Record<string, any> | undefined, stdout: r.stdout, stderr: r.stderr };
}

/** Data lengths (Lc) of every STORE DATA block in an AT trace (+CGLA and +CSIM lines). */
export function storeDataLcs(trace: string): number[] {
  const out: number[] = [];
  for (const m of trace.matchAll(/>> AT\+C(?:GLA=[^,]+|SIM=\d+),(?:\d+,)?"([0-9A-Fa-f]+)"/g)) {
    const apdu = m[1]!;
    if (apdu.slice(2, 4).toUpperCase() === 'E2') out.push(parseInt(apdu.slice(8, 10), 16));
  }
  return out;
}

/** The ES10 requests (reassembled STORE DATA sequences) an AT trace carries, in order. */
export function es10Requests(trace: string): Uint8Array[] {
  const out: Uint8Array[] = [];
  let parts: Buffer[] = [];
  for (const m of trace.matchAll(/>> AT\+C(?:GLA=[^,]+|SIM=\d+),(?:\d+,)?"([0-9A-Fa-f]+)"/g)) {
    const apdu = Buffer.from(m[1]!, 'hex');
    if (apdu[1] !== 0xe2 || apdu.length < 5) continue;
    if (apdu[3] === 0) parts = [];
    parts.push(apdu.subarray(5, 5 + apdu[4]!));
    if ((apdu[2]! & 0x80) !== 0) out.push(new Uint8Array(Buffer.concat(parts)));
  }
  return out;
}

/** The virtual module hosting a virtual eUICC, in this process, served on a real pty (quirks switchable live). */
export interface PtyCard {
  pty: string;
  card: VirtualEuicc;
  modem: VirtualModem;
  close(): Promise<void>;
}

export async function serveCardOnPty(dir: string, vendor: VendorName = 'quectel', quirks: Partial<EuiccQuirks> = {}): Promise<PtyCard> {
  const pty = join(dir, 'modem');
  const card = openVirtualEuicc({ statePath: join(dir, 'euicc.json'), quirks });
  const modem = new VirtualModem({ card, vendor, quirks: { simResetMs: 50 } });
  const server = await serveModemOnPty({ ptyPath: pty, modem });
  return {
    pty,
    card,
    modem,
    async close() {
      await server.close();
      modem.dispose();
    },
  };
}

/** The result line (the last JSON line) of a `--json` run. */
export const resultLine = (r: RunResult) => jsonLines(r.stdout).at(-1) as { ok: boolean; data: Record<string, any>; error?: Record<string, any> };

/** A provisioning set-up a crash test can kill and rerun. */
export interface CrashBench {
  start(): Promise<unknown>;
  stop(): Promise<void>;
  provision(env?: Record<string, string>): Promise<RunResult>;
  /** Asserts the end state of a finished provision (one enabled copy, nothing queued, ...). */
  checkProvisioned(): void;
}

/**
 * For each crash point: provision is SIGKILLed there (LPA_AGENT_TEST_CRASH_AT), then a plain rerun
 * must exit 0 with the profile enabled and the bench's end state.
 */
export function describeCrashResume(title: string, points: readonly string[], rerunFinishes: string, makeBench: () => CrashBench): void {
  describe.each(points)(title, (point) => {
    const bench = makeBench();
    beforeAll(() => bench.start());
    afterAll(() => bench.stop());

    it(rerunFinishes, async () => {
      const crashed = await bench.provision({ LPA_AGENT_TEST_CRASH_AT: point });
      expect(crashed.code).toBe(-1); // killed by the signal, no exit code
      const rerun = await bench.provision();
      const res = resultLine(rerun);
      expect(res.error).toBeUndefined();
      expect(rerun.code).toBe(0);
      expect(res.data.enabled).toBe(true);
      bench.checkProvisioned();
    });
  });
}
