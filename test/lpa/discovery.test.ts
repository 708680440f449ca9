/**
 * SGP.22 event retrieval (src/lpa/discovery.ts) against the local SM-DS and SM-DP+ over TLS, the
 * virtual eUICC behind the real AT engine: events appear when the SM-DP+ takes an order with the
 * SM-DS flag, a download with matching id = event id installs the profile, the install result
 * deletes the event, an interrupted download leaves it, and the SM-DS's errors keep their SGP.22
 * codes and name the SM-DS.
 */
import { readFileSync } from 'node:fs';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Es9Pool } from '../../src/lpa/es9.js';
import { discoverEvents } from '../../src/lpa/discovery.js';
import { downloadProfile } from '../../src/lpa/download.js';
import { deliverInstallResults } from '../../src/lpa/notifications.js';
import { startSmds, type SmdsServer } from '../../src/sim/smds/index.js';
import { VIRTUAL_EID } from '../../src/sim/euicc/index.js';
import { startInProcessPeers, type InProcessPeers } from '../helpers/inProcessPeers.js';
import { lpaRejection } from '../util/lpaError.js';
import { ROOT } from '../cli/run.js';

const PKI = join(ROOT, 'data', 'pki', 'sgp26');

describe('event retrieval against the local SM-DS', () => {
  let peers: InProcessPeers;
  let smds: SmdsServer;
  beforeAll(async () => {
    peers = await startInProcessPeers('quectel', { smds: true });
    smds = peers.smds!;
  });
  afterAll(() => peers?.close());

  it('no event is an answer: an empty list from the eUICC\'s root SM-DS', async () => {
    const steps: string[] = [];
    const r = await discoverEvents(peers.es10, peers.pool, {}, { onProgress: (s) => steps.push(s) });
    expect(r).toMatchObject({ smdsAddress: smds.address, events: [], problems: [] });
    expect(steps).toEqual(['smds', 'challenge', 'initiateAuthentication', 'authenticateServer', 'authenticateClientEs11', 'events']);
    expect(smds.stats().retrievals).toBe(1);
  });

  it('an order with the SM-DS flag is an event; downloading it (matching id = event id) deletes it once installed', async () => {
    const a = peers.smdp.admin.createOrder({ eid: VIRTUAL_EID, profile: 'TS48V3-SAIP2-1-BERTLV-UNIQUE', smds: true });
    const b = peers.smdp.admin.createOrder({ eid: VIRTUAL_EID, profile: 'TS48V3-SAIP2-3-BERTLV-UNIQUE', smds: true, matchingId: 'MY-EVENT-2' });
    expect(a.smdsEventId).toMatch(/^EV-[0-9A-F]{16}$/);
    expect(a.matchingId).toBe(a.smdsEventId);
    expect(b.smdsEventId).toBe('MY-EVENT-2');
    const r = await discoverEvents(peers.es10, peers.pool, { smdsAddress: smds.address });
    expect(r.events).toEqual([
      { eventId: a.smdsEventId, rspServerAddress: peers.smdp.address },
      { eventId: 'MY-EVENT-2', rspServerAddress: peers.smdp.address },
    ]);

    const dl = await downloadProfile(peers.es10, peers.pool, { smdpAddress: r.events[0]!.rspServerAddress, matchingId: r.events[0]!.eventId });
    expect(dl.iccid).toBe(a.iccid);
    // installed on the card, but the SM-DP+ has not heard yet: the event stays until the install result
    expect(smds.events().map((e) => e.eventId)).toContain(a.smdsEventId);
    await deliverInstallResults(peers.es10, peers.pool, dl.notificationSeq);
    expect(peers.smdp.admin.getOrder(a.id)!.state).toBe('installed');
    expect(smds.events().map((e) => e.eventId)).toEqual(['MY-EVENT-2']);
    expect(smds.deletedEvents().map((e) => e.eventId)).toEqual([a.smdsEventId]);
  });

  it('an interrupted download is cancelled and its event stays, so the next retrieval finds it again', async () => {
    const controller = new AbortController();
    const err = await lpaRejection(
      downloadProfile(peers.es10, peers.pool, { smdpAddress: peers.smdp.address, matchingId: 'MY-EVENT-2' }, {
        signal: controller.signal,
        onProgress: (s) => {
          if (s === 'prepareDownload') controller.abort(new Error('stop'));
        },
      }),
    );
    expect(err.code).toBe('INTERRUPTED');
    expect(peers.smdp.admin.getOrder('MY-EVENT-2')!.state).toBe('cancelled');
    const r = await discoverEvents(peers.es10, peers.pool);
    expect(r.events.map((e) => e.eventId)).toEqual(['MY-EVENT-2']);
  });

  it('a refusal by the SM-DS keeps its SGP.22 codes and names the SM-DS', async () => {
    // an SM-DS that signs another address than the one asked for refuses it (8.8.1/3.8)
    const other = await startSmds({ address: 'testsmds1.example.com:8444' });
    const pool = new Es9Pool({ caFiles: [other.caFile], connectTo: [`testsmds1.example.com:443:127.0.0.1:${other.port}`] });
    try {
      const err = await lpaRejection(discoverEvents(peers.es10, pool, { smdsAddress: 'testsmds1.example.com' }));
      expect(err).toMatchObject({ code: 'ES9_FAILED', details: { subjectCode: '8.8.1', reasonCode: '3.8', server: 'SM-DS', function: 'initiateAuthentication' } });
      expect(err.message).toMatch(/^SM-DS refused initiateAuthentication \(Failed, 8\.8\.1\/3\.8\): the SM-DS address is not the one this server expects/);
      expect(err.message).not.toMatch(/may not be an SM-DS/);
    } finally {
      await pool.close();
      await other.close();
    }
  });

  it('a server without the ES11 functions (HTTP 404): the error hints that the address may not be an SM-DS', async () => {
    const server = createHttpsServer(
      { cert: readFileSync(join(PKI, 'dptls', 'CERT_S_SM_DP_TLS_NIST.pem')), key: readFileSync(join(PKI, 'dptls', 'SK_S_SM_DP_TLS_NIST.pem')) },
      (_req, res) => res.writeHead(404, { 'content-type': 'text/plain' }).end('unknown function'),
    );
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as AddressInfo).port;
    const pool = new Es9Pool({ caFiles: [join(PKI, 'ci', 'CERT_CI_ECDSA_NIST.pem')], connectTo: [`testsmdpplus1.example.com:443:127.0.0.1:${port}`] });
    try {
      const err = await lpaRejection(discoverEvents(peers.es10, pool, { smdsAddress: 'testsmdpplus1.example.com' }));
      expect(err).toMatchObject({ code: 'ES9_HTTP', details: { httpStatus: 404, server: 'SM-DS' } });
      expect(err.message).toMatch(/^SM-DS testsmdpplus1\.example\.com answered initiateAuthentication with HTTP 404/);
      expect(err.message).toMatch(/\(testsmdpplus1\.example\.com may not be an SM-DS: it answered HTTP 404: it does not offer the ES11 functions; .*\)$/);
    } finally {
      await pool.close();
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });

  it('TLS to the SM-DS is verified like TLS to an SM-DP+: without its CI it is refused', async () => {
    const pool = new Es9Pool({ connectTo: [smds.connectTo] });
    try {
      const err = await lpaRejection(discoverEvents(peers.es10, pool, { smdsAddress: smds.address }));
      expect(err.code).toBe('TLS_UNTRUSTED');
      expect(err.message).toMatch(/the SM-DS certificate is not issued by a trusted CI/);
      expect(err.details.server).toBe('SM-DS');
    } finally {
      await pool.close();
    }
  });

  it('an eUICC without a root SM-DS and no --smds is a usage error', async () => {
    peers.card.quirks.rootDsAddress = '';
    try {
      const err = await lpaRejection(discoverEvents(peers.es10, peers.pool));
      expect(err.code).toBe('USAGE');
      expect(err.message).toBe('the eUICC has no root SM-DS address: give one with --smds <address>');
    } finally {
      peers.card.quirks.rootDsAddress = smds.address;
    }
  });
});
