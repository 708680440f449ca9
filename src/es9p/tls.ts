/**
 * TLS trust for ES9+: the GSMA CI roots bundled with the product (`data/pki/gsma-ci/*.pem`), the
 * system's roots (Node's bundled Mozilla list plus the OS bundle when one exists) and any extra
 * roots given with `--ca <file>` (PEM, possibly several certificates, or DER). Live SM-DP+s present
 * either a GSMA-CI-issued or a web-PKI certificate, so both sets are trusted; the tests add the
 * SGP.26 test CI. Verification is always on: there is deliberately no option to skip it.
 *
 * Also maps Node/OpenSSL certificate errors to readable TLS_UNTRUSTED errors.
 */
import { X509Certificate } from 'node:crypto';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { createSecureContext, rootCertificates, type SecureContext } from 'node:tls';
import { LpaError } from '../errors.js';
import { dataPath } from '../util/data.js';

export interface TrustStoreOptions {
  /** Extra root certificates (`--ca`, repeatable): PEM (one or more certificates) or DER files. */
  caFiles?: readonly string[];
  /** Trust the system roots (default true). Tests turn it off to prove a root is needed. */
  system?: boolean;
  /** Trust the bundled GSMA CI roots (default true). */
  gsmaCi?: boolean;
}

export interface TrustStore {
  /** All trusted roots as PEM. */
  readonly certificates: readonly string[];
  /** How many roots came from each source (the system set without repeats). */
  readonly counts: { gsmaCi: number; system: number; extra: number };
  /** One secure context for every connection made with this store (built lazily, once). */
  secureContext(): SecureContext;
}

/** Where common Linux distributions keep the system CA bundle. */
const SYSTEM_BUNDLES = ['/etc/ssl/certs/ca-certificates.crt', '/etc/pki/tls/certs/ca-bundle.crt', '/etc/ssl/cert.pem'];

const PEM_RE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

let systemCache: { all: string[]; osExtra: string[] } | undefined;

/** PEM blocks in a text (no validation). */
function pemBlocks(text: string): string[] {
  return text.match(PEM_RE) ?? [];
}

/** PEM without its armour and line breaks: one key per certificate. */
const pemKey = (pem: string): string => pem.replace(/-----[A-Z ]+-----|\s+/g, '');

