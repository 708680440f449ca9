import { discoverEvents } from '../../lpa/discovery.js';
import type { Command } from '../command.js';
import { withDevice } from '../device.js';
import { table } from '../output.js';

const command: Command = {
  name: 'discover',
  summary: 'Ask an SM-DS (SGP.22 ES11) which profiles wait for this eUICC: event id and SM-DP+ address of each.',
  usage: 'discover [--smds <address>]',
  // --smds is the `smds` configuration key (LPA_AGENT_SMDS, config "smds"), shared with download and provision
  options: {},
  help: [
    'The agent authenticates to the SM-DS as to an SM-DP+ (the eUICC signs; TLS is verified the same',
    'way, --ca and --connect-to apply) and lists the pending events. No event is not an error (exit 0).',
    'The SM-DS: --smds, else LPA_AGENT_SMDS or "smds" in the config file, else the eUICC\'s root SM-DS.',
    'Download them with "download --from-smds".',
    '',
    'Examples:',
    '  lpa-agent --device /dev/ttyUSB2 discover',
    '  lpa-agent --device /dev/ttyUSB2 discover --smds lpa.ds.gsma.com',
    '',
    'Against the local SM-DS (lpa-agent serve-smdp --smds prints the options):',
    '  lpa-agent --device virtual --ca data/pki/sgp26/ci/CERT_CI_ECDSA_NIST.pem \\',
    '    --connect-to testsmds1.example.com:443:127.0.0.1:<port> discover --smds testsmds1.example.com',
  ].join('\n'),
  async run({ globals, out, signal }) {
    const smds = globals.config.smds;
    const { es9Pool } = await import('../es9.js');
    const pool = es9Pool(globals, out);
    try {
      const result = await withDevice(
        globals,
        (d) =>
          discoverEvents(d.es10, pool, { ...(smds !== undefined ? { smdsAddress: smds } : {}), deviceInfo: d.deviceInfo }, {
            onProgress: (step, m, data) => out.progress(step, m, data),
            signal,
          }),
        out,
      );
      for (const p of result.problems) out.notice(`the SM-DS sent an event record that cannot be used: ${p}`);
      out.result({ smdsAddress: result.smdsAddress, events: result.events, ...(result.problems.length > 0 ? { problems: result.problems } : {}) }, () =>
        result.events.length === 0
          ? `No events for this eUICC at ${result.smdsAddress}.`
          : table(
              ['EVENT ID', 'SM-DP+ ADDRESS'],
              result.events.map((e) => [e.eventId, e.rspServerAddress]),
            ),
      );
    } finally {
      await pool.close();
    }
  },
};
export default command;
