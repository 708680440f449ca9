/**
 * ES9+ client (SGP.22 LPA <-> SM-DP+ over HTTPS/JSON), one per SM-DP+ address.
 *
 * One undici `Client` = one keep-alive TLS connection reused for the whole download; the custom
 * connector applies `--connect-to`, the ES9+ trust store and SNI on the SM-DP+'s name, and counts
 * handshakes; `preconnect()` opens that connection ahead of the first request (warmDial.ts).
 * Binary fields go out as base64 of the DER given and come back as the exact bytes
 * received (never re-encoded). Every answer's functionExecutionStatus is checked.
 *
 * Retries: a failure while connecting (before any byte of the request left) is retried for every
 * function, except certificate and TLS-handshake refusals. A connection lost after the request may
 * have reached the server is retried only for initiateAuthentication and handleNotification, which
 * are safe to repeat; never for authenticateClient, getBoundProfilePackage or cancelSession.
 */
import { Client } from '../util/undici.js';
import { LpaError, isLpaError, type ErrorCode } from '../errors.js';
import { parseSmdpAddress, sameSmdpAddress, type SmdpAddress } from './address.js';
import { base64Field, eventEntriesField, parseJsonObject, readBounded, summarizeBody, toBase64, transactionIdField } from './body.js';
import { createConnector } from './connector.js';
import { LARGE_ANSWER_BYTES, parseWithLargeField } from './largeField.js';
import { formatTarget, parseConnectTo, resolveConnectTo } from './connectTo.js';
import { networkError } from './netErrors.js';
import { checkExecutionStatus, type ExecutionStatus } from './status.js';
import { createTrustStore } from './tls.js';
import { warmDial, type WarmDial } from './warmDial.js';
import type {
  AuthenticateClientEs11Response,
  AuthenticateClientRequest,
  AuthenticateClientResponse,
  CancelSessionRequest,
  Es9ClientOptions,
  Es9Event,
  Es9Function,
  Es9Stats,
  GetBoundProfilePackageRequest,
  GetBoundProfilePackageResponse,
  HandleNotificationRequest,
  InitiateAuthenticationRequest,
  InitiateAuthenticationResponse,
} from './types.js';

export type * from './types.js';

export const ES9_PATH_PREFIX = '/gsma/rsp2/es9plus/';
export const DEFAULT_ADMIN_PROTOCOL = 'gsma/rsp/v2.2.0';

/** Functions safe to send again after the request may have reached the server. */
const REPEATABLE: ReadonlySet<Es9Function> = new Set(['initiateAuthentication', 'handleNotification']);

interface Answer {
  status: number;
  raw: Buffer;
}

export class Es9Client {
  readonly address: SmdpAddress;
  private readonly client: InstanceType<typeof Client>;
  private readonly warm: WarmDial;
  private readonly opts: Required<Pick<Es9ClientOptions, 'timeoutMs' | 'maxRetries' | 'retryDelayMs' | 'adminProtocol'>>;
  private readonly onEvent: ((e: Es9Event) => void) | undefined;
  private readonly counters: Es9Stats = { tlsHandshakes: 0, connectAttempts: 0, requests: 0, retries: 0, bytesSent: 0, bytesReceived: 0 };
  private closed = false;
  /** Where connections really go (`host:port` after --connect-to), for messages. */
  private readonly target: string;

