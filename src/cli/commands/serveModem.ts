import { LpaError } from '../../errors.js';
import { str } from '../args.js';
import type { Command } from '../command.js';
import { lockDevice, parseDeviceSpec } from '../device.js';

const command: Command = {
  name: 'serve-modem',
  summary: 'Serve the virtual module (with its virtual eUICC) on a pseudo-terminal until stopped.',
  usage: 'serve-modem --pty <path> [--state <file>] [--modem <vendor>] [--link <settings>]',
  server: true,
  options: {
    pty: { type: 'string', arg: '<path>', description: 'link to create for clients, e.g. /tmp/lpa-modem' },
    state: { type: 'string', arg: '<file>', description: 'virtual eUICC state file (created factory-fresh if missing; default: in memory)' },
    link: { type: 'string', arg: '<settings>', description: 'emulate a slow link: "default" or key=value,... (see below); default: answers at once' },
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
  ].join('\n'),
  async run({ globals, options, out, signal }) {
    const ptyPath = str(options, 'pty');
    if (!ptyPath) throw new LpaError('USAGE', 'serve-modem needs --pty <path>');
    const { runServeModem } = await import('../../../drivers/virtual/serveModem.js');
    const statePath = str(options, 'state');
    const linkSpec = str(options, 'link');
    const link = linkSpec === undefined ? undefined : (await import('../../../drivers/virtual/link.js')).parseLinkSpec(linkSpec);
    // the state file is a virtual eUICC: the same lock as `--device virtual:<state>` keeps a second user off it
    const lock = statePath === undefined ? undefined : lockDevice(parseDeviceSpec(`virtual:${statePath}`), globals.lockFile);
    const served = await runServeModem({
      ptyPath,
      ...(statePath ? { statePath } : {}),
      ...(globals.modem ? { vendor: globals.modem } : {}),
      ...(link ? { link } : {}),
      signal,
      onReady: ({ path, vendor }) => out.progress('ready', `virtual ${vendor} module ready on ${path} (Ctrl-C to stop)`, { path, vendor }),
    }).finally(() => lock?.release());
    out.result({ stopped: true, ...(served.link ? { link: served.link } : {}) }, 'virtual module stopped');
  },
};
export default command;