/** Certificates without repeats (same base64 body), first occurrence kept. */
function unique(pems: readonly string[]): string[] {
  const seen = new Set<string>();
  return pems.filter((pem) => {
    const key = pemKey(pem);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The system's roots: Node's bundled list, then the OS bundle's certificates that list lacks
 * (`osExtra`, usually a few dozen). Read once per process.
 */
function systemRoots(): { all: string[]; osExtra: string[] } {
  if (systemCache) return systemCache;
  const bundled = new Set(rootCertificates.map(pemKey));
  const bundle = SYSTEM_BUNDLES.find((p) => existsSync(p));
  let os: string[] = [];
  if (bundle) {
    try {
      os = pemBlocks(readFileSync(bundle, 'latin1'));
    } catch {
      // an unreadable bundle: Node's list alone
    }
  }
  const osExtra = unique(os.filter((pem) => !bundled.has(pemKey(pem))));
  systemCache = { all: [...rootCertificates, ...osExtra], osExtra };
  return systemCache;
}

function gsmaCiRoots(): string[] {
  const dir = dataPath('pki', 'gsma-ci');
  const out: string[] = [];
  for (const name of readdirSync(dir).filter((n) => n.endsWith('.pem')).sort()) {
    out.push(...pemBlocks(readFileSync(`${dir}/${name}`, 'latin1')));
  }
  return out;
}

/** Reads one `--ca` file: every certificate in a PEM file, or one DER certificate. CONFIG_INVALID otherwise. */
export function readCaFile(path: string): string[] {
  let raw: Buffer;
  try {
    raw = readFileSync(path);
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code ?? (e instanceof Error ? e.message : String(e));
    throw new LpaError('CONFIG_INVALID', `cannot read --ca file ${path}: ${reason}`, { option: '--ca', path, reason }, { cause: e });
  }
  const text = raw.toString('latin1');
  const blocks = pemBlocks(text);
  try {
    if (blocks.length > 0) return blocks.map((b) => new X509Certificate(b).toString());
    if (text.includes('-----BEGIN')) throw new Error('the PEM file holds no CERTIFICATE block');
    return [new X509Certificate(raw).toString()];
  } catch (e) {
    const reason = e instanceof Error ? e.message : String(e);
    throw new LpaError('CONFIG_INVALID', `--ca file ${path} is not a PEM or DER X.509 certificate: ${reason}`, { option: '--ca', path, reason }, { cause: e });
  }
}

/**
 * Builds the trust store; throws CONFIG_INVALID naming an unreadable or invalid `--ca` file.
 *
 * With the system roots, the secure context starts from Node's own root store (its bundled list,
 * already parsed inside Node) and gets only the GSMA CI roots, the OS bundle's extra roots and the
 * `--ca` roots added: the same trust as passing every root as `ca`, which makes OpenSSL parse and
 * insert ~170 certificates (about 25 ms of CPU per process, measured) instead of ~25. The copy of
 * Node's store a context gets holds the bundled list only, not NODE_EXTRA_CA_CERTS (measured), as
 * before: an operator's own roots go in with --ca.
 */
export function createTrustStore(options: TrustStoreOptions = {}): TrustStore {
  const gsma = options.gsmaCi === false ? [] : gsmaCiRoots();
  const system = options.system === false ? undefined : systemRoots();
  const extra = (options.caFiles ?? []).flatMap((f) => readCaFile(f));
  let certificates: string[] | undefined;
  let context: SecureContext | undefined;
  return {
    get certificates() {
      certificates ??= unique([...gsma, ...(system?.all ?? []), ...extra]);
      return certificates;
    },
    counts: { gsmaCi: gsma.length, system: system?.all.length ?? 0, extra: extra.length },
    secureContext() {
      if (context) return context;
      if (system) {
        context = createSecureContext({ minVersion: 'TLSv1.2' });
        const native = (context as SecureContext & { context: { addCACert(pem: string): void } }).context;
        for (const pem of [...gsma, ...system.osExtra, ...extra]) native.addCACert(pem);
      } else context = createSecureContext({ ca: unique([...gsma, ...extra]), minVersion: 'TLSv1.2' });
      return context;
    },
  };
}

/** OpenSSL verification codes meaning "no path to a trusted root". */
const UNKNOWN_ISSUER = new Set([
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'CERT_UNTRUSTED',
]);

interface PeerCertLike {
  subject?: Record<string, unknown>;
  subjectaltname?: string;
  valid_from?: string;
  valid_to?: string;
}

/**
 * Maps a certificate verification error from a TLS socket to TLS_UNTRUSTED (or `code`) with a
 * readable message and the OpenSSL code in `details.tlsCode`; returns undefined for anything that
 * is not a certificate problem (handshake and socket errors are mapped by the caller). `what` names
 * the server in messages ("SM-DP+" by default).
 */
export function certificateError(
  err: unknown,
  host: string,
  peer?: PeerCertLike,
  options: { what?: string; code?: 'TLS_UNTRUSTED' | 'CLOUD_HTTP' } = {},
): LpaError | undefined {
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return undefined;
  const what = options.what ?? 'SM-DP+';
  const errCode = options.code ?? 'TLS_UNTRUSTED';
  const base = { host, tlsCode: code };
  if (UNKNOWN_ISSUER.has(code)) {
    const issuer = what === 'SM-DP+' ? 'a trusted CI' : 'a trusted root';
    return new LpaError(errCode, `TLS to ${host} refused: the ${what} certificate is not issued by ${issuer}; add its root with --ca (${code})`, base, { cause: err });
  }
  if (code === 'CERT_HAS_EXPIRED' || code === 'CERT_NOT_YET_VALID') {
    const when = code === 'CERT_HAS_EXPIRED' ? `expired on ${peer?.valid_to ?? '?'}` : `is not valid before ${peer?.valid_from ?? '?'}`;
    return new LpaError(errCode, `TLS to ${host} refused: the ${what} certificate ${when} (check the device clock too) (${code})`, base, { cause: err });
  }
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    const names = peer?.subjectaltname ?? (err as { cert?: PeerCertLike }).cert?.subjectaltname ?? 'no DNS names';
    return new LpaError(errCode, `TLS to ${host} refused: the ${what} certificate is for ${names}, not ${host} (${code})`, { ...base, certificateNames: names }, { cause: err });
  }
  if (/^(CERT_|INVALID_CA|PATH_LENGTH|INVALID_PURPOSE|UNHANDLED_CRITICAL|KEY_USAGE|HOSTNAME_MISMATCH|ERR_TLS_CERT)/.test(code)) {
    return new LpaError(errCode, `TLS to ${host} refused: the ${what} certificate was rejected (${code})`, base, { cause: err });
  }
  return undefined;
}
