import { quirkHelp } from '../../../drivers/virtual/quirkSpec.js';
import { LpaError } from '../../errors.js';
import { list, str } from '../args.js';
import type { Command } from '../command.js';

const QUIRK_HELP = quirkHelp();

const command: Command = {
  name: 'serve-modem',
  summary: 'Serve the virtual module (with its virtual eUICC) on a pseudo-terminal until stopped.',
  usage: 'serve-modem --pty <path> [--state <file>] [--modem <vendor>] [--link <settings>] [--quirk <name>[=<value>]]...',
  options: {
    pty: { type: 'string', arg: '<path>', description: 'link to create for clients, e.g. /tmp/lpa-modem' },
    state: { type: 'string', arg: '<file>', description: 'virtual eUICC state file (created factory-fresh if missing; default: in memory)' },
    link: { type: 'string', arg: '<settings>', description: 'emulate a slow link: "default" or key=value,... (see below); default: answers at once' },
    quirk: { type: 'string', multiple: true, arg: '<name>[=<value>]', description: 'reproduce a real module or eUICC behaviour (repeatable; the list is below)' },
  },
  help: [
    'Example:',
    '  lpa-agent serve-modem --pty /tmp/lpa-modem --state euicc.json --modem quectel &',
    '  lpa-agent --device /tmp/lpa-modem profiles',
    '',
    'Link model (--link): each answer is delayed by the UART time of the command and the answer',
    '(bytes x 10 / baud), the module latency per command and the eUICC time. Keys (defaults):',
    '  baud=115200 (0 = no serialisation cost, USB-like), latency=5 (ms per AT command),',
    '  apdu=20 (ms per APDU), auth=300 (AuthenticateServer), prepare=300 (PrepareDownload),',
    '  bpp=50 (last block of each BPP STORE DATA series), install=500 (block answered with the',
    '  ProfileInstallationResult). Example: --link baud=9600,latency=10. On stop, the result',
    '  reports what the model charged (commands, APDUs, eUICC functions, ms).',
    '',
    'Quirks (--quirk, repeatable; e.g. --quirk sw91xx --quirk line-limit=128 --quirk slow-sim=3000):',
    QUIRK_HELP,
  ].join('\n'),
  async run({ globals, options, out, signal }) {
    const ptyPath = str(options, 'pty');
    if (!ptyPath) throw new LpaError('USAGE', 'serve-modem needs --pty <path>');
    const { runServeModem } = await import('../../../drivers/virtual/serveModem.js');
    const statePath = str(options, 'state');
    const linkSpec = str(options, 'link');
    const link = linkSpec === undefined ? undefined : (await import('../../../drivers/virtual/link.js')).parseLinkSpec(linkSpec);
    const quirkSpecs = list(options, 'quirk');
    const quirks = quirkSpecs.length > 0 ? (await import('../../../drivers/virtual/quirkSpec.js')).parseQuirks(quirkSpecs) : undefined;
    const served = await runServeModem({
      ptyPath,
      ...(statePath ? { statePath } : {}),
      ...(globals.modem ? { vendor: globals.modem } : {}),
      ...(link ? { link } : {}),
      ...(quirks ? { quirks: quirks.modem, cardQuirks: quirks.card } : {}),
      signal,
      onReady: ({ path, vendor }) => out.progress('ready', `virtual ${vendor} module ready on ${path} (Ctrl-C to stop)`, { path, vendor }),
    });
    out.result({ stopped: true, ...(served.link ? { link: served.link } : {}) }, 'virtual module stopped');
  },
};
export default command;
