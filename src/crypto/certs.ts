/**
 * X.509 certificates as SGP.22 uses them (CI, EUM, eUICC, SM-DP+ auth/pb/tls), parsed from
 * untrusted DER with the bounded TLV reader, and chain verification signature by signature
 * (stock path validation rejects the EUM's name constraints on the EID).
 */

import { verify, type KeyObject } from 'node:crypto';
import { LpaError, type ErrorCode } from '../errors.js';
import { toHex } from '../util/hex.js';
import { curveFromOid, EC_PUBLIC_KEY_OID, publicKeyFromPoint, type EcCurve } from './ecdsa.js';
import { decodeOid } from '../util/asn1Values.js';
import { childrenOf, readSingleTlv, type TlvElement } from '../util/tlv.js';

export const ECDSA_WITH_SHA256_OID = '1.2.840.10045.4.3.2';

/** SGP.22 certificate policy OIDs (id-rspRole, 2.23.146.1.2.1.x) -> role. */
export const RSP_ROLES: Record<string, RspRole> = {
  '2.23.146.1.2.1.0': 'ci',
  '2.23.146.1.2.1.1': 'euicc',
  '2.23.146.1.2.1.2': 'eum',
  '2.23.146.1.2.1.3': 'dp-tls',
  '2.23.146.1.2.1.4': 'dp-auth',
  '2.23.146.1.2.1.5': 'dp-pb',
  '2.23.146.1.2.1.6': 'ds-tls',
  '2.23.146.1.2.1.7': 'ds-auth',
};
export type RspRole = 'ci' | 'euicc' | 'eum' | 'dp-tls' | 'dp-auth' | 'dp-pb' | 'ds-tls' | 'ds-auth';

const ATTR_NAMES: Record<string, string> = {
  '2.5.4.3': 'CN',
  '2.5.4.5': 'serialNumber',
  '2.5.4.6': 'C',
  '2.5.4.7': 'L',
  '2.5.4.8': 'ST',
  '2.5.4.10': 'O',
  '2.5.4.11': 'OU',
};

export interface NameAttribute {
  oid: string;
  /** Short name (CN, O, OU, C, serialNumber, ...) or the OID when unknown. */
  name: string;
  value: string;
}

export interface DistinguishedName {
  raw: Uint8Array;
  attributes: NameAttribute[];
  /** "CN=Test CI, OU=TESTCERT, O=RSPTEST, C=IT" in encoding order. */
  text: string;
}

/** A permitted subtree of the EUM's name constraints: EIDs under it start with `eidPrefix`. */
export interface EidConstraint {
  eidPrefix?: string;
  organization?: string;
}

export interface RspCertificate {
  raw: Uint8Array;
  /** The TBSCertificate DER, exactly as signed. */
  tbs: Uint8Array;
  serialNumber: Uint8Array;
  issuer: DistinguishedName;
  subject: DistinguishedName;
  notBefore: Date;
  notAfter: Date;
  publicKey: KeyObject;
  /** Uncompressed point 04||X||Y. */
  publicKeyPoint: Uint8Array;
  curve: EcCurve;
  subjectKeyIdentifier?: Uint8Array;
  authorityKeyIdentifier?: Uint8Array;
  /** Certificate policy OIDs. */
  policies: string[];
  /** The RSP role from the policies, if any. */
  role?: RspRole;
  /** registeredID OIDs of the subjectAltName (the SM-DP+ / EUM OID, e.g. 2.999.10). */
  registeredIds: string[];
  /** Subject serialNumber when it is 32 digits: the EID of an eUICC certificate. */
  eid?: string;
  isCa: boolean;
  /** From name constraints (EUM certificates). */
  permittedEids: EidConstraint[];
  signatureAlgorithm: string;
  /** The signature as found: DER ECDSA-Sig-Value. */
  signature: Uint8Array;
}

function bad(message: string, details: Record<string, unknown> = {}, cause?: unknown): LpaError {
  return new LpaError('CRYPTO', `certificate: ${message}`, details, cause === undefined ? undefined : { cause });
}

function need(t: TlvElement | undefined, tag: number, what: string): TlvElement {
  if (!t || t.tag !== tag) throw bad(`${what} missing or malformed`, { what });
  return t;
}

