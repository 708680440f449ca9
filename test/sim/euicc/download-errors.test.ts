import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCancelSessionResponse, encodeCancelSessionRequest } from '../../../src/es10/cancelSession.js';
import { bppSequences, parseBoundProfilePackage } from '../../../src/es10/bpp.js';
import { decodeProfileInstallationResult, type ProfileInstallationResult } from '../../../src/es10/profileInstallationResult.js';
import { decodeRetrieveNotificationsListResponse, encodeRetrieveNotificationsListRequest } from '../../../src/es10/retrieveNotificationsList.js';
import { openVirtualEuicc, type VirtualEuicc } from '../../../src/sim/euicc/index.js';
import { fromHex, toHex } from '../../../src/util/hex.js';
import {
  authenticate,
  bind,
  BRP_CI_PKID,
  buildBpp,
  challenge,
  DP_AUTH,
  DP_PB,
  hashCc,
  loadBpp,
  prepare,
  storeMetadata,
  TS48_ICCID,
  upp,
  verifiedByEuicc,
} from './downloadSmdp.js';
import { es10, openIsdR, storeData } from './helpers.js';

function fresh(): { card: VirtualEuicc; ch: number } {
  const card = openVirtualEuicc();
  return { card, ch: openIsdR(card) };
}

function authError(o: Parameters<typeof authenticate>[3], mutate?: (card: VirtualEuicc, ch: number) => Uint8Array) {
  const { card, ch } = fresh();
  const c = mutate ? mutate(card, ch) : challenge(card, ch);
  const r = authenticate(card, ch, c, o).response;
  return r.ok ? 'ok' : r.error;
}

/** Loads `payloads`; returns the PIR from the answer that ended the load. */
function loadExpectingPir(card: VirtualEuicc, ch: number, payloads: Uint8Array[]): ProfileInstallationResult {
  const answers = loadBpp(card, ch, payloads);
  const last = answers[answers.length - 1]!;
  expect(last.data.length).toBeGreaterThan(0);
  return decodeProfileInstallationResult(last.data);
}

function sessionGone(card: VirtualEuicc, ch: number, transactionId: Uint8Array): boolean {
  const r = decodeCancelSessionResponse(es10(card, encodeCancelSessionRequest({ transactionId, reason: 'loadBppExecutionError' }), ch));
  return !r.ok && r.error === 'undefinedError';
}

describe('AuthenticateServer errors', () => {
  it('euiccChallengeMismatch when serverSigned1 carries another challenge', () => {
    expect(authError({ euiccChallenge: new Uint8Array(16).fill(7) })).toBe('euiccChallengeMismatch');
  });

  it('noSessionContext without a GetEUICCChallenge first', () => {
    expect(authError({}, () => new Uint8Array(16))).toBe('noSessionContext');
  });

  it('the challenge is single-use', () => {
    const { card, ch } = fresh();
    const c = challenge(card, ch);
    expect(authenticate(card, ch, c).response.ok).toBe(true);
    expect(authenticate(card, ch, c).response).toMatchObject({ ok: false, error: 'noSessionContext' });
  });

  it('invalidSignature when serverSignature1 is not by the DPauth key', () => {
    expect(authError({ signer: DP_PB })).toBe('invalidSignature');
  });

  it('ciPKUnknown for a CI the eUICC does not know', () => {
    expect(authError({ ciPkId: BRP_CI_PKID })).toBe('ciPKUnknown');
    expect(authError({ ciPkId: new Uint8Array(20).fill(0xab) })).toBe('ciPKUnknown');
  });

  it('invalidCertificate for a certificate with the wrong role or a broken signature', () => {
    expect(authError({ serverCertificate: DP_PB.der, signer: DP_PB })).toBe('invalidCertificate');
    const broken = DP_AUTH.der.slice();
    broken[broken.length - 10]! ^= 0x01;
    expect(authError({ serverCertificate: broken })).toBe('invalidCertificate');
  });

  it('an implausible serverAddress is refused', () => {
    expect(authError({ serverAddress: 'not a host/..' })).toBe('undefinedError');
  });

  it('a malformed request is answered 6A80, and the card keeps working', () => {
    const { card, ch } = fresh();
    expect(storeData(card, ch, fromHex('BF3803800100')).sw).toBe('6A80');
    expect(storeData(card, ch, fromHex('BF3882FFFF00')).sw).toBe('6A80');
    expect(authenticate(card, ch, challenge(card, ch)).response.ok).toBe(true);
  });
});

