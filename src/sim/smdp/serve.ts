/**
 * `lpa-agent serve-smdp [--host 127.0.0.1] [--port <n>] [--bind <eid>=<profile>]... [--cc <matchingId>=<code>]... [--smds]`:
 * validates the arguments, starts the local SM-DP+ (and with --smds the local SM-DS, at which every
 * --bind order registers an event), prints how to reach them and runs until SIGINT or SIGTERM (or
 * `signal` aborts).
 */

import { LpaError } from '../../errors.js';
import { validateEid } from '../../ids/eid.js';
import { startSmds, type SmdsServer } from '../smds/server.js';
import { startSmdp, type SmdpOptions, type SmdpServer } from './server.js';

export interface ServeSmdpOptions {
  host?: string;
  port?: number;
  /** `<eid>=<profile>`: EID-bound orders (Default SM-DP+ method, empty matching id). */
  binds?: readonly string[];
  /** `<matchingId>=<code>`: confirmation codes. */
  ccs?: readonly string[];
  /** Where the ready lines go; default stdout. */
  out?: (line: string) => void;
  /** Stops the server when aborted (besides SIGINT/SIGTERM). */
  signal?: AbortSignal;
  /** Called once listening (tests). */
  onReady?: (smdp: SmdpServer) => void;
  /** Extra server options (latency, address...). */
  server?: Omit<SmdpOptions, 'host' | 'port' | 'binds' | 'confirmationCodes' | 'smds'>;
  /** Run the local SM-DS too and register every --bind order at it; `port` 0 (default) picks a free one. */
  smds?: { port?: number; address?: string };
  /** Called once listening, with the SM-DS when one runs (tests). */
  onReadySmds?: (smds: SmdsServer) => void;
}

function pair(text: string, flag: string, left: string, right: string): [string, string] {
  const i = text.indexOf('=');
  if (i <= 0 || i === text.length - 1) throw new LpaError('USAGE', `${flag} expects ${left}=${right}, got "${text.slice(0, 80)}"`);
  return [text.slice(0, i).trim(), text.slice(i + 1).trim()];
}

/** Parses `--bind` / `--cc` values; throws USAGE / INVALID_EID with a clear message. */
export function parseServeArgs(binds: readonly string[] = [], ccs: readonly string[] = [], smds = false): Pick<SmdpOptions, 'binds' | 'confirmationCodes'> {
  const out: { eid: string; profile: string; smds?: boolean }[] = [];
  for (const b of binds) {
    const [eid, profile] = pair(b, '--bind', '<eid>', '<profile>');
    out.push({ eid: validateEid(eid), profile, ...(smds ? { smds: true } : {}) });
  }
  const codes: Record<string, string> = {};
  for (const c of ccs) {
    const [matchingId, code] = pair(c, '--cc', '<matchingId>', '<code>');
    if (Object.hasOwn(codes, matchingId)) throw new LpaError('USAGE', `--cc given twice for matching id ${matchingId}`);
    codes[matchingId] = code;
  }
  return { binds: out, confirmationCodes: codes };
}

/**
 * Runs the SM-DP+ until SIGINT/SIGTERM or `signal`; resolves after a clean shutdown. Bad
 * arguments (invalid EID, unknown profile, unknown matching id for --cc) reject before listening.
 */
export async function runServeSmdp(opts: ServeSmdpOptions = {}): Promise<void> {
  const out = opts.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const parsed = parseServeArgs(opts.binds, opts.ccs, opts.smds !== undefined);
  const host = opts.host ?? '127.0.0.1';
  const smds = opts.smds ? await startSmds({ host, port: opts.smds.port ?? 0, ...(opts.smds.address ? { address: opts.smds.address } : {}) }) : undefined;
  let smdp: SmdpServer;
  try {
    smdp = await startSmdp({ ...opts.server, host, port: opts.port ?? 0, ...parsed, ...(smds ? { smds: smds.registrar } : {}) });
  } catch (e) {
    await smds?.close();
    throw e;
  }
  out(`SM-DP+ listening on ${smdp.url}`);
  out(`  address: ${smdp.address}`);
  out(`  use: --smdp ${smdp.address} --connect-to ${smdp.connectTo} --ca ${smdp.caFile}`);
  out(`  admin: ${smdp.adminUrl}/admin/orders`);
  if (smds) {
    out(`SM-DS listening on ${smds.url}`);
    out(`  address: ${smds.address}`);
    out(`  use: --smds ${smds.address} --connect-to ${smds.connectTo} --ca ${smds.caFile}`);
    out(`  virtual eUICC pointing at it: serve-modem --quirk root-ds=${smds.address}, or "rootDsAddress" in a virtual state file`);
    out(`  events: ${smdp.adminUrl}/admin/events`);
  }
  for (const o of smdp.admin.listOrders().filter((x) => !x.isDefault)) {
    out(`  order ${o.id}: ${o.profile} (ICCID ${o.iccid})${o.eid ? ` bound to EID ${o.eid}` : ''}${o.matchingId ? ` matching id ${o.matchingId}` : ''}${o.confirmationCodeRequired ? ', confirmation code required' : ''}${o.smdsEventId ? `, SM-DS event ${o.smdsEventId}` : ''}`);
  }
  out(`  ${smdp.admin.profiles().length} profiles; each can be ordered once with its name as matching id`);
  opts.onReady?.(smdp);
  if (smds) opts.onReadySmds?.(smds);
  await new Promise<void>((resolve) => {
    const stop = () => {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
      opts.signal?.removeEventListener('abort', stop);
      resolve();
    };
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
    if (opts.signal?.aborted) stop();
    else opts.signal?.addEventListener('abort', stop, { once: true });
  });
  await smdp.close();
  await smds?.close();
}