function decodeString(t: TlvElement): string {
  switch (t.tag) {
    case 0x0c: // UTF8String
      return new TextDecoder('utf-8', { fatal: false }).decode(t.value);
    case 0x1e: {
      // BMPString
      let s = '';
      for (let i = 0; i + 1 < t.value.length; i += 2) s += String.fromCharCode(t.value[i]! * 256 + t.value[i + 1]!);
      return s;
    }
    default: // PrintableString, IA5String, TeletexString, NumericString...
      return Buffer.from(t.value).toString('latin1');
  }
}

function parseName(t: TlvElement): DistinguishedName {
  need(t, 0x30, 'Name');
  const attributes: NameAttribute[] = [];
  for (const rdn of childrenOf(t, 64)) {
    need(rdn, 0x31, 'RelativeDistinguishedName');
    for (const atv of childrenOf(rdn, 16)) {
      const [oidT, valT] = childrenOf(need(atv, 0x30, 'AttributeTypeAndValue'), 2);
      const oid = decodeOid(need(oidT, 0x06, 'attribute type').value);
      if (!valT) throw bad('attribute value missing');
      attributes.push({ oid, name: ATTR_NAMES[oid] ?? oid, value: decodeString(valT) });
    }
  }
  return { raw: t.raw, attributes, text: attributes.map((a) => `${a.name}=${a.value}`).join(', ') };
}

/** The first value of a name attribute (e.g. 'CN', 'O', 'serialNumber'). */
export function nameAttribute(dn: DistinguishedName, name: string): string | undefined {
  return dn.attributes.find((a) => a.name === name || a.oid === name)?.value;
}

function parseTime(t: TlvElement): Date {
  const s = Buffer.from(t.value).toString('latin1');
  let m: RegExpMatchArray | null;
  let year: number;
  if (t.tag === 0x17 && (m = s.match(/^(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/))) {
    year = Number(m[1]);
    year += year >= 50 ? 1900 : 2000;
  } else if (t.tag === 0x18 && (m = s.match(/^(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})(\d{2})Z$/))) {
    year = Number(m[1]);
  } else {
    throw bad(`unsupported time "${s.slice(0, 20)}"`);
  }
  const d = new Date(Date.UTC(year, Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6])));
  if (Number.isNaN(d.getTime())) throw bad(`invalid time "${s}"`);
  return d;
}

function parseExtensions(t: TlvElement, cert: Partial<RspCertificate>): void {
  for (const ext of childrenOf(need(t, 0x30, 'Extensions'), 64)) {
    const f = childrenOf(need(ext, 0x30, 'Extension'), 3);
    const oid = decodeOid(need(f[0], 0x06, 'extension id').value);
    const value = need(f[f.length - 1], 0x04, 'extension value').value;
    const inner = readSingleTlv(value, `extension ${oid}`);
    switch (oid) {
      case '2.5.29.14': // subjectKeyIdentifier
        cert.subjectKeyIdentifier = need(inner, 0x04, 'subjectKeyIdentifier').value;
        break;
      case '2.5.29.35': // authorityKeyIdentifier
        cert.authorityKeyIdentifier = childrenOf(need(inner, 0x30, 'authorityKeyIdentifier'), 4).find((x) => x.tag === 0x80)?.value;
        break;
      case '2.5.29.32': // certificatePolicies
        cert.policies = childrenOf(need(inner, 0x30, 'certificatePolicies'), 32).map((pi) =>
          decodeOid(need(childrenOf(need(pi, 0x30, 'PolicyInformation'), 4)[0], 0x06, 'policy id').value),
        );
        break;
      case '2.5.29.17': // subjectAltName
        cert.registeredIds = childrenOf(need(inner, 0x30, 'subjectAltName'), 32)
          .filter((g) => g.tag === 0x88)
          .map((g) => decodeOid(g.value));
        break;
      case '2.5.29.19': // basicConstraints
        cert.isCa = childrenOf(need(inner, 0x30, 'basicConstraints'), 2).some((x) => x.tag === 0x01 && x.value[0] !== 0);
        break;
      case '2.5.29.30': {
        // nameConstraints: permittedSubtrees [0] of GeneralSubtree { base directoryName [4] Name }
        const permitted = childrenOf(need(inner, 0x30, 'nameConstraints'), 2).find((x) => x.tag === 0xa0);
        for (const sub of permitted ? childrenOf(permitted, 32) : []) {
          const base = childrenOf(need(sub, 0x30, 'GeneralSubtree'), 3)[0];
          if (base?.tag !== 0xa4) continue;
          const dn = parseName(readSingleTlv(base.value, 'directoryName'));
          const c: EidConstraint = {};
          const sn = nameAttribute(dn, 'serialNumber');
          const o = nameAttribute(dn, 'O');
          if (sn !== undefined) c.eidPrefix = sn;
          if (o !== undefined) c.organization = o;
          (cert.permittedEids ??= []).push(c);
        }
        break;
      }
      default:
        break;
    }
  }
}

