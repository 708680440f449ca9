import { afterEach, describe, expect, it } from 'vitest';
import { BasicAuth, credentialsFromEnv, KoreOAuth, redact } from '../../src/cloud/auth.js';
import { SuperSimClient } from '../../src/cloud/supersim.js';
import { LpaError } from '../../src/errors.js';
import { startCloudDouble, type CloudDouble } from '../../src/sim/cloud/index.js';
import { expectNoSecrets, fastTiming, TINY } from './helpers.js';

const AC = `AC${'a1'.repeat(16)}`;
const SK = `SK${'b2'.repeat(16)}`;

describe('credentialsFromEnv', () => {
  it('reads Twilio account + token, API key + secret (preferred), and KORE', () => {
    expect(credentialsFromEnv({ TWILIO_ACCOUNT_SID: AC, TWILIO_AUTH_TOKEN: 'tok' })).toEqual({ kind: 'twilio', accountSid: AC, authToken: 'tok' });
    expect(credentialsFromEnv({ TWILIO_ACCOUNT_SID: AC, TWILIO_AUTH_TOKEN: 'tok', TWILIO_API_KEY: SK, TWILIO_API_SECRET: 'sec' })).toEqual({
      kind: 'twilio',
      accountSid: AC,
      apiKey: SK,
      apiSecret: 'sec',
    });
    expect(credentialsFromEnv({ KORE_CLIENT_ID: 'id', KORE_CLIENT_SECRET: 'ks', TWILIO_ACCOUNT_SID: AC, TWILIO_AUTH_TOKEN: 'x' })).toEqual({
      kind: 'kore',
      clientId: 'id',
      clientSecret: 'ks',
    });
    expect(credentialsFromEnv({ KORE_CLIENT_ID: 'id', KORE_CLIENT_SECRET: 'ks', TWILIO_ACCOUNT_SID: AC, TWILIO_AUTH_TOKEN: 'x' }, 'twilio').kind).toBe('twilio');
  });

  it('names what is missing or malformed, never the values', () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{}, /TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN/],
      [{ TWILIO_ACCOUNT_SID: AC, TWILIO_API_KEY: SK }, /TWILIO_API_SECRET/],
      [{ TWILIO_ACCOUNT_SID: 'ACnope', TWILIO_AUTH_TOKEN: 'secret-value-1' }, /Account SID must be/],
      [{ TWILIO_ACCOUNT_SID: AC, TWILIO_API_KEY: 'secret-value-1', TWILIO_API_SECRET: 'secret-value-2' }, /API key must be/],
      [{ KORE_CLIENT_ID: 'id', KORE_CLIENT_SECRET: '' }, /TWILIO_ACCOUNT_SID/],
    ];
    for (const [env, re] of cases) {
      const e = (() => {
        try {
          credentialsFromEnv(env);
        } catch (x) {
          return x as LpaError;
        }
        throw new Error('no error');
      })();
      expect(e.code).toBe('CONFIG_INVALID');
      expect(e.message).toMatch(re);
      expect(expectNoSecrets([e.message, JSON.stringify(e)], ['secret-value-1', 'secret-value-2'])).toEqual([]);
    }
    expect(() => credentialsFromEnv({ KORE_CLIENT_ID: 'id' }, 'kore')).toThrow(/KORE_CLIENT_SECRET/);
  });
});

describe('redact', () => {
  it('masks every occurrence, longest first, ignoring tiny strings', () => {
    expect(redact('token abcd1234 and abcd1234xyz', ['abcd1234', 'abcd1234xyz', 'ab'])).toBe('token [REDACTED] and [REDACTED]');
    expect(redact('nothing here', [undefined, ''])).toBe('nothing here');
  });

  it('BasicAuth lists the secret, the header and its base64 part as secrets', async () => {
    const a = new BasicAuth({ kind: 'twilio', accountSid: AC, authToken: 'the-token' });
    const header = await a.authorization();
    expect(header).toBe(`Basic ${Buffer.from(`${AC}:the-token`).toString('base64')}`);
    expect(a.secrets()).toEqual(expect.arrayContaining(['the-token', header, header.slice(6)]));
    expect(a.describe()).toBe(`Twilio account ${AC}`);
  });
});

describe('KORE OAuth2 client credentials against the double', () => {
  let double: CloudDouble | undefined;
  let client: SuperSimClient | undefined;
  afterEach(async () => {
    await client?.close();
    await double?.close();
  });

  it('caches the token, refreshes once after a 401 on an expired token', async () => {
    double = await startCloudDouble();
    const { clientId, clientSecret } = double.credentials.kore;
    client = new SuperSimClient({ credentials: { kind: 'kore', clientId, clientSecret }, baseUrl: double.url, tokenUrl: double.tokenUrl, timing: fastTiming(), backoff: TINY });
    const auth = client.auth as KoreOAuth;
    await client.fetchFleet('demo-fleet');
    await client.fetchFleet('demo-fleet');
    await client.listESimProfiles();
    expect(auth.tokensFetched).toBe(1);
    double.expireTokens();
    await client.fetchFleet('demo-fleet');
    expect(auth.tokensFetched).toBe(2);
    expect(double.requests.filter((r) => r.status === 401)).toHaveLength(1);
  });

  it('renews a token shortly before it expires', async () => {
    double = await startCloudDouble({ kore: { clientId: 'c1', clientSecret: 'kore-secret-1', tokenTtlSec: 1 } });
    let now = 0;
    const timing = { ...fastTiming(), now: () => now };
    const auth = new KoreOAuth({ kind: 'kore', clientId: 'c1', clientSecret: 'kore-secret-1' }, { tokenUrl: double.tokenUrl, timing });
    const t1 = await auth.authorization();
    now = 500;
    expect(await auth.authorization()).toBe(t1);
    now = 950; // within the renew margin (a tenth of 1 s)
    const t2 = await auth.authorization();
    expect(t2).not.toBe(t1);
    expect(auth.tokensFetched).toBe(2);
    expect(auth.secrets()).toEqual(['kore-secret-1', t2.slice('Bearer '.length)]);
  });

  it('reports refused client credentials as CLOUD_AUTH without the secret', async () => {
    double = await startCloudDouble();
    client = new SuperSimClient({
      credentials: { kind: 'kore', clientId: double.credentials.kore.clientId, clientSecret: 'wrong-secret-xyz' },
      baseUrl: double.url,
      tokenUrl: double.tokenUrl,
    });
    const e = (await client.fetchFleet('demo-fleet').catch((x) => x)) as LpaError;
    expect(e.code).toBe('CLOUD_AUTH');
    expect(e.message).toMatch(/KORE_CLIENT_ID and KORE_CLIENT_SECRET/);
    expect(expectNoSecrets([e.message, JSON.stringify(e), String(e.stack)], ['wrong-secret-xyz'])).toEqual([]);
  });

  it('reports a wrong Twilio token as CLOUD_AUTH without the token', async () => {
    double = await startCloudDouble();
    client = new SuperSimClient({ credentials: { kind: 'twilio', accountSid: double.credentials.accountSid, authToken: 'wrong-token-123' }, baseUrl: double.url });
    const e = (await client.listESimProfiles({ Eid: '89049032005008882600033489000001' }).catch((x) => x)) as LpaError;
    expect(e.code).toBe('CLOUD_AUTH');
    expect(e.message).toContain('TWILIO_AUTH_TOKEN');
    const basic = Buffer.from(`${double.credentials.accountSid}:wrong-token-123`).toString('base64');
    expect(expectNoSecrets([e.message, JSON.stringify(e), String(e.stack)], ['wrong-token-123', basic])).toEqual([]);
  });
});
