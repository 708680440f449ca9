import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { startCallbackListener, type CallbackListener } from '../../../src/cloud/callbacks.js';
import { isLpaError } from '../../../src/errors.js';
import { runServeCloud, startCloudDouble, type CloudDouble, type SmdpInstallEvent } from '../../../src/sim/cloud/index.js';

const EID = '89049032005008882600033489000001';
let double: CloudDouble | undefined;
let listener: CallbackListener | undefined;
afterEach(async () => {
  await listener?.close();
  await double?.close();
  listener = undefined;
  double = undefined;
});

async function call(method: 'GET' | 'POST', path: string, opts: { form?: Record<string, string>; auth?: string; body?: string; contentType?: string } = {}): Promise<{ status: number; json: any; headers: Record<string, unknown> }> {
  const c = double!.credentials;
  const auth = opts.auth ?? `Basic ${Buffer.from(`${c.accountSid}:${c.authToken}`).toString('base64')}`;
  const headers: Record<string, string> = {};
  if (auth) headers.authorization = auth;
  let body: string | undefined;
  if (method === 'POST') {
    headers['content-type'] = opts.contentType ?? 'application/x-www-form-urlencoded';
    body = opts.body ?? new URLSearchParams(opts.form ?? {}).toString();
  }
  const res = await request(`${double!.url}${path}`, { method, headers, body });
  const text = await res.body.text();
  return { status: res.statusCode, json: text ? JSON.parse(text) : null, headers: res.headers };
}