function fromPem(pem: string): Uint8Array {
  const m = pem.match(/-----BEGIN CERTIFICATE-----([A-Za-z0-9+/=\s]+)-----END CERTIFICATE-----/);
  if (!m) throw bad('no PEM CERTIFICATE block found');
  return new Uint8Array(Buffer.from(m[1]!.replace(/\s+/g, ''), 'base64'));
}

/** All certificates of a PEM bundle. */
export function parsePemBundle(pem: string): RspCertificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[A-Za-z0-9+/=\s]+?-----END CERTIFICATE-----/g) ?? [];
  return blocks.map((b) => parseCertificate(b));
}

/** Parses an X.509 certificate from DER bytes or PEM text. Throws CRYPTO for anything malformed. */
export function parseCertificate(input: Uint8Array | string): RspCertificate {
  const der = typeof input === 'string' ? fromPem(input) : input;
  try {
    return parseDer(der);
  } catch (e) {
    if (e instanceof LpaError && e.code === 'CRYPTO') throw e;
    throw bad(e instanceof Error ? e.message : String(e), {}, e);
  }
}

function parseDer(der: Uint8Array): RspCertificate {
  const top = readSingleTlv(der, 'Certificate', 0x30);
  const [tbsT, algT, sigT] = childrenOf(top, 3);
  const tbsSeq = need(tbsT, 0x30, 'tbsCertificate');
  const f = childrenOf(tbsSeq, 16);
  let i = 0;
  if (f[0]?.tag === 0xa0) i++; // version
  const serial = need(f[i++], 0x02, 'serialNumber');
  i++; // signature AlgorithmIdentifier (repeated outside)
  const issuer = parseName(need(f[i++], 0x30, 'issuer'));
  const [nb, na] = childrenOf(need(f[i++], 0x30, 'validity'), 2);
  if (!nb || !na) throw bad('validity incomplete');
  const subject = parseName(need(f[i++], 0x30, 'subject'));
  const spki = need(f[i++], 0x30, 'subjectPublicKeyInfo');
  const [spkiAlg, spkiBits] = childrenOf(spki, 2);
  const [keyAlgOid, curveOid] = childrenOf(need(spkiAlg, 0x30, 'public key algorithm'), 2);
  if (decodeOid(need(keyAlgOid, 0x06, 'key algorithm').value) !== EC_PUBLIC_KEY_OID) throw bad('public key is not an EC key');
  const curveId = decodeOid(need(curveOid, 0x06, 'named curve').value);
  const curve = curveFromOid(curveId);
  if (!curve) throw bad(`unsupported curve ${curveId}`, { curve: curveId });
  const bits = need(spkiBits, 0x03, 'subjectPublicKey').value;
  const point = bits.subarray(1);
  const cert: Partial<RspCertificate> = {
    raw: top.raw,
    tbs: tbsSeq.raw,
    serialNumber: serial.value,
    issuer,
    subject,
    notBefore: parseTime(nb),
    notAfter: parseTime(na),
    publicKeyPoint: point,
    publicKey: publicKeyFromPoint(point, curve),
    curve,
    policies: [],
    registeredIds: [],
    isCa: false,
    permittedEids: [],
  };
  const extWrapper = f.slice(i).find((x) => x.tag === 0xa3);
  if (extWrapper) parseExtensions(readSingleTlv(extWrapper.value, 'extensions'), cert);
  const sigAlg = decodeOid(need(childrenOf(need(algT, 0x30, 'signatureAlgorithm'), 2)[0], 0x06, 'signature algorithm').value);
  const sigBits = need(sigT, 0x03, 'signatureValue').value;
  if (sigBits[0] !== 0) throw bad('signature BIT STRING has unused bits');
  cert.signatureAlgorithm = sigAlg;
  cert.signature = sigBits.subarray(1);
  const role = cert.policies!.map((p) => RSP_ROLES[p]).find((r) => r !== undefined);
  if (role) cert.role = role;
  const sn = nameAttribute(subject, 'serialNumber');
  if (sn !== undefined && /^\d{32}$/.test(sn)) cert.eid = sn;
  return cert as RspCertificate;
}