  constructor(options: Es9ClientOptions) {
    this.address = typeof options.smdpAddress === 'string' ? parseSmdpAddress(options.smdpAddress) : options.smdpAddress;
    const trust = options.trust ?? createTrustStore({ caFiles: options.caFiles ?? [] });
    const rules = (options.connectTo ?? []).map((r) => (typeof r === 'string' ? parseConnectTo(r) : r));
    this.opts = {
      timeoutMs: options.timeoutMs ?? 30_000,
      maxRetries: options.maxRetries ?? 1,
      retryDelayMs: options.retryDelayMs ?? 500,
      adminProtocol: options.adminProtocol ?? DEFAULT_ADMIN_PROTOCOL,
    };
    this.onEvent = options.onEvent;
    const to = resolveConnectTo(rules, this.address.host, this.address.port);
    this.target = formatTarget(to);
    const keepAlive = options.keepAliveMs ?? 60_000;
    const connector = createConnector({
      host: this.address.host,
      port: this.address.port,
      trust,
      connectTo: rules,
      ...(options.proxy ? { proxy: options.proxy } : {}),
      connectTimeoutMs: options.connectTimeoutMs ?? 15_000,
      onConnectAttempt: () => {
        this.counters.connectAttempts += 1;
      },
      onHandshake: (info) => {
        this.counters.tlsHandshakes += 1;
        this.emit({ type: 'tls-handshake', ...info });
      },
    });
    const { host, port } = this.address;
    this.warm = warmDial(connector, { hostname: host, host: this.address.authority, protocol: 'https:', port: String(port), servername: host });
    this.client = new Client(`https://${this.address.authority}`, {
      connect: this.warm.connector,
      pipelining: 1,
      keepAliveTimeout: keepAlive,
      keepAliveMaxTimeout: Math.max(keepAlive, 120_000),
      headersTimeout: this.opts.timeoutMs,
      bodyTimeout: this.opts.timeoutMs,
    });
  }

  /**
   * Opens the connection now (DNS, TCP, TLS) so the first request finds it ready: call it as soon
   * as the SM-DP+ is known, before slow local work. A failure here is not reported: the first
   * request connects again and reports its own.
   */
  preconnect(): void {
    if (!this.closed) this.warm.preconnect();
  }

  /** Counters for the trace and the bench. */
  stats(): Es9Stats {
    return { ...this.counters };
  }

  async initiateAuthentication(req: InitiateAuthenticationRequest): Promise<InitiateAuthenticationResponse> {
    const fn = 'initiateAuthentication';
    const smdpAddress = req.smdpAddress ?? this.address.value;
    if (req.smdpAddress !== undefined && !sameSmdpAddress(parseSmdpAddress(req.smdpAddress), this.address)) {
      throw new LpaError('INVALID_ADDRESS', `${fn}: smdpAddress ${req.smdpAddress} is not the SM-DP+ this client talks to (${this.address.value})`, {
        function: fn,
      });
    }
    const body = await this.exchange(fn, {
      euiccChallenge: toBase64(req.euiccChallenge),
      euiccInfo1: toBase64(req.euiccInfo1),
      smdpAddress,
    });
    const executionStatus = checkExecutionStatus(body, fn);
    return {
      transactionId: transactionIdField(body, fn),
      serverSigned1: base64Field(body, 'serverSigned1', fn),
      serverSignature1: base64Field(body, 'serverSignature1', fn),
      euiccCiPKIdToBeUsed: base64Field(body, 'euiccCiPKIdToBeUsed', fn, ['euiccCiPKIdTobeUsed']),
      serverCertificate: base64Field(body, 'serverCertificate', fn),
      executionStatus,
    };
  }

  async authenticateClient(req: AuthenticateClientRequest): Promise<AuthenticateClientResponse> {
    const fn = 'authenticateClient';
    const body = await this.exchange(fn, {
      transactionId: req.transactionId,
      authenticateServerResponse: toBase64(req.authenticateServerResponse),
    });
    const executionStatus = checkExecutionStatus(body, fn);
    return {
      transactionId: transactionIdField(body, fn, req.transactionId),
      profileMetadata: base64Field(body, 'profileMetadata', fn),
      smdpSigned2: base64Field(body, 'smdpSigned2', fn),
      smdpSignature2: base64Field(body, 'smdpSignature2', fn),
      smdpCertificate: base64Field(body, 'smdpCertificate', fn),
      executionStatus,
    };
  }

