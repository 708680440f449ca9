/**
 * Types of the ES9+ client: functions, trace events, counters, options, requests and answers.
 * Binary fields are the exact DER bytes (sent as base64, received as decoded base64).
 */
import type { ErrorCode } from '../errors.js';
import type { EventEntry } from './body.js';
import type { SmdpAddress } from './address.js';
import type { HandshakeInfo } from './connector.js';
import type { ConnectToRule } from './connectTo.js';
import type { ProxySettings } from './proxy.js';
import type { ExecutionStatus } from './status.js';
import type { TrustStore } from './tls.js';

export type Es9Function =
  | 'initiateAuthentication'
  | 'authenticateClient'
  | 'getBoundProfilePackage'
  | 'handleNotification'
  | 'cancelSession';

export type Es9Event =
  | ({ type: 'tls-handshake' } & HandshakeInfo)
  | {
      type: 'request';
      function: Es9Function;
      method: 'POST';
      path: string;
      attempt: number;
      ms: number;
      status?: number;
      error?: ErrorCode;
      bytesSent: number;
      bytesReceived: number;
    }
  | { type: 'retry'; function: Es9Function; attempt: number; delayMs: number; reason: string };

export interface Es9Stats {
  /** New TLS connections completed. */
  tlsHandshakes: number;
  /** Connection attempts (successful or not). */
  connectAttempts: number;
  /** HTTPS requests sent (attempts, retries included). */
  requests: number;
  retries: number;
  bytesSent: number;
  bytesReceived: number;
}

export interface Es9ClientOptions {
  /** SM-DP+ address as given (host[:port]); also the smdpAddress sent in initiateAuthentication. */
  smdpAddress: string | SmdpAddress;
  /** Trust store to use; default built from `caFiles` + GSMA CI + system roots. */
  trust?: TrustStore;
  /** `--ca` files (used when `trust` is not given). */
  caFiles?: readonly string[];
  /** `--connect-to` rules or raw option values. */
  connectTo?: readonly (ConnectToRule | string)[];
  /** HTTP proxy (CONNECT) and its exemptions; absent: direct. TLS stays end to end. */
  proxy?: ProxySettings;
  /** Deadline for one request, connection included (headers and body), in ms. Default 30 000. */
  timeoutMs?: number;
  /** Deadline for TCP + TLS connect, in ms. Default 15 000. */
  connectTimeoutMs?: number;
  /** Retries of a retry-safe failure. Default 1. */
  maxRetries?: number;
  /** Pause before a retry, in ms. Default 500. */
  retryDelayMs?: number;
  /** X-Admin-Protocol header. Default gsma/rsp/v2.2.0. */
  adminProtocol?: string;
  /** How long an idle connection is kept for the next step, in ms (server hints may shorten it). Default 60 000. */
  keepAliveMs?: number;
  /** Trace hook: method, path, status, timings, sizes. Never bodies. */
  onEvent?: (event: Es9Event) => void;
}

export interface InitiateAuthenticationRequest {
  euiccChallenge: Uint8Array;
  euiccInfo1: Uint8Array;
  /** Defaults to the client's address; must name the same SM-DP+. Sent exactly as given. */
  smdpAddress?: string;
}
export interface InitiateAuthenticationResponse {
  transactionId: string;
  serverSigned1: Uint8Array;
  serverSignature1: Uint8Array;
  euiccCiPKIdToBeUsed: Uint8Array;
  serverCertificate: Uint8Array;
  executionStatus: ExecutionStatus;
}
export interface AuthenticateClientRequest {
  transactionId: string;
  authenticateServerResponse: Uint8Array;
}
export interface AuthenticateClientResponse {
  transactionId: string;
  profileMetadata: Uint8Array;
  smdpSigned2: Uint8Array;
  smdpSignature2: Uint8Array;
  smdpCertificate: Uint8Array;
  executionStatus: ExecutionStatus;
}
/** ES11 authenticateClient (SM-DS event retrieval): the pending events, possibly none. */
export interface AuthenticateClientEs11Response {
  transactionId: string;
  eventEntries: EventEntry[];
  /** Entries of the answer that could not be read (left out). */
  problems: string[];
  executionStatus: ExecutionStatus;
}
export interface GetBoundProfilePackageRequest {
  transactionId: string;
  prepareDownloadResponse: Uint8Array;
}
export interface GetBoundProfilePackageResponse {
  transactionId: string;
  boundProfilePackage: Uint8Array;
  executionStatus: ExecutionStatus;
}
export interface HandleNotificationRequest {
  pendingNotification: Uint8Array;
}
export interface CancelSessionRequest {
  transactionId: string;
  cancelSessionResponse: Uint8Array;
}