async function waitFor<T>(fn: () => T | undefined): Promise<T> {
  for (let i = 0; i < 400; i++) {
    const v = fn();
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('condition not reached');
}

describe('Super SIM double', () => {
  it('a port already in use is a configuration error naming it (exit 3), not an internal one', async () => {
    double = await startCloudDouble();
    const port = Number(new URL(double.url).port);
    const err = await startCloudDouble({ port }).catch((e: unknown) => e);
    expect(isLpaError(err, 'CONFIG_INVALID')).toBe(true);
    expect((err as Error).message).toMatch(new RegExp(`cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`));
  });

  it('checks Basic credentials (account token and API key) and bearer tokens', async () => {
    double = await startCloudDouble();
    const c = double.credentials;
    expect((await call('GET', '/v1/Fleets/demo-fleet')).status).toBe(200);
    const key = `Basic ${Buffer.from(`${c.apiKeys[0]!.sid}:${c.apiKeys[0]!.secret}`).toString('base64')}`;
    expect((await call('GET', '/v1/Fleets/demo-fleet', { auth: key })).status).toBe(200);
    const wrong = await call('GET', '/v1/Fleets/demo-fleet', { auth: `Basic ${Buffer.from(`${c.accountSid}:nope`).toString('base64')}` });
    expect(wrong).toMatchObject({ status: 401, json: { code: 20003, status: 401 } });
    expect((await call('GET', '/v1/Fleets/demo-fleet', { auth: '' })).status).toBe(401);

    const tok = await request(double.tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: c.kore.clientId, client_secret: c.kore.clientSecret }).toString(),
    });
    const t = (await tok.body.json()) as { access_token: string; token_type: string; expires_in: number };
    expect(t).toMatchObject({ token_type: 'Bearer', expires_in: 3600 });
    expect((await call('GET', '/v1/Fleets/demo-fleet', { auth: `Bearer ${t.access_token}` })).status).toBe(200);
    double.expireTokens();
    expect((await call('GET', '/v1/Fleets/demo-fleet', { auth: `Bearer ${t.access_token}` })).status).toBe(401);
    const badClient = await request(double.tokenUrl, { method: 'POST', body: 'grant_type=client_credentials&client_id=x&client_secret=y', headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    expect(badClient.statusCode).toBe(401);
    await badClient.body.dump();
  });

  it('validates parameters with 400s and answers unknown paths/methods with 404/405', async () => {
    double = await startCloudDouble();
    expect((await call('POST', '/v1/ESimProfiles', { form: {} })).json).toMatchObject({ status: 400, code: 20001 });
    expect((await call('POST', '/v1/ESimProfiles', { form: { Eid: '123' } })).status).toBe(400);
    expect((await call('POST', '/v1/ESimProfiles', { form: { Eid: EID, CallbackMethod: 'PUT' } })).status).toBe(400);
    expect((await call('POST', '/v1/ESimProfiles', { form: { GenerateMatchingId: 'yes' } })).status).toBe(400);
    expect((await call('POST', '/v1/ESimProfiles', { form: { Eid: EID, CallbackUrl: 'file:///etc/passwd' } })).status).toBe(400);
    expect((await call('GET', '/v1/ESimProfiles?Status=bogus')).status).toBe(400);
    expect((await call('GET', '/v1/ESimProfiles?PageSize=0')).status).toBe(400);
    expect((await call('GET', '/v1/ESimProfiles?PageToken=zzz')).status).toBe(400);
    expect((await call('POST', '/v1/ESimProfiles', { body: '{"Eid":1}', contentType: 'application/json' })).status).toBe(415);
    expect((await call('POST', '/v1/ESimProfiles', { body: `Eid=${'1'.repeat(70_000)}` })).status).toBe(413);
    expect((await call('GET', '/v1/Nope')).json).toMatchObject({ status: 404, code: 20404 });
    expect((await call('POST', '/v1/ESimProfiles/HP0')).status).toBe(405);
    expect((await call('POST', '/v1/Fleets', { form: { UniqueName: 'x' } })).status).toBe(400);
    const created = await call('POST', '/v1/Fleets', { form: { NetworkAccessProfile: 'HA'.padEnd(34, '0'), UniqueName: 'second' } });
    expect(created).toMatchObject({ status: 201, json: { unique_name: 'second', data_metering: 'payg' } });
    expect((await call('POST', '/v1/Fleets', { form: { NetworkAccessProfile: 'x', UniqueName: 'second' } })).status).toBe(409);
  });

  it('moves a profile to available, then refuses to activate a Sim without a fleet', async () => {
    double = await startCloudDouble({ reserveDelayMs: 5 });
    const p = (await call('POST', '/v1/ESimProfiles', { form: { Eid: EID } })).json;
    expect(p.status).toBe('new');
    const ready = await waitFor(() => double!.profiles().find((x) => x.status === 'available'));
    expect(ready).toMatchObject({ sid: p.sid, smdp_plus_address: 'sm-dp-plus.double.test' });
    expect(ready.iccid).toMatch(/^8988307\d{13}$/);
    const sim = ready.sim_sid as string;
    expect((await call('POST', `/v1/Sims/${sim}`, { form: { Status: 'active' } })).json).toMatchObject({ status: 400 });
    expect((await call('POST', `/v1/Sims/${sim}`, { form: { Status: 'new' } })).status).toBe(400);
    expect((await call('POST', `/v1/Sims/${sim}`, { form: { Fleet: 'demo-fleet', Status: 'active' } })).json).toMatchObject({ status: 'active' });
    double.markInstalled({ iccid: ready.iccid as string, state: 'downloaded' });
    expect(double.profiles()[0]!.status).toBe('downloaded');
  });

  it('creates the EID-bound order on an attached SM-DP+ and follows its install notifications', async () => {
    const orders: string[] = [];
    let notify: ((e: SmdpInstallEvent) => void) | undefined;
    double = await startCloudDouble({
      reserveDelayMs: 1,
      smdpHook: {
        createOrder: async (eid) => {
          orders.push(eid);
          if (eid.endsWith('9')) throw new Error('EID not allowed');
          return { smdpAddress: 'smdp.local.test:8443', iccid: '89883070000000000019' };
        },
        onInstalled: (cb) => {
          notify = cb;
        },
      },
    });
    await call('POST', '/v1/ESimProfiles', { form: { Eid: EID } });
    const p = await waitFor(() => double!.profiles().find((x) => x.status === 'available'));
    expect(p).toMatchObject({ smdp_plus_address: 'smdp.local.test:8443', iccid: '89883070000000000019' });
    expect(orders).toEqual([EID]);
    notify!({ eid: EID });
    expect(double.profiles()[0]!.status).toBe('installed');
    await call('POST', '/v1/ESimProfiles', { form: { Eid: `${EID.slice(0, 31)}9` } });
    const failed = await waitFor(() => double!.profiles().find((x) => x.status === 'failed'));
    expect(failed.error_message).toContain('EID not allowed');
  });

  it('sends signed callbacks that verify with the auth token', async () => {
    double = await startCloudDouble({ reserveDelayMs: 1 });
    listener = await startCallbackListener({ verify: { scheme: 'twilio', authToken: double.credentials.authToken } });
    const p = (await call('POST', '/v1/ESimProfiles', { form: { Eid: EID, CallbackUrl: listener.url } })).json;
    expect(p.status).toBe('reserving');
    await waitFor(() => (double!.callbacks[0]?.status ? true : undefined));
    expect(double.callbacks[0]).toMatchObject({ method: 'POST', status: 204, params: { EsimProfileSid: p.sid, Status: 'available' } });
    expect(listener.stats).toEqual({ accepted: 1, rejected: 0 });
  });

  it('answers 429 with Retry-After, 5xx and slow answers when the switches are on', async () => {
    double = await startCloudDouble({ faults: { rateLimit: 1, retryAfterSec: 3, serverErrors: 1, serverErrorStatus: 502, slowMs: 5 } });
    const r1 = await call('GET', '/v1/Fleets/demo-fleet');
    expect(r1).toMatchObject({ status: 429, json: { code: 20429 } });
    expect(r1.headers['retry-after']).toBe('3');
    expect((await call('GET', '/v1/Fleets/demo-fleet')).status).toBe(502);
    expect((await call('GET', '/v1/Fleets/demo-fleet')).status).toBe(200);
    double.setErrorShape('rfc9457');
    const missing = await call('GET', '/v1/Fleets/none');
    expect(missing.json).toMatchObject({ type: 'https://www.twilio.com/docs/errors/20404', title: 'Not Found', status: 404, code: 20404, instance: '/v1/Fleets/none' });
    expect(missing.headers['content-type']).toBe('application/problem+json');
  });

  it('serve-cloud prints its URL and credentials and stops on abort', async () => {
    const lines: string[] = [];
    const ac = new AbortController();
    const AC = `AC${'1'.repeat(32)}`;
    const d = await runServeCloud({ port: 0, accountSid: AC, authToken: 'demo-token', out: (l) => lines.push(l), signal: ac.signal });
    expect(lines[0]).toBe(`Super SIM double listening on ${d.url}`);
    expect(lines.join('\n')).toContain(`TWILIO_ACCOUNT_SID=${AC} TWILIO_AUTH_TOKEN=demo-token`);
    expect(lines.join('\n')).toContain(`--cloud-url ${d.url}`);
    expect(d.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    ac.abort();
    let refused = false;
    for (let i = 0; i < 100 && !refused; i++) {
      refused = await request(`${d.url}/v1/Fleets/demo-fleet`).then(
        async (r) => (await r.body.dump(), false),
        () => true,
      );
      if (!refused) await new Promise((r) => setTimeout(r, 5));
    }
    expect(refused).toBe(true);
    await d.close(); // closing twice is harmless
  });
});
