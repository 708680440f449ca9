// Shared loader for the captured download session (test/fixtures/vectors/es9p-download-session.json).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface Exchange {
  function: string;
  request: Record<string, string>;
  response: Record<string, unknown>;
}

export interface DownloadVector {
  euiccOneTimeKey: { curve: string; privateKeyPkcs8Pem: string; publicKeyUncompressed: string };
  bspKeyDerivation: {
    sharedSecret: string;
    keyType: number;
    keyLength: number;
    hostId: string;
    eid: string;
    sEnc: string;
    sMac: string;
    initialMcv: string;
  };
  es9p: Exchange[];
}

export const vector: DownloadVector = JSON.parse(
  readFileSync(fileURLToPath(new URL('../fixtures/vectors/es9p-download-session.json', import.meta.url)), 'utf8'),
) as DownloadVector;

export function b64(s: unknown): Uint8Array {
  return new Uint8Array(Buffer.from(String(s), 'base64'));
}

export function es9pResponse(fn: string): Record<string, unknown> {
  const e = vector.es9p.find((x) => x.function === fn);
  if (!e) throw new Error(`vector has no ${fn}`);
  return e.response;
}

export const vectorBpp = (): Uint8Array => b64(es9pResponse('getBoundProfilePackage').boundProfilePackage);
