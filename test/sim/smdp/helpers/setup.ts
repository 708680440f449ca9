/** Starts the local SM-DP+ and an Es9Client pointed at it over real TLS on 127.0.0.1. */
import { request } from 'node:https';
import { readFileSync } from 'node:fs';
import { Es9Client } from '../../../../src/es9p/client.js';
import { createTrustStore } from '../../../../src/es9p/tls.js';
import { startSmdp, type SmdpOptions, type SmdpServer } from '../../../../src/sim/smdp/server.js';

export interface Harness {
  smdp: SmdpServer;
  client: Es9Client;
  close(): Promise<void>;
}

export async function startHarness(options: SmdpOptions = {}): Promise<Harness> {
  const smdp = await startSmdp(options);
  const trust = createTrustStore({ caFiles: [smdp.caFile], system: false });
  const client = new Es9Client({ smdpAddress: smdp.address, trust, connectTo: [smdp.connectTo], retryDelayMs: 10, maxRetries: 0 });
  return {
    smdp,
    client,
    async close() {
      await client.close();
      await smdp.close();
    },
  };
}

export interface RawAnswer {
  status: number;
  contentType: string;
  text: string;
  json?: Record<string, unknown>;
}

/** A raw HTTPS POST to the SM-DP+ (for inputs the real client never sends). */
export function postRaw(smdp: SmdpServer, path: string, body: string, headers: Record<string, string> = { 'Content-Type': 'application/json' }, method = 'POST'): Promise<RawAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port: smdp.port, servername: 'testsmdpplus1.example.com', ca: readFileSync(smdp.caFile, 'utf8'), method, path, headers, agent: false },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Record<string, unknown> | undefined;
          try {
            json = text ? (JSON.parse(text) as Record<string, unknown>) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, contentType: String(res.headers['content-type'] ?? ''), text, ...(json ? { json } : {}) });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}
