/**
 * Status callbacks from the Super SIM API: signature schemes (Twilio `X-Twilio-Signature`, KORE
 * `kore-signature`) and a small listener on 127.0.0.1. A callback is only a hint: the listener
 * wakes whoever waits, who then re-fetches the resource; the body's fields are never trusted.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LpaError } from '../errors.js';
import { readBody } from '../util/httpBody.js';

export type SignedParams = Record<string, string | readonly string[]> | ReadonlyArray<readonly [string, string]>;

function pairs(params: SignedParams): [string, string][] {
  if (Array.isArray(params)) return params.map(([k, v]) => [k, v]);
  const out: [string, string][] = [];
  for (const [k, v] of Object.entries(params as Record<string, string | readonly string[]>)) {
    if (typeof v === 'string') out.push([k, v]);
    else for (const x of v) out.push([k, x]);
  }
  return out;
}

/**
 * Twilio: base64(HMAC-SHA1(auth token, full URL + each POST parameter name and value, names
 * sorted)). For GET callbacks pass no params (the query is part of the URL).
 */
export function twilioSignature(authToken: string, url: string, params: SignedParams = []): string {
  const sorted = pairs(params).sort(([a, av], [b, bv]) => (a < b ? -1 : a > b ? 1 : av < bv ? -1 : av > bv ? 1 : 0));
  let data = url;
  for (const [k, v] of sorted) data += k + v;
  return createHmac('sha1', authToken).update(data, 'utf8').digest('base64');
}

/** KORE: hex(SHA-256(secret + METHOD + URL without query and fragment + raw body)). */
export function koreSignature(secret: string, method: string, url: string, rawBody: string | Uint8Array): string {
  const u = new URL(url);
  const bare = `${u.origin}${u.pathname}`;
  return createHash('sha256')
    .update(secret + method.toUpperCase() + bare, 'utf8')
    .update(typeof rawBody === 'string' ? Buffer.from(rawBody, 'utf8') : rawBody)
    .digest('hex');
}

/** Constant-time string comparison (lengths are hidden by comparing digests). */
export function safeEqual(a: string, b: string): boolean {
  const da = createHash('sha256').update(a, 'utf8').digest();
  const db = createHash('sha256').update(b, 'utf8').digest();
  return timingSafeEqual(da, db) && a.length === b.length;
}

export function verifyTwilioSignature(authToken: string, url: string, params: SignedParams, signature: string | undefined): boolean {
  if (!signature) return false;
  return safeEqual(twilioSignature(authToken, url, params), signature);
}

export function verifyKoreSignature(
  secret: string,
  method: string,
  url: string,
  rawBody: string | Uint8Array,
  signature: string | undefined,
): boolean {
  if (!signature) return false;
  return safeEqual(koreSignature(secret, method, url, rawBody), signature.toLowerCase());
}

export type CallbackVerification =
  | { scheme: 'twilio'; authToken: string }
  | { scheme: 'kore'; secret: string }
  /** Accept unsigned callbacks (they only trigger a re-fetch, so a forgery costs one request). */
  | { scheme: 'none' };

export interface CallbackEvent {
  /** ESimProfile SID named by the callback, when it names one (a hint, not trusted). */
  sid?: string;
  status?: string;
}

export interface CallbackListener {
  /** The URL to give as CallbackUrl. */
  readonly url: string;
  /** Callbacks accepted and rejected so far. */
  readonly stats: { accepted: number; rejected: number };
  /**
   * Resolves true when a verified callback for `sid` (or one naming no SID) arrives within
   * `timeoutMs`, false on timeout. Rejects with INTERRUPTED when `signal` aborts.
   */
  waitFor(sid: string, timeoutMs: number, signal?: AbortSignal): Promise<boolean>;
  close(): Promise<void>;
}

export interface CallbackListenerOptions {
  verify: CallbackVerification;
  host?: string;
  /** 0 picks a free port. */
  port?: number;
  path?: string;
  /** URL the cloud calls when it differs from the local one (tunnel, proxy); signatures use it. */
  publicUrl?: string;
  onEvent?: (e: CallbackEvent) => void;
}

