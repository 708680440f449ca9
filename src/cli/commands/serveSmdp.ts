import { LpaError } from '../../errors.js';
import { bool, intOption, list, str } from '../args.js';
import type { Command } from '../command.js';

const command: Command = {
  name: 'serve-smdp',
  summary: 'Run the local SM-DP+ (ES9+ over TLS with the SGP.26 test certificates, TS.48 profiles), with --smds a local SM-DS too, until stopped.',
  usage: 'serve-smdp [--host 127.0.0.1] [--port <n>] [--bind <eid>=<profile>]... [--cc <matchingId>=<code>]... [--smds [--smds-port <n>]] [--rtt <ms>] [--latency <ms>]',
  server: true,
  options: {
    host: { type: 'string', arg: '<addr>', description: 'address to listen on (default 127.0.0.1)' },
    port: { type: 'string', arg: '<n>', description: 'HTTPS port (default: a free one)' },
    bind: { type: 'string', multiple: true, arg: '<eid>=<profile>', description: 'order a profile for an EID (SM-DP+ Default method, empty matching id)' },
    cc: { type: 'string', multiple: true, arg: '<matchingId>=<code>', description: 'require a confirmation code for a matching id' },
    smds: { type: 'boolean', description: 'run the local SM-DS too (testsmds1.example.com, ES11): every --bind order registers an event for its EID there, deleted once the profile is installed' },
    'smds-port': { type: 'string', arg: '<n>', description: 'HTTPS port of the local SM-DS (default: a free one)' },
    rtt: { type: 'string', arg: '<ms>', description: 'emulated network round trip: 1 per request, 2 more per new TLS connection (default 0)' },
    latency: { type: 'string', arg: '<ms>', description: 'emulated server processing time per request (default 0)' },
  },
  help: [
    'The server presents the SGP.26 TLS certificate of testsmdpplus1.example.com. Every bundled TS.48',
    'profile (data/upp) can be ordered once with its file name (without .der) as matching id. It prints',
    'the --smdp / --connect-to / --ca options to use and an admin URL (orders, notifications).',
    '',
    'With --smds a local SM-DS runs beside it with its own DSauth and TLS certificates (issued at start from',
    'the SGP.26 test CI key, SM-DS roles), and each --bind order gets an event id (its matching id) registered',
    'there for the EID (ES12), deleted once the eUICC reports the profile installed. Orders taken over the',
    'admin interface register with {"smds": true}. Point the virtual eUICC at this SM-DS with',
    '"serve-modem --quirk root-ds=testsmds1.example.com" or "rootDsAddress" in its state file.',
    '',
    'Example (credential-free provisioning of the virtual eUICC):',
    '  lpa-agent serve-smdp --port 8443 --smds --smds-port 8444 --bind 89049032123451234512345678901235=TS48V2-SAIP2-1-BERTLV-UNIQUE',
    '  lpa-agent --device virtual --ca data/pki/sgp26/ci/CERT_CI_ECDSA_NIST.pem \\',
    '    --connect-to testsmdpplus1.example.com:443:127.0.0.1:8443 --connect-to testsmds1.example.com:443:127.0.0.1:8444 \\',
    '    provision --cloud smds --smds testsmds1.example.com',
  ].join('\n'),
  async run({ options, out, signal }) {
    const { runServeSmdp } = await import('../../sim/smdp/serve.js');
    const host = str(options, 'host');
    const port = intOption(options, 'port', 0, 65535);
    const rttMs = intOption(options, 'rtt', 0, 600_000);
    const latencyMs = intOption(options, 'latency', 0, 600_000);
    const smdsPort = intOption(options, 'smds-port', 0, 65535);
    const smds = bool(options, 'smds') ?? false;
    if (smdsPort !== undefined && !smds) throw new LpaError('USAGE', '--smds-port needs --smds');
    await runServeSmdp({
      ...(host ? { host } : {}),
      ...(port !== undefined ? { port } : {}),
      binds: list(options, 'bind'),
      ccs: list(options, 'cc'),
      ...(smds ? { smds: { ...(smdsPort !== undefined ? { port: smdsPort } : {}) } } : {}),
      server: { ...(rttMs !== undefined ? { rttMs } : {}), ...(latencyMs !== undefined ? { latencyMs } : {}) },
      out: (line) => out.progress('ready', line),
      signal,
    });
    out.result({ stopped: true }, 'SM-DP+ stopped');
  },
};
export default command;
