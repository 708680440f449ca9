import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { readBody, type BodyOverflow } from '../../src/util/httpBody.js';

/** A server on 127.0.0.1 answering 200 with the body's length, or 413 when readBody gives undefined. */
async function serve(max: number, overflow: BodyOverflow): Promise<Server> {
  const server = createServer((req, res) => {
    void readBody(req, max, overflow).then((body) => {
      if (body === undefined) res.writeHead(413).end();
      else res.writeHead(200).end(String(body.length));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return server;
}

function post(server: Server, body: Buffer): Promise<{ status: number; text: string } | Error> {
  const { port } = server.address() as AddressInfo;
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', resolve);
    });
    req.on('error', resolve);
    req.end(body);
  });
}

describe('readBody', () => {
  let server: Server | undefined;
  afterEach(async () => {
    await new Promise((r) => server?.close(r) ?? r(undefined));
    server = undefined;
  });

  it('returns a body up to the limit, byte for byte', async () => {
    server = await serve(1000, 'drain');
    expect(await post(server, Buffer.alloc(1000, 0x41))).toEqual({ status: 200, text: '1000' });
    expect(await post(server, Buffer.alloc(0))).toEqual({ status: 200, text: '0' });
  });

  it('drain: a larger body is read to its end and answered 413', async () => {
    server = await serve(1000, 'drain');
    expect(await post(server, Buffer.alloc(200_000, 0x41))).toEqual({ status: 413, text: '' });
  });

  it('destroy: a larger body ends the connection (or a 413 gets out first)', async () => {
    server = await serve(1000, 'destroy');
    const r = await post(server, Buffer.alloc(200_000, 0x41));
    if (!(r instanceof Error)) expect(r.status).toBe(413);
    expect(await post(server, Buffer.alloc(10))).toEqual({ status: 200, text: '10' });
  });
});
