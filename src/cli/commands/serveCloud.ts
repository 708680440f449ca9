import { LpaError } from '../../errors.js';
import { intOption, str } from '../args.js';
import type { Command } from '../command.js';

const command: Command = {
  name: 'serve-cloud',
  summary: 'Run the local Super SIM double (ESimProfiles, Sims, Fleets, KORE token endpoint) until stopped.',
  usage: 'serve-cloud [--host 127.0.0.1] [--port <n>] [--account-sid <AC...>] [--auth-token <t>] [--reserve-delay <ms>] [--smdp-address <host>]',
  server: true,
  options: {
    host: { type: 'string', arg: '<addr>', description: 'address to listen on (default 127.0.0.1)' },
    port: { type: 'string', arg: '<n>', description: 'port (default: a free one)' },
    'account-sid': { type: 'string', arg: '<AC...>', description: 'Twilio Account SID to accept (default: generated)' },
    'auth-token': { type: 'string', arg: '<token>', description: 'auth token to accept (default: generated)' },
    'reserve-delay': { type: 'string', arg: '<ms>', description: 'time from reservation to "available" (default 50)' },
    'smdp-address': { type: 'string', arg: '<host>', description: 'smdp_plus_address to report (default sm-dp-plus.double.test)' },
  },
  help: 'Prints its base URL and the credentials it accepts; use it with --cloud-url <url>.',
  async run({ options, out, signal }) {
    const { runServeCloud } = await import('../../sim/cloud/serve.js');
    const accountSid = str(options, 'account-sid');
    if (accountSid !== undefined && !/^AC[0-9a-f]{32}$/.test(accountSid)) throw new LpaError('USAGE', '--account-sid must be "AC" followed by 32 lower-case hex digits');
    const port = intOption(options, 'port', 0, 65535);
    const reserveDelayMs = intOption(options, 'reserve-delay', 0, 3_600_000);
    const host = str(options, 'host');
    const authToken = str(options, 'auth-token');
    const smdpAddress = str(options, 'smdp-address');
    const double = await runServeCloud({
      ...(host ? { host } : {}),
      ...(port !== undefined ? { port } : {}),
      ...(accountSid ? { accountSid } : {}),
      ...(authToken ? { authToken } : {}),
      ...(reserveDelayMs !== undefined ? { reserveDelayMs } : {}),
      ...(smdpAddress ? { smdpAddress } : {}),
      out: (line) => out.progress('ready', line),
      signal,
    });
    await new Promise<void>((resolve) => {
      if (signal.aborted) resolve();
      else signal.addEventListener('abort', () => resolve(), { once: true });
    });
    await double.close();
    out.result({ stopped: true }, 'Super SIM double stopped');
  },
};
export default command;
