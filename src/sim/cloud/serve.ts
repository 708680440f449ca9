/**
 * `lpa-agent serve-cloud`: runs the Super SIM double until the signal aborts, printing its base
 * URL and the credentials it accepts (test credentials of the double, not real ones).
 */
import { startCloudDouble, type CloudDouble } from './server.js';
import type { CloudDoubleOptions } from './types.js';

export interface ServeCloudOptions extends CloudDoubleOptions {
  /** Where the ready lines go; default stdout. */
  out?: (line: string) => void;
  /** Stops the double when aborted. */
  signal?: AbortSignal;
}

/** Starts the double and prints how to use it; resolves once it is listening. */
export async function runServeCloud(opts: ServeCloudOptions = {}): Promise<CloudDouble> {
  const out = opts.out ?? ((line: string) => process.stdout.write(`${line}\n`));
  const double = await startCloudDouble({ host: '127.0.0.1', ...opts });
  const c = double.credentials;
  out(`Super SIM double listening on ${double.url}`);
  out(`  Twilio:  TWILIO_ACCOUNT_SID=${c.accountSid} TWILIO_AUTH_TOKEN=${c.authToken}`);
  for (const k of c.apiKeys) out(`  API key: TWILIO_ACCOUNT_SID=${c.accountSid} TWILIO_API_KEY=${k.sid} TWILIO_API_SECRET=${k.secret}`);
  out(`  KORE:    KORE_CLIENT_ID=${c.kore.clientId} KORE_CLIENT_SECRET=${c.kore.clientSecret} (token URL ${double.tokenUrl})`);
  out(`  use: --cloud-url ${double.url}`);
  if (opts.signal) {
    if (opts.signal.aborted) await double.close();
    else opts.signal.addEventListener('abort', () => void double.close(), { once: true });
  }
  return double;
}
