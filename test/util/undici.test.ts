import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Agent, Client, request } from '../../src/util/undici.js';

// undici's Client, Agent and request loaded from its own modules (src/util/undici.ts)
describe('undici without its main entry', () => {
  let server: Server;
  let base: string;
  const seen: string[] = [];
  beforeAll(async () => {
    server = createServer((req, res) => {
      seen.push(`${req.method} ${req.url}`);
      res.end(`ok ${req.url}`);
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it('request goes through the given dispatcher, or a default Agent, with path and query', async () => {
    const agent = new Agent();
    const a = await request(`${base}/x/y?q=1&r=2`, { dispatcher: agent });
    expect(await a.body.text()).toBe('ok /x/y?q=1&r=2');
    const b = await request(new URL(`${base}/z`), { method: 'POST', body: 'b' });
    expect(b.statusCode).toBe(200);
    await b.body.dump();
    expect(seen.slice(-2)).toEqual(['GET /x/y?q=1&r=2', 'POST /z']);
    await agent.close();
  });

  it('a Client has the request API', async () => {
    const client = new Client(base);
    const r = await client.request({ method: 'GET', path: '/c' });
    expect(await r.body.text()).toBe('ok /c');
    await client.close();
  });
});