  /**
   * ES11 authenticateClient, to an SM-DS: the same request and path as ES9+ (real SM-DSs answer
   * there), the answer lists the EID's pending events instead of profile metadata.
   */
  async authenticateClientEs11(req: AuthenticateClientRequest): Promise<AuthenticateClientEs11Response> {
    const fn = 'authenticateClient';
    const body = await this.exchange(fn, {
      transactionId: req.transactionId,
      authenticateServerResponse: toBase64(req.authenticateServerResponse),
    });
    const executionStatus = checkExecutionStatus(body, fn);
    const { entries, problems } = eventEntriesField(body, fn);
    return { transactionId: transactionIdField(body, fn, req.transactionId), eventEntries: entries, problems, executionStatus };
  }

  async getBoundProfilePackage(req: GetBoundProfilePackageRequest): Promise<GetBoundProfilePackageResponse> {
    const fn = 'getBoundProfilePackage';
    const payload = { transactionId: req.transactionId, prepareDownloadResponse: toBase64(req.prepareDownloadResponse) };
    // a large package is decoded from the raw answer, without the JSON text and field as strings
    let large: ReturnType<typeof parseWithLargeField>;
    const body = await this.exchange(fn, payload, (raw) => {
      large = raw.length >= LARGE_ANSWER_BYTES ? parseWithLargeField(raw, 'boundProfilePackage') : undefined;
      return large?.body;
    });
    const executionStatus = checkExecutionStatus(body, fn);
    return {
      transactionId: transactionIdField(body, fn, req.transactionId),
      boundProfilePackage: large?.value ?? base64Field(body, 'boundProfilePackage', fn),
      executionStatus,
    };
  }

  /**
   * Delivers one pending notification; resolves when the SM-DP+ accepted it: 204, an empty 2xx, or
   * a JSON object without a failure status. A body that is not JSON is not an acceptance
   * (ES9_BAD_RESPONSE: a proxy's or portal's page); a JSON Failed status is ES9_FAILED (refused).
   */
  async handleNotification(req: HandleNotificationRequest): Promise<void> {
    const fn = 'handleNotification';
    const answer = await this.send(fn, { pendingNotification: toBase64(req.pendingNotification) });
    if (answer.raw.length === 0 || answer.status === 204) return;
    // SGP.22 defines no body here; an object without a header is fine, a failure status is not
    const body = parseJsonObject(answer.raw, fn, answer.status);
    if (body.header !== undefined) checkExecutionStatus(body, fn);
  }

  /** Sends the eUICC's signed CancelSession answer so the SM-DP+ can release the profile. */
  async cancelSession(req: CancelSessionRequest): Promise<ExecutionStatus> {
    const fn = 'cancelSession';
    const body = await this.exchange(fn, {
      transactionId: req.transactionId,
      cancelSessionResponse: toBase64(req.cancelSessionResponse),
    });
    return checkExecutionStatus(body, fn);
  }

  /** Closes the connection (waiting for a request in flight). Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.warm.discard();
    await this.client.close();
  }

  private emit(e: Es9Event): void {
    if (!this.onEvent) return;
    try {
      this.onEvent(e);
    } catch {
      // A broken trace hook must not break a download.
    }
  }

  /** Sends and parses a JSON answer (`parse` first, when given: undefined means the ordinary way). */
  private async exchange(fn: Es9Function, payload: Record<string, string>, parse?: (raw: Buffer) => Record<string, unknown> | undefined): Promise<Record<string, unknown>> {
    const answer = await this.send(fn, payload);
    if (answer.raw.length === 0) {
      throw new LpaError('ES9_BAD_RESPONSE', `${fn}: the SM-DP+ answered HTTP ${answer.status} with no body`, { function: fn, httpStatus: answer.status });
    }
    return parse?.(answer.raw) ?? parseJsonObject(answer.raw, fn, answer.status);
  }