describe('PrepareDownload errors', () => {
  function prepared(o: Parameters<typeof prepare>[4]) {
    const { card, ch } = fresh();
    const a = authenticate(card, ch, challenge(card, ch));
    if (!a.response.ok) throw new Error('auth failed');
    return { card, ch, transactionId: a.transactionId, r: prepare(card, ch, a.transactionId, a.response.euiccSignature1, o).response };
  }

  it('noSessionContext without AuthenticateServer', () => {
    const { card, ch } = fresh();
    const r = prepare(card, ch, fromHex('11'.repeat(16)), fromHex(`5F3740${'00'.repeat(64)}`)).response;
    expect(r).toMatchObject({ ok: false, error: 'noSessionContext' });
  });

  it('invalidSignature when smdpSignature2 does not cover this euiccSignature1 or is by another key', () => {
    expect(prepared({ euiccSignature1: fromHex(`5F3740${'00'.repeat(64)}`) }).r).toMatchObject({ ok: false, error: 'invalidSignature' });
    expect(prepared({ signer: DP_AUTH }).r).toMatchObject({ ok: false, error: 'invalidSignature' });
  });

  it('invalidCertificate for a DPauth certificate in place of DPpb', () => {
    expect(prepared({ certificate: DP_AUTH.der, signer: DP_AUTH }).r).toMatchObject({ ok: false, error: 'invalidCertificate' });
  });

  it('invalidTransactionId for another transaction', () => {
    expect(prepared({ transactionId: fromHex('22'.repeat(16)) }).r).toMatchObject({ ok: false, error: 'invalidTransactionId' });
  });

  it('hashCc must be there exactly when ccRequiredFlag is set', () => {
    expect(prepared({ ccRequired: true }).r).toMatchObject({ ok: false, error: 'undefinedError' });
    expect(prepared({ hashCc: hashCc('1234', fromHex('00')) }).r).toMatchObject({ ok: false, error: 'undefinedError' });
  });

  it('an error leaves the session open for CancelSession', () => {
    const { card, ch, transactionId, r } = prepared({ signer: DP_AUTH });
    expect(r.ok).toBe(false);
    const c = decodeCancelSessionResponse(es10(card, encodeCancelSessionRequest({ transactionId, reason: 'loadBppExecutionError' }), ch));
    expect(c.ok).toBe(true);
  });

  it('reuses the previous one-time key when the SM-DP+ names it (bppEuiccOtpk), else makes a new one', () => {
    const { card, ch } = fresh();
    const first = bind(card, ch);
    if (!first.prepared.ok) throw new Error('prepare failed');
    const otpk = first.prepared.euiccSigned2.slice();
    const point = otpkOf(otpk);
    const again = bind(card, ch, { bppEuiccOtpk: point });
    expect(again.prepared.ok && toHex(otpkOf(again.prepared.euiccSigned2))).toBe(toHex(point));
    const other = bind(card, ch);
    expect(other.prepared.ok && toHex(otpkOf(other.prepared.euiccSigned2))).not.toBe(toHex(point));
  });
});

function otpkOf(euiccSigned2: Uint8Array): Uint8Array {
  const i = toHex(euiccSigned2).indexOf('5F494104');
  return euiccSigned2.slice(i / 2 + 3, i / 2 + 3 + 65);
}

