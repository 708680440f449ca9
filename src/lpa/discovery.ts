/**
 * SGP.22 event retrieval (ES11): ask an SM-DS which profiles wait for this eUICC.
 *
 * The LPA authenticates to the SM-DS exactly as to an SM-DP+ (GetEUICCChallenge and EUICCInfo1,
 * initiateAuthentication, ES10b AuthenticateServer with ctxParams1 carrying no matching id, then
 * authenticateClient); the SM-DS answers with its event records, each an event id and the SM-DP+
 * that holds the profile (the LPA downloads from there with matching id = event id). TLS to the
 * SM-DS is verified like TLS to an SM-DP+ (the same pool, trust store and --connect-to rules).
 * No event is an answer, not an error. Errors from the SM-DS carry its SGP.22 subject/reason codes
 * and name the SM-DS (`details.server`). Nothing needs cancelling afterwards: an SM-DS session
 * holds no profile, and the eUICC's next authentication replaces it.
 */

import { parseCertificate, type RspRole } from '../crypto/certs.js';
import { LpaError, toLpaError } from '../errors.js';
import type { DeviceInfo } from '../es10/authenticateServer.js';
import { authenticateServerError, type Es10Client } from '../es10/client.js';
import { parseSmdpAddress } from '../es9p/address.js';
import type { EventEntry } from '../es9p/body.js';
import { fromHex } from '../util/hex.js';
import { checkServerSigned1 } from './checks.js';
import { DEFAULT_DEVICE_INFO } from './download.js';
import type { Es9Pool } from './es9.js';

export type { EventEntry } from '../es9p/body.js';

export type DiscoveryStep = 'smds' | 'challenge' | 'initiateAuthentication' | 'authenticateServer' | 'authenticateClientEs11' | 'events';

export interface DiscoveryRequest {
  /** The SM-DS to ask; default the eUICC's root SM-DS (GetEuiccConfiguredAddresses). */
  smdsAddress?: string;
  /** deviceInfo for ctxParams1, or how to get it. */
  deviceInfo?: DeviceInfo | (() => Promise<DeviceInfo>);
}

export interface DiscoveryHooks {
  onProgress?: (step: DiscoveryStep, message: string, data?: Record<string, unknown>) => void;
  signal?: AbortSignal;
}

export interface DiscoveryResult {
  smdsAddress: string;
  /** Pending events for this eUICC, possibly none. */
  events: EventEntry[];
  transactionId: string;
  /** Records of the answer that could not be read (left out). */
  problems: string[];
}

/** The SM-DS to ask: the one given, else the eUICC's root SM-DS. USAGE when there is none. */
export async function resolveSmds(es10: Es10Client, given: string | undefined): Promise<string> {
  if (given !== undefined) return parseSmdsAddress(given);
  const { rootDsAddress } = await es10.getConfiguredAddresses();
  if (!rootDsAddress) throw new LpaError('USAGE', 'the eUICC has no root SM-DS address: give one with --smds <address>');
  return parseSmdsAddress(rootDsAddress);
}

/** An SM-DS address (host[:port], like an SM-DP+ address); INVALID_ADDRESS naming the SM-DS. */
export function parseSmdsAddress(text: string): string {
  try {
    return parseSmdpAddress(text).value;
  } catch (e) {
    const err = toLpaError(e);
    err.message = err.message.replace('SM-DP+ address', 'SM-DS address');
    throw err;
  }
}

/**
 * An error from the SM-DS (ES11 answer, HTTP, TLS, network) says so: the shared ES9+ client words
 * its messages for an SM-DP+.
 */
export function smdsError(e: unknown, address: string, serverRole?: RspRole): LpaError {
  const err = toLpaError(e);
  if (err.details.server !== 'SM-DS') {
    err.message = err.message.replace(/SM-DP\+/g, 'SM-DS');
    err.details.server = 'SM-DS';
    err.details.smdsAddress = address;
    // the server's own words, when the message gave our reading of its status code instead
    const said = err.details.serverMessage;
    if (typeof said === 'string' && said !== '' && !err.message.includes(said)) err.message += `; the server said: "${said}"`;
    const why = notAnSmds(err, serverRole);
    if (why) {
      err.message += ` (${address} may not be an SM-DS: ${why}; a profile's SM-DP+ address goes to "download --smdp")`;
      err.details.hint = `${address} may not be an SM-DS`;
    }
  }
  return err;
}

