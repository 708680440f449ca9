import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeCancelSessionResponse, encodeCancelSessionRequest } from '../../../src/es10/cancelSession.js';
import { decodeConfiguredAddressesResponse, encodeConfiguredAddressesRequest } from '../../../src/es10/configuredAddresses.js';
import { decodeEuiccChallengeResponse, encodeEuiccChallengeRequest } from '../../../src/es10/euiccChallenge.js';
import { decodeEuiccInfo1Response, encodeEuiccInfo1Request } from '../../../src/es10/euiccInfo1.js';
import { decodeGetEidResponse, encodeGetEidRequest } from '../../../src/es10/getEid.js';
import { decodeGetRatResponse, encodeGetRatRequest } from '../../../src/es10/getRat.js';
import { decodeSetDefaultDpAddressResponse, encodeSetDefaultDpAddressRequest } from '../../../src/es10/setDefaultDpAddress.js';
import { openVirtualEuicc, VIRTUAL_EID } from '../../../src/sim/euicc/index.js';
import { fromHex, toHex } from '../../../src/util/hex.js';
import { es10, openIsdR, storeData } from './helpers.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'veuicc-info-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

const CI = 'F54172BDF98A95D65CBEB88A38A1C11D800A85C3';

describe('virtual eUICC ES10 identity and configuration functions', () => {
  it('GetEID answers the SGP.26 EID (golden hex)', () => {
    const card = openVirtualEuicc();
    const resp = es10(card, fromHex('BF3E035C015A'));
    expect(toHex(resp)).toBe(`BF3E125A10${VIRTUAL_EID}`);
    expect(decodeGetEidResponse(resp).eid).toBe(VIRTUAL_EID);
    expect(toHex(es10(card, encodeGetEidRequest()))).toBe(toHex(resp));
  });

  it('GetEUICCInfo1 lists SVN 2.2.2 and the SGP.26 test CI for verification and signing (golden hex)', () => {
    const card = openVirtualEuicc();
    const resp = es10(card, encodeEuiccInfo1Request());
    expect(toHex(resp)).toBe(`BF2035820302020 2A9160414${CI}AA160414${CI}`.replace(/ /g, ''));
    const info = decodeEuiccInfo1Response(resp);
    expect(info.svn).toBe('2.2.2');
    expect(info.euiccCiPKIdListForVerification.map(toHex)).toEqual([CI]);
  });

  it('GetEUICCChallenge answers 16 fresh random bytes each time', () => {
    const card = openVirtualEuicc();
    const a = decodeEuiccChallengeResponse(es10(card, encodeEuiccChallengeRequest())).euiccChallenge;
    const b = decodeEuiccChallengeResponse(es10(card, encodeEuiccChallengeRequest())).euiccChallenge;
    expect(a.length).toBe(16);
    expect(toHex(a)).not.toBe(toHex(b));
  });

  it('GetEuiccConfiguredAddresses / SetDefaultDpAddress round trip and persist', () => {
    const path = join(dir, 'e.json');
    const card = openVirtualEuicc({ statePath: path });
    const ch = openIsdR(card);
    expect(toHex(es10(card, encodeConfiguredAddressesRequest(), ch))).toBe('BF3C11810F6C70612E64732E67736D612E636F6D');
    const set = es10(card, encodeSetDefaultDpAddressRequest({ defaultDpAddress: 'smdp.example.com' }), ch);
    expect(toHex(set)).toBe('BF3F03800100');
    expect(decodeSetDefaultDpAddressResponse(set).result).toBe('ok');
    const again = openVirtualEuicc({ statePath: path });
    expect(decodeConfiguredAddressesResponse(es10(again, encodeConfiguredAddressesRequest()))).toEqual({
      defaultDpAddress: 'smdp.example.com',
      rootDsAddress: 'lpa.ds.gsma.com',
    });
    es10(again, encodeSetDefaultDpAddressRequest({ defaultDpAddress: '' }));
    expect(decodeConfiguredAddressesResponse(es10(again, encodeConfiguredAddressesRequest()))).toEqual({ rootDsAddress: 'lpa.ds.gsma.com' });
  });

  it('accepts a request split into 120-byte STORE DATA blocks', () => {
    const card = openVirtualEuicc();
    const ch = openIsdR(card);
    const address = `${'a'.repeat(60)}.${'b'.repeat(60)}.${'c'.repeat(60)}.example.com`;
    const ans = storeData(card, ch, encodeSetDefaultDpAddressRequest({ defaultDpAddress: address }), 120);
    expect(ans.sw).toBe('9000');
    expect(ans.apdus).toBe(2);
    expect(card.state.defaultDpAddress).toBe(address);
  });

  it('answers malformed requests of known functions with 6A80', () => {
    const card = openVirtualEuicc();
    const ch = openIsdR(card);
    expect(storeData(card, ch, fromHex('BF3E02')).sw).toBe('6A80'); // truncated
    expect(storeData(card, ch, fromHex('BF3F0381010A')).sw).toBe('6A80'); // wrong inner tag
    expect(storeData(card, ch, fromHex('BF3F0380 02C328'.replace(/ /g, ''))).sw).toBe('6A80'); // invalid UTF-8
    expect(storeData(card, ch, fromHex('BF2E00BF2E00')).sw).toBe('6A80'); // trailing bytes
  });
});

describe('virtual eUICC GetRAT and CancelSession', () => {
  it('GetRAT answers an empty Rules Authorisation Table (golden hex)', () => {
    const card = openVirtualEuicc();
    const resp = es10(card, encodeGetRatRequest());
    expect(toHex(resp)).toBe('BF4302A000');
    expect(decodeGetRatResponse(resp)).toEqual({ rat: [] });
  });

  it('CancelSession answers undefinedError while no download session exists', () => {
    const card = openVirtualEuicc();
    const resp = es10(card, encodeCancelSessionRequest({ transactionId: fromHex('0102030405060708'), reason: 'endUserRejection' }));
    expect(toHex(resp)).toBe('BF410381017F');
    expect(decodeCancelSessionResponse(resp)).toMatchObject({ ok: false, error: 'undefinedError' });
  });
});
