/**
 * The virtual eUICC's volatile RSP download session (SGP.22 3.1.2 - 3.1.3): what AuthenticateServer
 * establishes, PrepareDownload binds, LoadBoundProfilePackage consumes and CancelSession ends.
 *
 * It hangs off the card's `EuiccSession` object (a WeakMap keyed by it), so a card reset (a power
 * cut) forgets it exactly like the challenge. Nothing here is persisted. Also: the certificate
 * checks the download handlers share (CI lookup by key identifier, chain, role).
 */

import { readdirSync, readFileSync } from 'node:fs';
import { parseCertificate, verifyChain, type RspCertificate, type RspRole } from '../../../crypto/certs.js';
import type { OneTimeKeyPair } from '../../../crypto/otpk.js';
import { dataPath } from '../../../util/data.js';
import { bytesEqual } from '../../../util/hex.js';
import { EUICC_CI_PKIDS } from '../capabilities.js';
import type { BppLoadState } from './bppLoader.js';
import type { EuiccSession } from './context.js';

/**
 * authenticated: after AuthenticateServer; prepared: after PrepareDownload (one-time key bound);
 * loading: the BPP is arriving; aborted: the load was interrupted by another command (only
 * CancelSession is still accepted).
 */
export type DownloadStage = 'authenticated' | 'prepared' | 'loading' | 'aborted';

export interface DownloadSession {
  stage: DownloadStage;
  transactionId: Uint8Array;
  /** serverAddress from serverSigned1 (default notification address). */
  serverAddress: string;
  /** SM-DP+ OID from CERT.DPauth (CancelSession). */
  smdpOid: string;
  /** The CI the SM-DP+ certificates must chain to. */
  ci: RspCertificate;
  matchingId?: string;
  /** The euiccSignature1 element (5F37 40 ...) smdpSignature2 covers. */
  euiccSignature1: Uint8Array;
  /** CERT.DPpb after PrepareDownload. */
  dpPb?: RspCertificate;
  /** otPK/otSK.EUICC.ECKA after PrepareDownload. Secret: never logged. */
  otpk?: OneTimeKeyPair;
  /** LoadBoundProfilePackage progress. */
  load?: BppLoadState;
}

interface VolatileRecord {
  download?: DownloadSession;
  /** The last one-time key handed out, kept for an SM-DP+ retry that names it (bppEuiccOtpk). */
  lastOtpk?: OneTimeKeyPair;
  /** Test-only: the one-time key the next PrepareDownload must use (replaying a captured session). */
  testOnlyNextOtpk?: OneTimeKeyPair;
}

const records = new WeakMap<EuiccSession, VolatileRecord>();

function record(session: EuiccSession): VolatileRecord {
  let r = records.get(session);
  if (!r) {
    r = {};
    records.set(session, r);
  }
  return r;
}

export function getDownload(session: EuiccSession): DownloadSession | undefined {
  return records.get(session)?.download;
}

export function setDownload(session: EuiccSession, download: DownloadSession): void {
  record(session).download = download;
}

/** Ends the download session (the retained one-time key stays for a retry). */
export function endDownload(session: EuiccSession): void {
  const r = records.get(session);
  if (r) delete r.download;
}

export function lastOneTimeKey(session: EuiccSession): OneTimeKeyPair | undefined {
  return records.get(session)?.lastOtpk;
}

/** Forgets the retained one-time key (after a successful installation). */
export function forgetOneTimeKey(session: EuiccSession): void {
  const r = records.get(session);
  if (r) delete r.lastOtpk;
}

export function rememberOneTimeKey(session: EuiccSession, key: OneTimeKeyPair): void {
  record(session).lastOtpk = key;
}

/**
 * TEST ONLY: makes the next PrepareDownload on this card session use `key` instead of a fresh one,
 * so a captured download (whose BPP is bound to a known eUICC one-time key) can be replayed.
 * Product code never calls this.
 */
export function testOnlyUseNextOneTimeKey(session: EuiccSession, key: OneTimeKeyPair): void {
  record(session).testOnlyNextOtpk = key;
}

export function takeTestOnlyOneTimeKey(session: EuiccSession): OneTimeKeyPair | undefined {
  const r = records.get(session);
  const k = r?.testOnlyNextOtpk;
  if (r) delete r.testOnlyNextOtpk;
  return k;
}

// ---- certificates --------------------------------------------------------------------------

let cis: RspCertificate[] | undefined;

/** The CI certificates bundled in data/pki/sgp26/ci that this eUICC trusts (by key identifier). */
function trustedCis(): RspCertificate[] {
  if (!cis) {
    const dir = dataPath('pki', 'sgp26', 'ci');
    const out: RspCertificate[] = [];
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.der')).sort()) {
      const cert = parseCertificate(new Uint8Array(readFileSync(`${dir}/${name}`)));
      const ski = cert.subjectKeyIdentifier;
      if (ski && EUICC_CI_PKIDS.some((id) => bytesEqual(id, ski))) out.push(cert);
    }
    cis = out;
  }
  return cis;
}

/** The trusted CI whose subject key identifier is `pkId`, or undefined (ciPKUnknown). */
export function findCi(pkId: Uint8Array): RspCertificate | undefined {
  return trustedCis().find((c) => c.subjectKeyIdentifier !== undefined && bytesEqual(c.subjectKeyIdentifier, pkId));
}

/**
 * Parses an SM-DP+ certificate and checks it chains directly to `ci` with the RSP role `role`.
 * Returns undefined for anything invalid (malformed, wrong issuer, bad signature, role). Dates are
 * not checked: real eUICCs have no clock.
 */
export function verifySmdpCertificate(der: Uint8Array, ci: RspCertificate, role: RspRole): RspCertificate | undefined {
  try {
    const cert = parseCertificate(der);
    verifyChain(cert, [], [ci], { expectedRole: role, ignoreValidity: true });
    return cert;
  } catch {
    return undefined;
  }
}