  /** Sends one request with the retry policy; returns a 2xx answer or throws. */
  private async send(fn: Es9Function, payload: Record<string, string>): Promise<Answer> {
    if (this.closed) throw new LpaError('NETWORK', `${fn}: the ES9+ client for ${this.address.value} is closed`, { function: fn });
    const json = JSON.stringify(payload);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.attempt(fn, json, attempt);
      } catch (e) {
        const err = e as LpaError;
        if (attempt > this.opts.maxRetries || !this.retryable(fn, err)) throw err;
        this.counters.retries += 1;
        this.emit({ type: 'retry', function: fn, attempt, delayMs: this.opts.retryDelayMs, reason: err.message });
        await new Promise((r) => setTimeout(r, this.opts.retryDelayMs));
      }
    }
  }

  private retryable(fn: Es9Function, err: LpaError): boolean {
    if (err.details.tlsHandshake === true || err.code === 'TLS_UNTRUSTED') return false;
    if (err.details.phase === 'connect') return err.code === 'NETWORK' || err.code === 'ES9_TIMEOUT';
    return REPEATABLE.has(fn) && err.code === 'NETWORK' && err.details.phase === 'request';
  }

  private async attempt(fn: Es9Function, json: string, attempt: number): Promise<Answer> {
    const path = `${ES9_PATH_PREFIX}${fn}`;
    const started = performance.now();
    const bytesSent = Buffer.byteLength(json);
    const deadline = new AbortController();
    const timer = setTimeout(() => {
      deadline.abort(
        new LpaError('ES9_TIMEOUT', `SM-DP+ ${this.address.value} did not complete ${fn} within ${this.opts.timeoutMs} ms`, {
          function: fn,
          phase: 'request',
          timeoutMs: this.opts.timeoutMs,
        }),
      );
    }, this.opts.timeoutMs);
    let status: number | undefined;
    let received = 0;
    this.counters.requests += 1;
    this.counters.bytesSent += bytesSent;
    try {
      const res = await this.client.request({
        method: 'POST',
        path,
        headers: {
          'Content-Type': 'application/json',
          'X-Admin-Protocol': this.opts.adminProtocol,
          'User-Agent': 'gsma-rsp-lpad',
        },
        body: json,
        signal: deadline.signal,
      });
      status = res.statusCode;
      let raw: Buffer;
      try {
        raw = await readBounded(res.body, fn, undefined, Number(res.headers['content-length']));
      } catch (e) {
        res.body.destroy();
        throw e;
      }
      received = raw.length;
      this.counters.bytesReceived += raw.length;
      if (status < 200 || status > 299) throw this.httpError(fn, status, String(res.headers['content-type'] ?? ''), raw);
      this.emitRequest(fn, path, attempt, started, bytesSent, received, status);
      return { status, raw };
    } catch (e) {
      const err = isLpaError(e) ? e : networkError(e, { host: this.address.host, target: this.target, function: fn, phase: 'request' });
      err.details.function ??= fn;
      this.emitRequest(fn, path, attempt, started, bytesSent, received, status, err.code);
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  private emitRequest(fn: Es9Function, path: string, attempt: number, started: number, bytesSent: number, bytesReceived: number, status?: number, error?: ErrorCode): void {
    this.emit({
      type: 'request',
      function: fn,
      method: 'POST',
      path,
      attempt,
      ms: Math.round(performance.now() - started),
      bytesSent,
      bytesReceived,
      ...(status !== undefined ? { status } : {}),
      ...(error !== undefined ? { error } : {}),
    });
  }

  /** A non-2xx answer: an ES9+ failure when it carries one, else ES9_HTTP with a one-line summary. */
  private httpError(fn: Es9Function, status: number, contentType: string, raw: Buffer): LpaError {
    const text = raw.toString('utf8');
    if (/json/i.test(contentType) || text.trimStart().startsWith('{')) {
      try {
        const body = parseJsonObject(raw, fn, status);
        checkExecutionStatus(body, fn, status);
      } catch (e) {
        if (isLpaError(e) && (e.code === 'ES9_FAILED' || e.code === 'PROFILE_ALREADY_DOWNLOADED')) return e;
      }
    }
    const summary = summarizeBody(text);
    return new LpaError('ES9_HTTP', `SM-DP+ ${this.address.value} answered ${fn} with HTTP ${status}: ${summary}`, {
      function: fn,
      httpStatus: status,
      ...(contentType ? { contentType } : {}),
    });
  }
}
