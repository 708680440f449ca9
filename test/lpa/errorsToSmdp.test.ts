import { afterEach, describe, expect, it } from 'vitest';
import { LpaError } from '../../src/errors.js';
import { encInt, tlv } from '../../src/es10/der.js';
import { encodeServerSigned1 } from '../../src/es10/authenticateServer.js';
import { parseBoundProfilePackage } from '../../src/es10/bpp.js';
import { encodeStoreMetadata } from '../../src/es10/storeMetadata.js';
import { checkBppMetadata, checkServerSigned1, sameServer } from '../../src/lpa/checks.js';
import { downloadProfile } from '../../src/lpa/download.js';
import { ES10_HANDLERS, type Es10Handler } from '../../src/sim/euicc/index.js';
import { concatBytes, fromHex } from '../../src/util/hex.js';
import { startInProcessPeers, type InProcessPeers } from '../helpers/inProcessPeers.js';

/** The card's handlers with one function replaced. */
function withHandler(tag: number, handle: Es10Handler['handle']): Es10Handler[] {
  return [...ES10_HANDLERS.filter((h) => h.tag !== tag), { name: `test ${tag.toString(16)}`, tag, handle }];
}

/** The transaction id inside a request's first 80 TLV (AuthenticateServer: in serverSigned1). */
function txOf(request: Uint8Array): Uint8Array {
  const i = request.indexOf(0x80);
  return request.subarray(i + 2, i + 2 + request[i + 1]!);
}

describe('errors go to the SM-DP+ (virtual module, real AT engine, local SM-DP+ over TLS)', () => {
  let peers: InProcessPeers | undefined;
  afterEach(async () => {
    await peers?.close();
    peers = undefined;
  });

  it('an AuthenticateServer error answer is forwarded with authenticateClient; no CancelSession', async () => {
    // BF38 { A1 { 80 transactionId, 02 invalidCertificate(1) } }
    peers = await startInProcessPeers('generic', {
      handlers: withHandler(0xbf38, (req) => tlv(0xbf38, tlv(0xa1, tlv(0x80, txOf(req.subarray(4))), encInt(0x02, 1)))),
    });
    const { es10, pool, smdp } = peers;
    const err = (await downloadProfile(es10, pool, { smdpAddress: smdp.address, matchingId: 'TS48V1-A-UNIQUE' }).catch((e: unknown) => e)) as LpaError;
    expect(err).toBeInstanceOf(LpaError);
    expect(err.code).toBe('ES10_RESULT');
    expect(err.details).toMatchObject({ function: 'AuthenticateServer', result: 'invalidCertificate' });
    expect(err.message).toMatch(/sent to the SM-DP\+/);
    const requests = smdp.stats().requests;
    expect(requests.authenticateClient).toBe(1);
    expect(requests.cancelSession).toBeUndefined();
    expect(smdp.admin.getOrder('TS48V1-A-UNIQUE')!.state).toBe('released');
  });

  it('a PrepareDownload error answer is forwarded with getBoundProfilePackage; the order stays downloadable', async () => {
    // BF21 { A1 { 80 transactionId, 02 invalidSignature(2) } }
    let tx = new Uint8Array(0);
    const handlers = withHandler(0xbf21, () => tlv(0xbf21, tlv(0xa1, tlv(0x80, tx), encInt(0x02, 2))));
    const auth = handlers.find((h) => h.tag === 0xbf38)!;
    const spying: Es10Handler = { ...auth, handle: (req, ctx) => ((tx = txOf(req.subarray(4)).slice()), auth.handle(req, ctx)) };
    peers = await startInProcessPeers('generic', { handlers: [...handlers.filter((h) => h !== auth), spying] });
    const { es10, pool, smdp } = peers;
    const err = (await downloadProfile(es10, pool, { smdpAddress: smdp.address, matchingId: 'TS48V1-B-UNIQUE' }).catch((e: unknown) => e)) as LpaError;
    expect(err.code).toBe('ES10_RESULT');
    expect(err.details).toMatchObject({ function: 'PrepareDownload', result: 'invalidSignature' });
    expect(smdp.stats().requests.getBoundProfilePackage).toBe(1);
    expect(smdp.stats().requests.cancelSession).toBeUndefined();
    expect(smdp.admin.getOrder('TS48V1-B-UNIQUE')!.state).toBe('released');
  });

  it('cancelBoth still tells the SM-DP+ when the eUICC refuses CancelSession or does not answer it', async () => {
    for (const answer of [() => tlv(0xbf41, encInt(0x81, 5)), (): Uint8Array => { throw new Error('card fault'); }]) {
      peers = await startInProcessPeers('generic', { handlers: withHandler(0xbf41, answer) });
      const { es10, pool, smdp } = peers;
      smdp.admin.setConfirmationCode('TS48V2-SAIP2-3-BERTLV-UNIQUE', '1234');
      const err = (await downloadProfile(es10, pool, { smdpAddress: smdp.address, matchingId: 'TS48V2-SAIP2-3-BERTLV-UNIQUE' }).catch((e: unknown) => e)) as LpaError;
      expect(err.code).toBe('USAGE'); // the missing confirmation code, not the cancel
      expect(err.details.cancelReason).toBe('endUserRejection');
      expect(String(err.details.cancel)).toMatch(/CancelSession/);
      expect(smdp.stats().requests.cancelSession).toBe(1);
      await peers.close();
      peers = undefined;
    }
  });

  it('a BPP whose StoreMetadata differs from profileMetadata is cancelled with metadataMismatch before it reaches the eUICC', async () => {
    peers = await startInProcessPeers();
    const { es10, pool, smdp } = peers;
    const client = pool.get(smdp.address);
    const real = client.getBoundProfilePackage.bind(client);
    client.getBoundProfilePackage = async (req) => {
      const r = await real(req);
      // the service provider name sits in the MACed, not encrypted, 88 TLVs: change one letter
      const bpp = r.boundProfilePackage.slice();
      const at = Buffer.from(bpp).indexOf(Buffer.from('GSMA'));
      if (at < 0) throw new Error('test: provider name not found in the BPP');
      bpp[at] = 0x58;
      return { ...r, boundProfilePackage: bpp };
    };
    const before = peers.at.channel.stats().storeDataBlocks;
    const err = (await downloadProfile(es10, pool, { smdpAddress: smdp.address, matchingId: 'TS48V2-SAIP2-1-NOBERTLV-UNIQUE' }).catch((e: unknown) => e)) as LpaError;
    expect(err.code).toBe('SMDP_MISMATCH');
    expect(err.details.cancelReason).toBe('metadataMismatch');
    const order = smdp.admin.getOrder('TS48V2-SAIP2-1-NOBERTLV-UNIQUE')!;
    expect(order.cancellations.map((c) => c.reason)).toEqual(['metadataMismatch (4)']);
    // no BPP block went to the eUICC: challenge, info1, pending check, AuthenticateServer, PrepareDownload, CancelSession
    expect(peers.at.channel.stats().storeDataBlocks - before).toBeLessThan(20);
    expect(peers.card.state.profiles).toHaveLength(1);
  });

  it('a JSON transactionId that is not the one in serverSigned1 is refused and the session cancelled', async () => {
    peers = await startInProcessPeers();
    const { es10, pool, smdp } = peers;
    const client = pool.get(smdp.address);
    const real = client.initiateAuthentication.bind(client);
    let realTx = '';
    client.initiateAuthentication = async (req) => {
      const r = await real(req);
      realTx = r.transactionId;
      return { ...r, transactionId: 'AA' + r.transactionId.slice(2) };
    };
    const err = (await downloadProfile(es10, pool, { smdpAddress: smdp.address, matchingId: 'TS48V4-SAIP2-3-BERTLV-UNIQUE' }).catch((e: unknown) => e)) as LpaError;
    expect(err.code).toBe('SMDP_MISMATCH');
    expect(err.message).toContain(realTx);
    expect(smdp.stats().requests.authenticateClient).toBeUndefined();
    expect(smdp.stats().requests.cancelSession).toBe(1);
  });
});