/** Why the server at an SM-DS address looks like something else, or undefined. */
function notAnSmds(err: LpaError, serverRole: RspRole | undefined): string | undefined {
  if (serverRole !== undefined && serverRole !== 'ds-auth') {
    return `it signed with ${serverRole === 'dp-auth' ? 'an SM-DP+ certificate' : 'a certificate'} (role ${serverRole}), not an SM-DS one (ds-auth)`;
  }
  const status = err.details.httpStatus;
  if (status === 404 || status === 405 || status === 501) return `it answered HTTP ${status}: it does not offer the ES11 functions`;
  return undefined;
}

/** The RSP role of the certificate a server authenticated with, when it decodes and carries one. */
function roleOf(certificate: Uint8Array): RspRole | undefined {
  try {
    return parseCertificate(certificate).role;
  } catch {
    return undefined; // the eUICC judges the certificate; this is only for a hint
  }
}

/** Runs the SGP.22 event retrieval once. */
export async function discoverEvents(es10: Es10Client, pool: Es9Pool, request: DiscoveryRequest = {}, hooks: DiscoveryHooks = {}): Promise<DiscoveryResult> {
  const progress = hooks.onProgress ?? (() => undefined);
  const checkAbort = () => {
    if (hooks.signal?.aborted) throw toLpaError(hooks.signal.reason, 'INTERRUPTED', 'interrupted');
  };
  const address = await resolveSmds(es10, request.smdsAddress);
  progress('smds', `SM-DS ${address}${request.smdsAddress === undefined ? ' (the eUICC\'s root SM-DS)' : ''}`, { smdsAddress: address });
  const es11 = pool.get(address);
  /** Whose certificate signed serverSigned1 (known after initiateAuthentication). */
  let serverRole: RspRole | undefined;
  const onServer = async <T>(call: () => Promise<T>): Promise<T> => {
    try {
      return await call();
    } catch (e) {
      throw smdsError(e, address, serverRole);
    }
  };

  progress('challenge', 'reading the eUICC challenge and EUICCInfo1', { smdsAddress: address });
  const euiccChallenge = await es10.getEuiccChallenge();
  const { raw: euiccInfo1 } = await es10.getEuiccInfo1();
  checkAbort();

  progress('initiateAuthentication', `contacting the SM-DS ${address}`, { smdsAddress: address });
  let deviceInfo: DeviceInfo = DEFAULT_DEVICE_INFO;
  const di = request.deviceInfo;
  const facts = typeof di === 'function' ? di().then((d) => (deviceInfo = d), () => undefined) : Promise.resolve((deviceInfo = di ?? DEFAULT_DEVICE_INFO));
  let init;
  try {
    init = await onServer(() => es11.initiateAuthentication({ euiccChallenge, euiccInfo1, smdpAddress: address }));
  } finally {
    await facts;
  }
  const transactionId = init.transactionId;
  serverRole = roleOf(init.serverCertificate);
  await onServer(async () => checkServerSigned1(init.serverSigned1, fromHex(transactionId, 'transactionId'), address));
  checkAbort();

  progress('authenticateServer', 'eUICC verifies the SM-DS (AuthenticateServer)', { smdsAddress: address, transactionId });
  const auth = await es10.authenticateServerAnswer({
    serverSigned1: init.serverSigned1,
    serverSignature1: init.serverSignature1,
    euiccCiPKIdToBeUsed: init.euiccCiPKIdToBeUsed,
    serverCertificate: init.serverCertificate,
    ctxParams1: { deviceInfo },
  });
  if (!auth.response.ok) {
    // the SM-DS learns why, as an SM-DP+ would
    const err = authenticateServerError(auth.response);
    await es11.authenticateClientEs11({ transactionId, authenticateServerResponse: auth.raw }).catch(() => undefined);
    err.message += ' (the eUICC refused the SM-DS; its answer was sent to the SM-DS)';
    err.details.smdsAddress = address;
    const why = notAnSmds(err, serverRole);
    if (why) err.message += `; ${address} may not be an SM-DS: ${why}`;
    throw err;
  }
  checkAbort();

  progress('authenticateClientEs11', 'SM-DS verifies the eUICC and lists its events (ES11 authenticateClient)', { smdsAddress: address });
  const answer = await onServer(() => es11.authenticateClientEs11({ transactionId, authenticateServerResponse: auth.raw }));
  for (const p of answer.problems) progress('events', `the SM-DS sent an event record that cannot be used: ${p}`, { smdsAddress: address });
  const n = answer.eventEntries.length;
  progress('events', n === 0 ? `no event for this eUICC at ${address}` : `${n} event(s) at ${address}: ${answer.eventEntries.map((e) => `${e.eventId} at ${e.rspServerAddress}`).join(', ')}`, {
    smdsAddress: address,
    events: answer.eventEntries,
  });
  return { smdsAddress: address, events: answer.eventEntries, transactionId, problems: answer.problems };
}
