import { afterEach, describe, expect, it } from 'vitest';
import { Es9Client } from '../../../src/es9p/client.js';
import { createTrustStore } from '../../../src/es9p/tls.js';
import { startSmdp, type SmdpServer } from '../../../src/sim/smdp/index.js';

let smdp: SmdpServer | undefined;
let client: Es9Client | undefined;
afterEach(async () => {
  await client?.close();
  await smdp?.close();
  client = undefined;
  smdp = undefined;
});

async function clientOf(rttMs: number): Promise<Es9Client> {
  smdp = await startSmdp({ rttMs });
  client = new Es9Client({ smdpAddress: smdp.address, trust: createTrustStore({ caFiles: [smdp.caFile], system: false }), connectTo: [smdp.connectTo], maxRetries: 0 });
  return client;
}

const notify = (c: Es9Client) => c.handleNotification({ pendingNotification: Uint8Array.of(0xbf, 0x37, 0x00) }).catch(() => undefined);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('local SM-DP+ network model: the TLS handshake runs from the connection', () => {
  it('a connection opened early has paid its 2 RTT by the first request: 1 RTT charged', async () => {
    const c = await clientOf(50);
    c.preconnect();
    await sleep(250);
    await notify(c);
    const [first] = smdp!.stats().timeline;
    expect(first![1]).toBe(50);
    expect(first![2]).toBe('handleNotification');
    expect(smdp!.stats().tlsConnections).toBe(1);
    expect(c.stats()).toMatchObject({ tlsHandshakes: 1, connectAttempts: 1, requests: 1 });
  });

  it('a request sent right after connecting waits for what is left of the handshake', async () => {
    const c = await clientOf(300);
    await notify(c);
    await notify(c);
    const [first, second] = smdp!.stats().timeline;
    // 1 RTT plus (almost all of) the handshake's 2 RTT; the keep-alive request after it: 1 RTT
    expect(first![1]).toBeGreaterThan(600);
    expect(first![1]).toBeLessThanOrEqual(900);
    expect(second![1]).toBe(300);
    expect(c.stats().tlsHandshakes).toBe(1);
  });
});