describe('LPA-side checks (codec level)', () => {
  const tx = fromHex('0102030405060708');
  const signed = (serverAddress: string, t = tx) =>
    encodeServerSigned1({ transactionId: t, euiccChallenge: new Uint8Array(16), serverAddress, serverChallenge: new Uint8Array(16) });

  it('serverSigned1: transaction id and address (case, trailing dot and default port tolerated)', () => {
    expect(() => checkServerSigned1(signed('smdp.example.com'), tx, 'SMDP.example.com.')).not.toThrow();
    expect(() => checkServerSigned1(signed('smdp.example.com:443'), tx, 'smdp.example.com')).not.toThrow();
    expect(() => checkServerSigned1(signed('other.example.com'), tx, 'smdp.example.com')).toThrow(/signed another address/);
    expect(() => checkServerSigned1(signed('smdp.example.com', fromHex('09')), tx, 'smdp.example.com')).toThrow(/signed transaction 09/);
    expect(() => checkServerSigned1(fromHex('3000'), tx, 'smdp.example.com')).toThrow(LpaError);
    expect(sameServer('a.example.com:8443', 'a.example.com:9443')).toBe(false);
  });

  it('BPP metadata: byte-equal passes, a different profile fails, equal decoded fields pass', () => {
    const md = (name: string) => encodeStoreMetadata({ iccid: '8949449999999990049', serviceProviderName: 'GSMA', profileName: name });
    const bppWith = (metadata: Uint8Array) =>
      parseBoundProfilePackage(
        tlv(
          0xbf36,
          tlv(0xbf23, tlv(0x82, Uint8Array.of(1)), tlv(0x80, tx), tlv(0x5f37, new Uint8Array(64))),
          tlv(0xa0, tlv(0x87, new Uint8Array(24))),
          tlv(0xa1, tlv(0x88, concatBytes(metadata, new Uint8Array(8)))),
          tlv(0xa3, tlv(0x86, new Uint8Array(24))),
        ),
      );
    expect(() => checkBppMetadata(bppWith(md('Test')), md('Test'))).not.toThrow();
    expect(() => checkBppMetadata(bppWith(md('Other')), md('Test'))).toThrow(/does not carry the profile/);
  });
});