describe('LoadBoundProfilePackage errors: an error PIR, queued, and the session dropped', () => {
  it('a flipped bit in a profile segment: loadProfileElements / scp03tSecurityError', () => {
    const { card, ch } = fresh();
    const b = bind(card, ch);
    const seqs = bppSequences(buildBpp(b.transactionId, b.prepared)).flat();
    const victim = seqs.findIndex((p) => p[0] === 0x86) + 2;
    const bad = seqs[victim]!.slice();
    bad[500]! ^= 0x04;
    seqs[victim] = bad;
    const pir = loadExpectingPir(card, ch, seqs);
    expect(pir.finalResult).toMatchObject({ success: false, bppCommandId: 'loadProfileElements', errorReason: 'scp03tSecurityError' });
    expect(toHex(pir.transactionId)).toBe(toHex(b.transactionId));
    expect(pir.notificationMetadata.iccid).toBe(TS48_ICCID);
    expect(verifiedByEuicc(card, pir.dataRaw, pir.euiccSignPIR)).toBe(true);
    // queued and retrievable raw; nothing installed; session gone
    const list = decodeRetrieveNotificationsListResponse(es10(card, encodeRetrieveNotificationsListRequest(), ch));
    expect(list.ok && list.notifications.map((n) => n.kind)).toEqual(['profileInstallationResult']);
    expect(card.state.profiles).toHaveLength(1);
    expect(sessionGone(card, ch, b.transactionId)).toBe(true);
    // the rest of the BPP is not routed to a load any more
    expect(storeData(card, ch, seqs[victim + 1]!).sw).toBe('6A88');
  });

  it('a flipped bit in the StoreMetadata 88 MAC: storeMetadata / scp03tSecurityError', () => {
    const { card, ch } = fresh();
    const b = bind(card, ch);
    const seqs = bppSequences(buildBpp(b.transactionId, b.prepared)).flat();
    const i = seqs.findIndex((p) => p[0] === 0x88);
    seqs[i] = seqs[i]!.slice();
    seqs[i]![seqs[i]!.length - 1]! ^= 0x80;
    expect(loadExpectingPir(card, ch, seqs).finalResult).toMatchObject({ bppCommandId: 'storeMetadata', errorReason: 'scp03tSecurityError' });
  });

  it('wrong sequence order (A3 before A1): storeMetadata / scp03tStructureError', () => {
    const { card, ch } = fresh();
    const b = bind(card, ch);
    const bpp = parseBoundProfilePackage(buildBpp(b.transactionId, b.prepared));
    const seqs = bppSequences(bpp).flat();
    const pir = loadExpectingPir(card, ch, [seqs[0]!, seqs[1]!, bpp.profileElements.header]);
    expect(pir.finalResult).toMatchObject({ success: false, bppCommandId: 'storeMetadata', errorReason: 'scp03tStructureError' });
    expect(sessionGone(card, ch, b.transactionId)).toBe(true);
  });

  it('a segment sent twice (replayed MAC chain): scp03tSecurityError', () => {
    const { card, ch } = fresh();
    const b = bind(card, ch);
    const seqs = bppSequences(buildBpp(b.transactionId, b.prepared)).flat();
    const i = seqs.findIndex((p) => p[0] === 0x86);
    const pir = loadExpectingPir(card, ch, [...seqs.slice(0, i + 1), seqs[i]!]);
    expect(pir.finalResult).toMatchObject({ bppCommandId: 'loadProfileElements', errorReason: 'scp03tSecurityError' });
  });

  it('garbage where a TLV belongs: scp03tStructureError, never a crash', () => {
    const { card, ch } = fresh();
    const b = bind(card, ch);
    const seqs = bppSequences(buildBpp(b.transactionId, b.prepared)).flat();
    const pir = loadExpectingPir(card, ch, [seqs[0]!, fromHex('A0FF0102')]);
    expect(pir.finalResult).toMatchObject({ bppCommandId: 'configureISDP', errorReason: 'scp03tStructureError' });
  });

  it('InitialiseSecureChannel signed by another key: initialiseSecureChannel / invalidSignature', () => {
    const { card, ch } = fresh();
    const b = bind(card, ch);
    const seqs = bppSequences(buildBpp(b.transactionId, b.prepared, { iscSigner: DP_AUTH })).flat();
    const pir = loadExpectingPir(card, ch, seqs);
    expect(pir.finalResult).toMatchObject({ bppCommandId: 'initialiseSecureChannel', errorReason: 'invalidSignature' });
    expect(card.state.notifications).toHaveLength(1);
  });

  it('InitialiseSecureChannel for another transaction: invalidTransactionId', () => {
    const { card, ch } = fresh();
    const b = bind(card, ch);
    const pir = loadExpectingPir(card, ch, bppSequences(buildBpp(b.transactionId, b.prepared, { transactionId: fromHex('33'.repeat(16)) })).flat());
    expect(pir.finalResult).toMatchObject({ bppCommandId: 'initialiseSecureChannel', errorReason: 'invalidTransactionId' });
  });

  it('keys derived for another EID do not open the BPP: configureISDP / scp03tSecurityError', () => {
    const { card, ch } = fresh();
    const b = bind(card, ch);
    const pir = loadExpectingPir(card, ch, bppSequences(buildBpp(b.transactionId, b.prepared, { eid: '89049032123451234512345678901243' })).flat());
    expect(pir.finalResult).toMatchObject({ bppCommandId: 'configureISDP', errorReason: 'scp03tSecurityError' });
  });

  it('ICCID already installed: storeMetadata / installFailedDueToIccidAlreadyExistsOnEuicc', () => {
    const { card, ch } = fresh();
    const one = bind(card, ch);
    expect(decodeProfileInstallationResult(loadBpp(card, ch, buildBpp(one.transactionId, one.prepared)).pop()!.data).finalResult.success).toBe(true);
    const two = bind(card, ch);
    const pir = loadExpectingPir(card, ch, bppSequences(buildBpp(two.transactionId, two.prepared)).flat());
    expect(pir.finalResult).toMatchObject({ success: false, bppCommandId: 'storeMetadata', errorReason: 'installFailedDueToIccidAlreadyExistsOnEuicc' });
    expect(card.state.profiles.filter((p) => p.iccid === TS48_ICCID)).toHaveLength(1);
  });

  it('metadata ICCID differing from the ProfileHeader: loadProfileElements / installFailedDueToIccidMismatch', () => {
    const { card, ch } = fresh();
    const b = bind(card, ch);
    const bpp = buildBpp(b.transactionId, b.prepared, { metadata: storeMetadata({ iccid: '8949449999999990031' }) });
    const pir = loadExpectingPir(card, ch, bppSequences(bpp).flat());
    expect(pir.finalResult).toMatchObject({ bppCommandId: 'loadProfileElements', errorReason: 'installFailedDueToIccidMismatch' });
    expect(pir.notificationMetadata.iccid).toBe('8949449999999990031');
    expect(card.state.profiles).toHaveLength(1);
  });

  it('a profile that is not SAIP: installFailedDueToPEProcessingError', () => {
    const { card, ch } = fresh();
    const b = bind(card, ch);
    const bpp = buildBpp(b.transactionId, b.prepared, { profile: new Uint8Array(randomBytes(3000)) });
    const pir = loadExpectingPir(card, ch, bppSequences(bpp).flat());
    expect(pir.finalResult).toMatchObject({ bppCommandId: 'loadProfileElements', errorReason: 'installFailedDueToPEProcessingError' });
  });

  it('a BPP without a prepared session: an unqueued error PIR', () => {
    const { card, ch } = fresh();
    const b = bind(card, ch);
    const bpp = buildBpp(b.transactionId, b.prepared);
    const other = fresh();
    const pir = loadExpectingPir(other.card, other.ch, bppSequences(bpp).flat());
    expect(pir.finalResult).toMatchObject({ bppCommandId: 'initialiseSecureChannel', errorReason: 'invalidTransactionId' });
    expect(other.card.state.notifications).toHaveLength(0);
  });
});

