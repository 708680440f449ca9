import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { BackendProvider, parseBackendAnswer, readTokenFile } from '../../src/cloud/backend.js';
import type { CloudProgress } from '../../src/cloud/types.js';
import { LpaError } from '../../src/errors.js';
import { EID, expectNoSecrets, fastTiming, TINY } from './helpers.js';

const TOKEN = 'backend-bearer-token-abcdef';
let server: Server | undefined;
let provider: BackendProvider | undefined;
let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lpa-backend-'));
});
afterEach(async () => {
  await provider?.close();
  provider = undefined;
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  server = undefined;
  await rm(dir, { recursive: true, force: true });
});

async function backend(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  server = createServer(handler);
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function tokenFile(mode: number, content = `${TOKEN}\n`): Promise<string> {
  const f = join(dir, 'token');
  await writeFile(f, content);
  await chmod(f, mode);
  return f;
}

const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

describe('BackendProvider', () => {
  it('waits through a not-ready phase (202, then 409 + Retry-After) and returns the address', async () => {
    const seen: { url: string; auth: string | undefined }[] = [];
    const base = await backend((req, res) => {
      seen.push({ url: req.url!, auth: req.headers.authorization });
      if (seen.length === 1) send(res, 202, { status: 'reserving' });
      else if (seen.length === 2) send(res, 409, { error: 'not ready' }, { 'retry-after': '2' });
      else send(res, 200, { smdpAddress: 'smdp.example.com', matchingId: 'ABCDE-12345', activationCode: '1$SMDP.EXAMPLE.COM$ABCDE-12345' });
    });
    const timing = fastTiming();
    provider = new BackendProvider({ urlTemplate: `${base}/devices/{eid}/esim?v=1`, tokenFile: await tokenFile(0o600), timing, backoff: TINY });
    const progress: CloudProgress[] = [];
    const address = await provider.getAddress(EID, { onProgress: (p) => progress.push(p) });
    expect(address).toEqual({ smdpAddress: 'smdp.example.com', matchingId: 'ABCDE-12345', activationCode: '1$SMDP.EXAMPLE.COM$ABCDE-12345' });
    expect(seen).toHaveLength(3);
    expect(seen[0]).toEqual({ url: `/devices/${EID}/esim?v=1`, auth: `Bearer ${TOKEN}` });
    expect(timing.sleeps).toContain(2000); // Retry-After honoured
    expect(progress.filter((p) => p.step === 'not-ready')).toHaveLength(2);
    expect(expectNoSecrets(progress.map((p) => p.message), [TOKEN])).toEqual([]);
  });

  it('gives up at the deadline with CLOUD_TIMEOUT', async () => {
    const base = await backend((_req, res) => send(res, 409, {}, { 'retry-after': '1' }));
    provider = new BackendProvider({ urlTemplate: `${base}/e/{eid}`, timing: fastTiming(), deadlineMs: 20 });
    await expect(provider.getAddress(EID)).rejects.toMatchObject({ code: 'CLOUD_TIMEOUT' });
  });

  it('maps 401, 404, 5xx and bad answers to typed errors without the token', async () => {
    let answer: [number, unknown] = [401, { message: `bad token ${TOKEN}` }];
    const base = await backend((_req, res) => send(res, answer[0], answer[1]));
    provider = new BackendProvider({ urlTemplate: `${base}/e/{eid}`, tokenFile: await tokenFile(0o400), timing: fastTiming(), backoff: TINY });
    const errors: LpaError[] = [];
    const grab = async (): Promise<LpaError> => {
      const e = (await provider!.getAddress(EID).catch((x) => x)) as LpaError;
      errors.push(e);
      return e;
    };
    expect((await grab()).code).toBe('CLOUD_AUTH');
    answer = [404, { message: 'unknown EID' }];
    expect((await grab()).code).toBe('CLOUD_NOT_FOUND');
    answer = [500, {}];
    expect((await grab()).code).toBe('CLOUD_HTTP');
    answer = [200, { smdpAddress: 'https://smdp.example.com/' }];
    expect((await grab()).code).toBe('CLOUD_BAD_RESPONSE');
    answer = [200, { smdpAddress: 'smdp.example.com', matchingId: 7 }];
    expect((await grab()).code).toBe('CLOUD_BAD_RESPONSE');
    const texts = errors.flatMap((e) => [e.message, JSON.stringify(e), String(e.stack)]);
    expect(expectNoSecrets(texts, [TOKEN])).toEqual([]);
  });

  it('refuses a token file readable by group or others, and bad templates', async () => {
    await expect(readTokenFile(await tokenFile(0o644))).rejects.toMatchObject({ code: 'CONFIG_INVALID', message: expect.stringContaining('chmod 600') });
    await expect(readTokenFile(await tokenFile(0o600, '\n'))).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    await expect(readTokenFile(join(dir, 'missing'))).rejects.toMatchObject({ code: 'CONFIG_INVALID' });
    expect(await readTokenFile(await tokenFile(0o600))).toBe(TOKEN);
    expect(() => new BackendProvider({ urlTemplate: 'https://x.example.com/esim' })).toThrow(/\{eid\}/);
    expect(() => new BackendProvider({ urlTemplate: 'ftp://x.example.com/{eid}' })).toThrow(LpaError);
  });

  it('validates answers', () => {
    expect(parseBackendAnswer({ smdpAddress: 'smdp.example.com:8443', iccid: '89883070000000000019', extra: 1 })).toEqual({
      smdpAddress: 'smdp.example.com:8443',
      iccid: '89883070000000000019',
    });
    for (const bad of [null, [], {}, { smdpAddress: '' }, { smdpAddress: 'a b' }, { smdpAddress: 'x.com', activationCode: 'has space' }, { smdpAddress: 'x.com', iccid: 'abc' }]) {
      expect(() => parseBackendAnswer(bad)).toThrow(LpaError);
    }
  });
});
