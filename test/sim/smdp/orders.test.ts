import { describe, expect, it } from 'vitest';
import { LpaError } from '../../../src/errors.js';
import { eidCheckDigits } from '../../../src/ids/eid.js';
import { MAX_CC_ATTEMPTS, OrderBook } from '../../../src/sim/smdp/orders.js';
import { loadCatalogue } from '../../../src/sim/smdp/profiles.js';

const catalogue = loadCatalogue({ address: 'testsmdpplus1.example.com' });
const EID_A = `890490320000000000000000000001${eidCheckDigits('890490320000000000000000000001')}`;
const EID_B = `890490320000000000000000000002${eidCheckDigits('890490320000000000000000000002')}`;

function codes(f: () => unknown): { subjectCode?: unknown; reasonCode?: unknown; code?: string } {
  try {
    f();
  } catch (e) {
    if (e instanceof LpaError) return { code: e.code, subjectCode: e.details.subjectCode, reasonCode: e.details.reasonCode };
    throw e;
  }
  throw new Error('expected a refusal');
}

describe('SM-DP+ orders', () => {
  it('has one default order per profile, found by matching id', () => {
    const book = new OrderBook(catalogue);
    expect(book.list()).toHaveLength(catalogue.length);
    const first = catalogue[0]!;
    expect(book.findForDownload(EID_A, first.id)).toMatchObject({ profile: first.id, iccid: first.iccid, state: 'released', isDefault: true });
  });

  it('walks released -> downloaded -> installed; cancelled releases; a second download is 8.2/3.7', () => {
    const book = new OrderBook(catalogue);
    const id = catalogue[1]!.id;
    const o = book.findForDownload(EID_A, id);
    book.attach(o.id, 'AA');
    book.markDownloaded(o.id, 'AA', EID_A);
    expect(codes(() => book.findForDownload(EID_A, id))).toMatchObject({ subjectCode: '8.2', reasonCode: '3.7' });
    expect(book.cancel('AA', 'endUserRejection (0)')!.state).toBe('cancelled');
    expect(book.findForDownload(EID_B, id).state).toBe('cancelled');
    book.attach(o.id, 'BB');
    book.markDownloaded(o.id, 'BB', EID_B);
    expect(book.markInstallResult('AA', true)).toBeUndefined(); // stale transaction
    expect(book.markInstallResult('BB', true)!.state).toBe('installed');
    expect(book.cancel('BB', 'late')!.state).toBe('installed');
  });

  it('EID-bound orders: empty matching id finds them, a wrong EID is 8.1.1/3.8, unknown ids 8.2.6/3.8', () => {
    const book = new OrderBook(catalogue);
    const bound = book.create({ eid: EID_A });
    expect(bound.profile).toBe(catalogue[0]!.id); // the first free profile; its default order is withdrawn
    expect(book.get(catalogue[0]!.id)).toBeUndefined();
    expect(book.findForDownload(EID_A, '').id).toBe(bound.id);
    expect(codes(() => book.findForDownload(EID_B, undefined))).toMatchObject({ subjectCode: '8.1.1', reasonCode: '3.8' });
    const both = book.create({ eid: EID_A, matchingId: 'MINE' });
    expect(codes(() => book.findForDownload(EID_B, 'MINE'))).toMatchObject({ subjectCode: '8.1.1', reasonCode: '3.8' });
    expect(book.findForDownload(EID_A, 'MINE').id).toBe(both.id);
    expect(codes(() => book.findForDownload(EID_A, 'NOPE'))).toMatchObject({ subjectCode: '8.2.6', reasonCode: '3.8' });
  });

  it('validates new orders: EID, matching id, profile, duplicates, no free profile', () => {
    const book = new OrderBook(catalogue.slice(0, 2));
    expect(codes(() => book.create({ eid: '123' }))).toMatchObject({ code: 'INVALID_EID' });
    expect(codes(() => book.create({}))).toMatchObject({ code: 'USAGE' });
    expect(codes(() => book.create({ matchingId: 'a b' }))).toMatchObject({ code: 'USAGE' });
    expect(codes(() => book.create({ eid: EID_A, profile: 'NOPE' }))).toMatchObject({ code: 'USAGE' });
    expect(codes(() => book.create({ matchingId: catalogue[1]!.id, profile: catalogue[0]!.id }))).toMatchObject({ code: 'USAGE' });
    book.create({ eid: EID_A, profile: catalogue[0]!.id });
    expect(codes(() => book.create({ eid: EID_B, profile: catalogue[0]!.id }))).toMatchObject({ code: 'USAGE' });
    book.create({ eid: EID_B });
    expect(codes(() => book.create({ eid: EID_B }))).toMatchObject({ code: 'PROFILE_NOT_FOUND' });
  });

  it('counts wrong confirmation codes and never shows the code', () => {
    const book = new OrderBook(catalogue);
    const id = catalogue[2]!.id;
    const o = book.setConfirmationCode(id, 'secret-77');
    expect(JSON.stringify(book.list())).not.toContain('secret-77');
    expect(book.confirmationCode(o.id)).toBe('secret-77');
    for (let i = MAX_CC_ATTEMPTS - 1; i >= 0; i--) expect(book.recordCcFailure(o.id)).toBe(i);
    expect(codes(() => book.findForDownload(EID_A, id))).toMatchObject({ subjectCode: '8.8.5', reasonCode: '6.4' });
  });
});
