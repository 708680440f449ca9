import { LpaError } from '../errors.js';
import { credentialsFromEnv } from '../cloud/auth.js';
import { BackendProvider } from '../cloud/backend.js';
import { SuperSimProvider } from '../cloud/reserve.js';
import { SuperSimClient } from '../cloud/supersim.js';
import type { CloudNetwork } from '../cloud/http.js';
import type { AddressProvider } from '../cloud/types.js';
import type { DeviceInfo } from '../es10/authenticateServer.js';
import type { Es10Client } from '../es10/client.js';
import type { Es9Pool } from '../lpa/es9.js';
import { SmdsProvider } from './smds.js';

export type CloudKind = 'twilio' | 'kore' | 'backend' | 'smds';

/** What the SM-DS provider needs of the device: the eUICC authenticates to the SM-DS itself. */
export interface LpaAccess {
  es10: Es10Client;
  pool: Es9Pool;
  deviceInfo?: () => Promise<DeviceInfo>;
}

export interface CloudSettings {
  cloud?: CloudKind;
  /** Base URL override (regions, the local double). */
  cloudUrl?: string;
  fleet?: string;
  /** Maker backend URL template with {eid}. */
  backendUrl?: string;
  backendTokenFile?: string;
  /** Overall wait for the profile to become available (ms). */
  deadlineMs?: number;
  /** Extra roots (`--ca`) and the HTTP proxy; TLS is always verified. */
  network?: CloudNetwork;
  /** Request lines (method, path, status; never bodies or credentials) for --trace and -v. */
  trace?: (line: string) => void;
  /** `cloud: smds`: the SM-DS to poll (default the eUICC's root SM-DS). */
  smds?: string;
}

export interface OpenedProvider {
  kind: CloudKind;
  provider: AddressProvider;
  close(): Promise<void>;
}

/**
 * Builds the address provider the configuration asks for. Without an explicit `cloud`, a backend
 * URL means the maker backend, and Super SIM credentials in the environment mean Twilio or KORE.
 * Secrets come from `env` only (TWILIO_*, KORE_*).
 */
export function openProvider(settings: CloudSettings, env: Record<string, string | undefined>, lpa?: LpaAccess): OpenedProvider {
  const kind = settings.cloud ?? guessKind(settings, env);
  if (kind === 'smds') {
    if (!lpa) throw new LpaError('INTERNAL', 'cloud "smds" needs the device (the eUICC authenticates to the SM-DS)');
    const p = new SmdsProvider({
      es10: lpa.es10,
      pool: lpa.pool,
      ...(lpa.deviceInfo ? { deviceInfo: lpa.deviceInfo } : {}),
      ...(settings.smds !== undefined ? { smdsAddress: settings.smds } : {}),
      // no deadline of its own: the caller's --timeout (its abort signal) ends the wait
    });
    return { kind, provider: p, close: async () => undefined };
  }
  if (kind === 'backend') {
    if (!settings.backendUrl) throw new LpaError('CONFIG_INVALID', 'cloud "backend" needs backendUrl (--backend-url <url with {eid}>)');
    const p = new BackendProvider({
      urlTemplate: settings.backendUrl,
      ...(settings.backendTokenFile ? { tokenFile: settings.backendTokenFile } : {}),
      ...(settings.deadlineMs !== undefined ? { deadlineMs: settings.deadlineMs } : {}),
      ...(settings.network ? { network: settings.network } : {}),
      ...(settings.trace ? { trace: settings.trace } : {}),
    });
    return { kind, provider: p, close: () => p.close() };
  }
  const credentials = credentialsFromEnv(env, kind);
  const client = new SuperSimClient({
    credentials,
    ...(settings.cloudUrl ? { baseUrl: settings.cloudUrl } : {}),
    ...(settings.cloudUrl && kind === 'kore' ? { tokenUrl: new URL('/api-services/v1/auth/token', settings.cloudUrl).toString() } : {}),
    ...(settings.network ? { network: settings.network } : {}),
    ...(settings.trace ? { trace: settings.trace } : {}),
  });
  const provider = new SuperSimProvider(client, {
    ...(settings.fleet ? { fleet: settings.fleet } : {}),
    ...(settings.deadlineMs !== undefined ? { deadlineMs: settings.deadlineMs } : {}),
  });
  return { kind, provider, close: () => client.close() };
}

function guessKind(settings: CloudSettings, env: Record<string, string | undefined>): CloudKind {
  if (settings.backendUrl) return 'backend';
  if (settings.smds) return 'smds';
  if (env.KORE_CLIENT_ID && env.KORE_CLIENT_SECRET) return 'kore';
  if (env.TWILIO_ACCOUNT_SID) return 'twilio';
  throw new LpaError(
    'CONFIG_INVALID',
    'no cloud configured: use --cloud twilio|kore with TWILIO_*/KORE_* credentials in the environment, --cloud backend --backend-url <url>, or --cloud smds (no account: the profile is announced at an SM-DS)',
  );
}