const MAX_BODY = 64 * 1024;
const SID_FIELDS = ['EsimProfileSid', 'ESimProfileSid', 'Sid', 'sid', 'esim_profile_sid'];

export async function startCallbackListener(opts: CallbackListenerOptions): Promise<CallbackListener> {
  const path = opts.path ?? '/supersim/callback';
  const stats = { accepted: 0, rejected: 0 };
  const waiters = new Set<{ sid: string; wake: () => void }>();
  const seen = new Set<string>();
  let publicUrl = opts.publicUrl ?? '';

  const server: Server = createServer((req, res) => {
    void (async () => {
      const body = await readBody(req, MAX_BODY, 'destroy');
      const reqUrl = new URL(req.url ?? '/', 'http://x');
      if (body === undefined) {
        res.writeHead(413).end();
        return;
      }
      if (reqUrl.pathname !== new URL(publicUrl).pathname || (req.method !== 'POST' && req.method !== 'GET')) {
        res.writeHead(404).end();
        return;
      }
      const fullUrl = `${new URL(publicUrl).origin}${req.url ?? ''}`;
      const raw = body.toString('utf8');
      const form = req.method === 'POST' ? new URLSearchParams(raw) : reqUrl.searchParams;
      let ok: boolean;
      if (opts.verify.scheme === 'twilio') {
        const sig = req.headers['x-twilio-signature'];
        const params = req.method === 'POST' ? [...form.entries()] : [];
        ok = verifyTwilioSignature(opts.verify.authToken, fullUrl, params, typeof sig === 'string' ? sig : undefined);
      } else if (opts.verify.scheme === 'kore') {
        const sig = req.headers['kore-signature'];
        ok = verifyKoreSignature(opts.verify.secret, req.method, fullUrl, body, typeof sig === 'string' ? sig : undefined);
      } else ok = true;
      if (!ok) {
        stats.rejected++;
        res.writeHead(403, { 'content-type': 'text/plain' }).end('bad signature');
        return;
      }
      stats.accepted++;
      let sid: string | undefined;
      if (req.headers['content-type']?.includes('json')) {
        try {
          const j = JSON.parse(raw) as Record<string, unknown>;
          for (const f of SID_FIELDS) if (typeof j[f] === 'string') sid ??= j[f] as string;
        } catch {
          /* a hint only */
        }
      }
      for (const f of SID_FIELDS) sid ??= form.get(f) ?? undefined;
      const status = form.get('Status') ?? form.get('status') ?? undefined;
      const ev: CallbackEvent = {};
      if (sid && /^HP[0-9a-fA-F]{32}$/.test(sid)) ev.sid = sid;
      if (status && status.length < 40) ev.status = status;
      opts.onEvent?.(ev);
      if (ev.sid) seen.add(ev.sid);
      for (const w of [...waiters]) if (!ev.sid || w.sid === ev.sid) w.wake();
      res.writeHead(204).end();
    })();
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', (e) =>
      reject(new LpaError('CONFIG_INVALID', `callback listener cannot listen: ${(e as Error).message}`, {}, { cause: e })),
    );
    server.listen(opts.port ?? 0, opts.host ?? '127.0.0.1', () => resolve());
  });
  const addr = server.address() as AddressInfo;
  if (!publicUrl) publicUrl = `http://${addr.address}:${addr.port}${path}`;

  return {
    url: publicUrl,
    stats,
    waitFor(sid, timeoutMs, signal) {
      if (seen.delete(sid)) return Promise.resolve(true);
      return new Promise((resolve, reject) => {
        const done = (v: boolean | LpaError): void => {
          clearTimeout(timer);
          waiters.delete(w);
          signal?.removeEventListener('abort', onAbort);
          if (v instanceof LpaError) reject(v);
          else resolve(v);
        };
        const w = { sid, wake: () => done(true) };
        const onAbort = (): void => done(new LpaError('INTERRUPTED', 'waiting for a callback interrupted'));
        const timer = setTimeout(() => done(false), Math.max(0, timeoutMs));
        waiters.add(w);
        if (signal?.aborted) onAbort();
        else signal?.addEventListener('abort', onAbort, { once: true });
      });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const w of [...waiters]) w.wake();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
