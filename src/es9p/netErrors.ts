/**
 * Maps low-level socket, DNS, TLS-handshake and undici errors of an ES9+ exchange to LpaErrors.
 * Certificate verification errors are mapped by `certificateError` in tls.ts.
 */
import { LpaError, isLpaError } from '../errors.js';

export interface NetContext {
  /** SM-DP+ host as the user named it. */
  host: string;
  /** Where the traffic really went (after --connect-to), `host:port`. */
  target: string;
  /** ES9+ function, when the error belongs to a request. */
  function?: string;
  /** 'connect' when the request cannot have been sent yet. */
  phase: 'connect' | 'request';
}

const UNREACHABLE: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ENOTFOUND: 'host name not found (DNS)',
  EAI_AGAIN: 'temporary DNS failure',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  ENETDOWN: 'network is down',
  ECONNRESET: 'connection reset by the server',
  EPIPE: 'connection closed by the server',
  ECONNABORTED: 'connection aborted',
  ETIMEDOUT: 'connection timed out',
  UND_ERR_SOCKET: 'connection closed by the server',
  UND_ERR_CLOSED: 'connection closed',
};

function describe(err: unknown): { code?: string; message: string } {
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  return typeof code === 'string' ? { code, message } : { message };
}

/** Maps any non-HTTP failure of a connection or request; LpaErrors pass through unchanged. */
export function networkError(err: unknown, ctx: NetContext): LpaError {
  if (isLpaError(err)) return err;
  const { code, message } = describe(err);
  const where = ctx.target === ctx.host ? ctx.host : `${ctx.host} (via ${ctx.target})`;
  const details = {
    host: ctx.host,
    target: ctx.target,
    phase: ctx.phase,
    ...(ctx.function ? { function: ctx.function } : {}),
    ...(code ? { netCode: code } : {}),
  };
  if (code === 'UND_ERR_CONNECT_TIMEOUT') {
    return new LpaError('ES9_TIMEOUT', `could not connect to SM-DP+ ${where} in time`, details, { cause: err });
  }
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    const part = code === 'UND_ERR_HEADERS_TIMEOUT' ? 'an answer' : 'the rest of the answer';
    return new LpaError('ES9_TIMEOUT', `SM-DP+ ${where} did not send ${part} to ${ctx.function ?? 'the request'} in time`, details, {
      cause: err,
    });
  }
  if (code !== undefined && code in UNREACHABLE) {
    return new LpaError('NETWORK', `cannot reach SM-DP+ ${where}: ${UNREACHABLE[code]}`, details, { cause: err });
  }
  if (code !== undefined && (code.startsWith('ERR_SSL_') || code === 'ERR_TLS_HANDSHAKE_TIMEOUT' || code === 'EPROTO')) {
    return new LpaError(
      'NETWORK',
      `TLS handshake with SM-DP+ ${where} failed (is it an HTTPS server?): ${message}`,
      { ...details, tlsHandshake: true },
      { cause: err },
    );
  }
  if (/socket hang up|other side closed|client network socket disconnected/i.test(message)) {
    return new LpaError('NETWORK', `connection to SM-DP+ ${where} closed unexpectedly: ${message}`, details, { cause: err });
  }
  return new LpaError('NETWORK', `ES9+ exchange with SM-DP+ ${where} failed: ${message}`, details, { cause: err });
}