/** True when `cert`'s signature verifies with `issuerKey` (ECDSA with SHA-256 only). */
export function verifyCertificateSignature(cert: RspCertificate, issuerKey: KeyObject): boolean {
  if (cert.signatureAlgorithm !== ECDSA_WITH_SHA256_OID) return false;
  try {
    return verify('sha256', cert.tbs, { key: issuerKey, dsaEncoding: 'der' }, cert.signature);
  } catch {
    return false;
  }
}

export interface VerifyChainOptions {
  /** Time the validity periods are checked against; default now. */
  now?: Date;
  /** Error code for failures; default CRYPTO (TLS callers may want TLS_UNTRUSTED). */
  errorCode?: ErrorCode;
  /** When given, the leaf must carry this RSP role policy. */
  expectedRole?: RspRole;
  /** Skip the validity dates (an eUICC has no clock: it checks signatures and roles only). */
  ignoreValidity?: boolean;
}

function describe(c: RspCertificate): string {
  return `"${nameAttribute(c.subject, 'CN') ?? c.subject.text}"`;
}

function isIssuerOf(candidate: RspCertificate, child: RspCertificate): boolean {
  if (child.authorityKeyIdentifier && candidate.subjectKeyIdentifier) {
    return toHex(child.authorityKeyIdentifier) === toHex(candidate.subjectKeyIdentifier);
  }
  return toHex(child.issuer.raw) === toHex(candidate.subject.raw);
}

/**
 * Verifies leaf -> intermediates -> one of `trustedRoots`, signature by signature, with validity
 * dates against `now`, and the EUM's EID prefix constraint on eUICC certificates. Returns the path
 * from the leaf to the root. Throws LpaError (CRYPTO by default) with details.reason.
 */
export function verifyChain(
  leaf: RspCertificate,
  intermediates: RspCertificate[],
  trustedRoots: RspCertificate[],
  options: VerifyChainOptions = {},
): RspCertificate[] {
  const now = options.now ?? new Date();
  const code = options.errorCode ?? 'CRYPTO';
  const fail = (reason: string, message: string, c: RspCertificate): never => {
    throw new LpaError(code, `certificate chain: ${message}`, {
      reason,
      subject: c.subject.text,
      issuer: c.issuer.text,
      ...(c.subjectKeyIdentifier ? { subjectKeyIdentifier: toHex(c.subjectKeyIdentifier) } : {}),
    });
  };
  const checkValidity = (c: RspCertificate): void => {
    if (options.ignoreValidity) return;
    if (now < c.notBefore) fail('notYetValid', `${describe(c)} is not valid before ${c.notBefore.toISOString()}`, c);
    if (now > c.notAfter) fail('expired', `${describe(c)} expired on ${c.notAfter.toISOString()}`, c);
  };
  if (options.expectedRole && leaf.role !== options.expectedRole) {
    fail('wrongRole', `${describe(leaf)} has role ${leaf.role ?? 'none'}, expected ${options.expectedRole}`, leaf);
  }
  const path: RspCertificate[] = [leaf];
  let current = leaf;
  for (let depth = 0; depth < 5; depth++) {
    checkValidity(current);
    const root = trustedRoots.find((r) => isIssuerOf(r, current));
    const issuer = root ?? intermediates.find((c) => c !== current && isIssuerOf(c, current));
    if (!issuer) {
      fail('unknownIssuer', `no trusted issuer for ${describe(current)} (issuer ${current.issuer.text})`, current);
      break;
    }
    if (!verifyCertificateSignature(current, issuer.publicKey)) {
      fail('badSignature', `signature of ${describe(current)} does not verify with ${describe(issuer)}`, current);
    }
    if (current.eid !== undefined && issuer.permittedEids.length > 0) {
      const eid = current.eid;
      const org = nameAttribute(current.subject, 'O');
      const ok = issuer.permittedEids.some(
        (p) => (p.eidPrefix === undefined || eid.startsWith(p.eidPrefix)) && (p.organization === undefined || p.organization === org),
      );
      if (!ok) fail('eidOutsideEumPrefix', `EID ${eid} is outside ${describe(issuer)}'s permitted prefix`, current);
    }
    path.push(issuer);
    if (root) {
      checkValidity(root);
      return path;
    }
    if (!issuer.isCa && issuer.role !== 'eum' && issuer.role !== 'ci') {
      fail('notCa', `${describe(issuer)} is not a CA`, issuer);
    }
    current = issuer;
  }
  return fail('tooLong', 'chain longer than 5 certificates', leaf);
}
