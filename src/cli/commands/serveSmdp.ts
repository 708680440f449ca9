import { intOption, list, str } from '../args.js';
import type { Command } from '../command.js';

const command: Command = {
  name: 'serve-smdp',
  summary: 'Run the local SM-DP+ (ES9+ over TLS with the SGP.26 test certificates, TS.48 profiles) until stopped.',
  usage: 'serve-smdp [--host 127.0.0.1] [--port <n>] [--bind <eid>=<profile>]... [--cc <matchingId>=<code>]... [--rtt <ms>] [--latency <ms>]',
  server: true,
  options: {
    host: { type: 'string', arg: '<addr>', description: 'address to listen on (default 127.0.0.1)' },
    port: { type: 'string', arg: '<n>', description: 'HTTPS port (default: a free one)' },
    bind: { type: 'string', multiple: true, arg: '<eid>=<profile>', description: 'order a profile for an EID (SM-DP+ Default method, empty matching id)' },
    cc: { type: 'string', multiple: true, arg: '<matchingId>=<code>', description: 'require a confirmation code for a matching id' },
    rtt: { type: 'string', arg: '<ms>', description: 'emulated network round trip: 1 per request, 2 more per new TLS connection (default 0)' },
    latency: { type: 'string', arg: '<ms>', description: 'emulated server processing time per request (default 0)' },
  },
  help: [
    'The server presents the SGP.26 TLS certificate of testsmdpplus1.example.com. Every bundled TS.48',
    'profile (data/upp) can be ordered once with its file name (without .der) as matching id. It prints',
    'the --smdp / --connect-to / --ca options to use and an admin URL (orders, notifications).',
  ].join('\n'),
  async run({ options, out, signal }) {
    const { runServeSmdp } = await import('../../sim/smdp/serve.js');
    const host = str(options, 'host');
    const port = intOption(options, 'port', 0, 65535);
    const rttMs = intOption(options, 'rtt', 0, 600_000);
    const latencyMs = intOption(options, 'latency', 0, 600_000);
    await runServeSmdp({
      ...(host ? { host } : {}),
      ...(port !== undefined ? { port } : {}),
      binds: list(options, 'bind'),
      ccs: list(options, 'cc'),
      server: { ...(rttMs !== undefined ? { rttMs } : {}), ...(latencyMs !== undefined ? { latencyMs } : {}) },
      out: (line) => out.progress('ready', line),
      signal,
    });
    out.result({ stopped: true }, 'SM-DP+ stopped');
  },
};
export default command;
