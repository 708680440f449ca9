import { describe, expect, it } from 'vitest';
import { LpaError } from '../../src/errors.js';
import { networkError } from '../../src/es9p/netErrors.js';

const ctx = { host: 'rsp.example.com', target: '127.0.0.1:8443', function: 'getBoundProfilePackage', phase: 'request' as const };
const err = (code: string, message = code) => Object.assign(new Error(message), { code });

describe('networkError', () => {
  it.each([
    ['ENOTFOUND', 'NETWORK', 'host name not found (DNS)'],
    ['EAI_AGAIN', 'NETWORK', 'temporary DNS failure'],
    ['ECONNREFUSED', 'NETWORK', 'connection refused'],
    ['ECONNRESET', 'NETWORK', 'connection reset'],
    ['UND_ERR_SOCKET', 'NETWORK', 'connection closed by the server'],
    ['UND_ERR_HEADERS_TIMEOUT', 'ES9_TIMEOUT', 'did not send an answer to getBoundProfilePackage'],
    ['UND_ERR_BODY_TIMEOUT', 'ES9_TIMEOUT', 'the rest of the answer'],
    ['UND_ERR_CONNECT_TIMEOUT', 'ES9_TIMEOUT', 'could not connect'],
    ['ERR_SSL_WRONG_VERSION_NUMBER', 'NETWORK', 'TLS handshake'],
    ['EWHATEVER', 'NETWORK', 'failed'],
  ])('%s -> %s', (code, expected, text) => {
    const e = networkError(err(code), ctx);
    expect(e.code).toBe(expected);
    expect(e.message).toContain(text);
    expect(e.message).toContain('rsp.example.com (via 127.0.0.1:8443)');
    expect(e.details).toMatchObject({ host: 'rsp.example.com', target: '127.0.0.1:8443', phase: 'request', netCode: code });
    expect(e.cause).toBeInstanceOf(Error);
  });

  it('keeps LpaErrors and copes with non-errors', () => {
    const mine = new LpaError('TLS_UNTRUSTED', 'x');
    expect(networkError(mine, ctx)).toBe(mine);
    expect(networkError('boom', { ...ctx, target: ctx.host }).message).toBe('ES9+ exchange with SM-DP+ rsp.example.com failed: boom');
  });
});
