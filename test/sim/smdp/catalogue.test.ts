import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { LpaError } from '../../../src/errors.js';
import { dataPath } from '../../../src/util/data.js';
import { encodeProfileMetadata, loadCatalogue } from '../../../src/sim/smdp/profiles.js';
import { readSaipIccid } from '../../../src/saip/profileHeader.js';
import { loadSmdpPki } from '../../../src/sim/smdp/pki.js';

const vector = JSON.parse(readFileSync(new URL('../../fixtures/vectors/es9p-download-session.json', import.meta.url), 'utf8')) as {
  es9p: { response: Record<string, string> }[];
};

describe('SM-DP+ catalogue', () => {
  it('lists every data/upp package with the ICCID of its ProfileHeader', () => {
    const cat = loadCatalogue({ address: 'testsmdpplus1.example.com' });
    const files = readdirSync(dataPath('upp')).filter((f) => f.endsWith('.der'));
    expect(cat.map((p) => p.id).sort()).toEqual(files.map((f) => f.replace(/\.der$/, '')).sort());
    const a = cat.find((p) => p.id === 'TS48V1-A-UNIQUE')!;
    expect(a.iccid).toBe('8949449999999990023');
    expect(cat.find((p) => p.id === 'TS48V2-SAIP2-1-BERTLV-UNIQUE')!.iccid).toBe('8949449999999990049');
    expect(new Set(cat.map((p) => p.iccid)).size).toBe(cat.length);
    // metadata: BF25 { 5A iccid (swapped BCD), 91 "GSMA Test", 92 id, 95 02, B6 {4 x 30 {80 event, 81 address}} }
    expect(Buffer.from(a.metadata.subarray(0, 17)).toString('hex')).toBe('bf2581b25a0a989444999999990920f391');
  });

  it('encodes ProfileMetadata byte-for-byte like the reference SM-DP+ (golden vector)', () => {
    const md = encodeProfileMetadata({
      iccid: '8949449999999990049',
      serviceProviderName: 'OsmocomSPN',
      profileName: 'TS48V2-SAIP2-1-BERTLV-UNIQUE',
      profileClass: 'operational',
      notificationAddress: 'testsmdpplus1.example.com',
      notificationEvents: ['notificationEnable', 'notificationDisable', 'notificationDelete'],
    });
    expect(Buffer.from(md).toString('base64')).toBe(vector.es9p[1]!.response.profileMetadata);
  });

  it('refuses a package without a ProfileHeader ICCID with a typed error', () => {
    expect(() => readSaipIccid(Uint8Array.of(0xa1, 0x03, 0x80, 0x01, 0x00))).toThrow(LpaError);
    expect(() => readSaipIccid(Uint8Array.of(0xa0, 0x03, 0x80, 0x01, 0x00))).toThrow(/iccid/);
    expect(() => readSaipIccid(Uint8Array.of(0xa0, 0x84, 0xff, 0xff, 0xff, 0xff))).toThrow(LpaError);
    const badDigits = Uint8Array.of(0xa0, 0x0c, 0x83, 0x0a, 0xaa, 0xbb, 0xcc, 0xdd, 0xee, 0x11, 0x22, 0x33, 0x44, 0x55);
    expect(() => readSaipIccid(badDigits)).toThrow(/not BCD/);
  });

  it('loads the SGP.26 identity: DPauth OID, CI key id, DPpb', () => {
    const pki = loadSmdpPki();
    expect(pki.oid).toBe('2.999.10');
    expect(Buffer.from(pki.ciPkId).toString('hex').toUpperCase()).toBe('F54172BDF98A95D65CBEB88A38A1C11D800A85C3');
    expect(pki.dpAuth.cert.role).toBe('dp-auth');
    expect(pki.dpPb.cert.role).toBe('dp-pb');
    expect(pki.tls.certPem).toContain('BEGIN CERTIFICATE');
  });
});
