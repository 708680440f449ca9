import { request } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import {
  koreSignature,
  safeEqual,
  startCallbackListener,
  twilioSignature,
  verifyKoreSignature,
  verifyTwilioSignature,
  type CallbackListener,
} from '../../src/cloud/callbacks.js';

const VECTOR = {
  url: 'https://mycompany.com/myapp.php?foo=1&bar=2',
  token: '12345',
  params: {
    CallSid: 'CA1234567890ABCDE',
    Caller: '+12349013030',
    Digits: '1234',
    From: '+12349013030',
    To: '+18005551212',
  },
  signature: '0/KCTR6DLpKmkAf8muzZqo1nDgQ=',
};

describe('Twilio X-Twilio-Signature', () => {
  it('matches the known vector', () => {
    expect(twilioSignature(VECTOR.token, VECTOR.url, VECTOR.params)).toBe(VECTOR.signature);
  });

  it('sorts parameter names whatever order they come in', () => {
    const reversed = Object.entries(VECTOR.params).reverse();
    expect(twilioSignature(VECTOR.token, VECTOR.url, reversed)).toBe(VECTOR.signature);
  });

  it('accepts the right signature and rejects tampering', () => {
    expect(verifyTwilioSignature(VECTOR.token, VECTOR.url, VECTOR.params, VECTOR.signature)).toBe(true);
    expect(verifyTwilioSignature('54321', VECTOR.url, VECTOR.params, VECTOR.signature)).toBe(false);
    expect(verifyTwilioSignature(VECTOR.token, VECTOR.url, { ...VECTOR.params, Digits: '1235' }, VECTOR.signature)).toBe(false);
    expect(verifyTwilioSignature(VECTOR.token, `${VECTOR.url}&x=1`, VECTOR.params, VECTOR.signature)).toBe(false);
    expect(verifyTwilioSignature(VECTOR.token, VECTOR.url, VECTOR.params, undefined)).toBe(false);
    expect(verifyTwilioSignature(VECTOR.token, VECTOR.url, VECTOR.params, '')).toBe(false);
  });
});

describe('KORE kore-signature', () => {
  // sha256("topsecret" + "POST" + "https://device.example.com/hooks/esim" + body), computed with sha256sum
  const golden = '4c66b908d1097267f91a0744e836f7fe76857e36c3bdee19b60f81234fcc19f9';
  const body = 'Status=available&Sid=HPabc';

  it('hashes secret + METHOD + URL without query and fragment + raw body', () => {
    expect(koreSignature('topsecret', 'post', 'https://device.example.com/hooks/esim?x=1#frag', body)).toBe(golden);
    expect(koreSignature('topsecret', 'POST', 'https://device.example.com/hooks/esim', Buffer.from(body))).toBe(golden);
  });

  it('verifies in constant time, any hex case', () => {
    expect(verifyKoreSignature('topsecret', 'POST', 'https://device.example.com/hooks/esim', body, golden.toUpperCase())).toBe(true);
    expect(verifyKoreSignature('topsecret', 'POST', 'https://device.example.com/hooks/esim', `${body}x`, golden)).toBe(false);
    expect(verifyKoreSignature('other', 'POST', 'https://device.example.com/hooks/esim', body, golden)).toBe(false);
    expect(verifyKoreSignature('topsecret', 'GET', 'https://device.example.com/hooks/esim', body, golden)).toBe(false);
  });

  it('safeEqual compares whole strings of any length', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('', '')).toBe(true);
  });
});

describe('callback listener', () => {
  let listener: CallbackListener | undefined;
  afterEach(async () => {
    await listener?.close();
    listener = undefined;
  });

  const sid = `HP${'a'.repeat(32)}`;

  it('wakes the waiter on a valid Twilio-signed POST and rejects a forged one', async () => {
    listener = await startCallbackListener({ verify: { scheme: 'twilio', authToken: 'tok-12345678' } });
    expect(listener.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/supersim\/callback$/);
    const params = { EsimProfileSid: sid, Status: 'available' };
    const body = new URLSearchParams(params).toString();

    const forged = await request(listener.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature('wrong', listener.url, params) },
      body,
    });
    await forged.body.dump();
    expect(forged.statusCode).toBe(403);
    expect(listener.stats).toEqual({ accepted: 0, rejected: 1 });

    const waiting = listener.waitFor(sid, 10_000);
    const ok = await request(listener.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-twilio-signature': twilioSignature('tok-12345678', listener.url, params) },
      body,
    });
    await ok.body.dump();
    expect(ok.statusCode).toBe(204);
    await expect(waiting).resolves.toBe(true);
  });

  it('accepts a KORE-signed GET, remembers a callback that came before the wait, and times out otherwise', async () => {
    listener = await startCallbackListener({ verify: { scheme: 'kore', secret: 'kore-secret' } });
    const url = `${listener.url}?EsimProfileSid=${sid}&Status=available`;
    const res = await request(url, { method: 'GET', headers: { 'kore-signature': koreSignature('kore-secret', 'GET', url, '') } });
    await res.body.dump();
    expect(res.statusCode).toBe(204);
    await expect(listener.waitFor(sid, 10_000)).resolves.toBe(true);
    await expect(listener.waitFor(sid, 5)).resolves.toBe(false);
  });

  it('rejects oversized bodies and unknown paths without crashing', async () => {
    listener = await startCallbackListener({ verify: { scheme: 'none' } });
    const big = await request(listener.url, { method: 'POST', body: 'x'.repeat(70_000) }).catch((e: Error) => e);
    if (!(big instanceof Error)) {
      await big.body.dump();
      expect(big.statusCode).toBe(413);
    }
    const other = await request(listener.url.replace('/supersim/callback', '/elsewhere'), { method: 'POST', body: '' });
    await other.body.dump();
    expect(other.statusCode).toBe(404);
  });
});
