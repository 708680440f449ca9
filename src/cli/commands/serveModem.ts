import { LpaError } from '../../errors.js';
import { str } from '../args.js';
import type { Command } from '../command.js';

const command: Command = {
  name: 'serve-modem',
  summary: 'Serve the virtual module (with its virtual eUICC) on a pseudo-terminal until stopped.',
  usage: 'serve-modem --pty <path> [--state <file>] [--modem <vendor>]',
  options: {
    pty: { type: 'string', arg: '<path>', description: 'link to create for clients, e.g. /tmp/lpa-modem (needs socat)' },
    state: { type: 'string', arg: '<file>', description: 'virtual eUICC state file (created factory-fresh if missing; default: in memory)' },
  },
  help: 'Example:\n  lpa-agent serve-modem --pty /tmp/lpa-modem --state euicc.json --modem quectel &\n  lpa-agent --device /tmp/lpa-modem profiles',
  async run({ globals, options, out, signal }) {
    const ptyPath = str(options, 'pty');
    if (!ptyPath) throw new LpaError('USAGE', 'serve-modem needs --pty <path>');
    const { runServeModem } = await import('../../../drivers/virtual/serveModem.js');
    const statePath = str(options, 'state');
    await runServeModem({
      ptyPath,
      ...(statePath ? { statePath } : {}),
      ...(globals.modem ? { vendor: globals.modem } : {}),
      signal,
      onReady: ({ path, vendor }) => out.progress('ready', `virtual ${vendor} module ready on ${path} (Ctrl-C to stop)`, { path, vendor }),
    });
    out.result({ stopped: true }, 'virtual module stopped');
  },
};
export default command;