describe('hostile BPP input', () => {
  it('mutated, truncated or reordered sequences never crash the card (9000 with a PIR, or 6A80/6A88)', () => {
    const { card, ch } = fresh();
    fc.assert(
      fc.property(
        fc.array(fc.record({ at: fc.nat(), byte: fc.nat(255), cut: fc.nat(40), drop: fc.boolean() }), { minLength: 1, maxLength: 4 }),
        (edits) => {
          const b = bind(card, ch);
          const seqs = bppSequences(buildBpp(b.transactionId, b.prepared, { profile: upp('TS48V1-A-UNIQUE').subarray(0, 4000) })).flat();
          for (const e of edits) {
            const i = 1 + (e.at % (seqs.length - 1));
            if (e.drop) seqs.splice(i, 1);
            else {
              const p = seqs[i]!.slice(0, Math.max(1, seqs[i]!.length - e.cut));
              p[e.at % p.length] ^= e.byte || 1;
              seqs[i] = p;
            }
          }
          for (const p of seqs) {
            const a = storeData(card, ch, p);
            expect(['9000', '6A80', '6A88']).toContain(a.sw);
            if (a.data.length > 0) {
              decodeProfileInstallationResult(a.data);
              break;
            }
          }
          // whatever happened, the card still answers and a new download can start
          expect(challenge(card, ch)).toHaveLength(16);
        },
      ),
      { numRuns: 40, seed: 20261129 },
    );
  });
});
