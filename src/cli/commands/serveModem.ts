import { statSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { quirkHelp } from '../../../drivers/virtual/quirkSpec.js';
import { checkVirtualStateFolder } from '../../../drivers/open.js';
import { LpaError } from '../../errors.js';
import { list, str } from '../args.js';
import type { Command } from '../command.js';
import { lockDevice, parseDeviceSpec } from '../device.js';

const QUIRK_HELP = quirkHelp();

/** A port link is created, its folder is not: a missing one is named before anything starts. */
function checkLinkFolder(option: string, path: string): void {
  const folder = dirname(resolve(path));
  let ok = false;
  try {
    ok = statSync(folder).isDirectory();
  } catch {
    ok = false;
  }
  if (!ok) throw new LpaError('USAGE', `--${option} ${path}: the folder ${folder} of the pty link does not exist (the link is created, its folder is not)`, { path });
}

const command: Command = {
  name: 'serve-modem',
  summary: 'Serve the virtual module (with its virtual eUICC) on pseudo-terminals until stopped: AT, QMI and/or MBIM.',
  usage: 'serve-modem [--pty <path>] [--qmi <path>] [--mbim <path>] [--state <file>] [--modem <vendor>] [--link <settings>] [--quirk <name>[=<value>]]...',
  server: true,
  options: {
    pty: { type: 'string', arg: '<path>', description: 'AT port: link to create for clients, e.g. /tmp/lpa-modem' },
    qmi: { type: 'string', arg: '<path>', description: 'QMI port (QMUX, like /dev/cdc-wdmN): link to create, e.g. /tmp/lpa-qmi' },
    mbim: { type: 'string', arg: '<path>', description: 'MBIM port (like /dev/cdc-wdmN on cdc_mbim): link to create, e.g. /tmp/lpa-mbim' },
    state: { type: 'string', arg: '<file>', description: 'virtual eUICC state file (created factory-fresh if missing; default: in memory)' },
    link: { type: 'string', arg: '<settings>', description: 'emulate a slow link: "default" or key=value,... (see below); default: answers at once' },
    quirk: { type: 'string', multiple: true, arg: '<name>[=<value>]', description: 'reproduce a real module or eUICC behaviour (the list is below)' },
  },
  help: [
    'One module, one virtual eUICC, one state file: every interface given reaches the same card, SIM',
    'state and quirks (at least one of --pty, --qmi and --mbim).',
    '',
    'Examples:',
    '  lpa-agent serve-modem --pty /tmp/lpa-modem --state euicc.json --modem quectel &',
    '  lpa-agent --device /tmp/lpa-modem profiles',
    '  lpa-agent serve-modem --pty /tmp/lpa-at --qmi /tmp/lpa-qmi --state euicc.json &',
    '  lpa-agent --device qmi:/tmp/lpa-qmi eid',
    '  qmicli -d /tmp/lpa-qmi --device-open-qmi --uim-get-card-status',
    '  lpa-agent serve-modem --mbim /tmp/lpa-mbim --state euicc.json &',
    '  mbimcli -d /tmp/lpa-mbim --query-subscriber-ready-status',
    '',
    'Link model (--link): each AT answer is delayed by the UART time of the command and the answer',
    '(bytes x 10 / baud), the module latency per command and the eUICC time; QMI and MBIM answers by the',
    'latency per message and the eUICC time (no UART). Keys (defaults):',
    '  baud=115200 (0 = no serialisation cost, USB-like), latency=5 (ms per AT command or message),',
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
    const qmiPath = str(options, 'qmi');
    const mbimPath = str(options, 'mbim');
    if (!ptyPath && !qmiPath && !mbimPath) throw new LpaError('USAGE', 'serve-modem needs --pty <path> (AT), --qmi <path> and/or --mbim <path>');
    for (const [option, path] of [['pty', ptyPath], ['qmi', qmiPath], ['mbim', mbimPath]] as const) if (path) checkLinkFolder(option, path);
    const { runServeModem } = await import('../../../drivers/virtual/serveModem.js');
    const statePath = str(options, 'state');
    if (statePath !== undefined) checkVirtualStateFolder(statePath, `--state ${statePath}`);
    const linkSpec = str(options, 'link');
    const link = linkSpec === undefined ? undefined : (await import('../../../drivers/virtual/link.js')).parseLinkSpec(linkSpec);
    const quirkSpecs = list(options, 'quirk');
    const quirks = quirkSpecs.length > 0 ? (await import('../../../drivers/virtual/quirkSpec.js')).parseQuirks(quirkSpecs) : undefined;
    // the state file is a virtual eUICC: the same lock as `--device virtual:<state>` keeps a second user off it
    const lock = statePath === undefined ? undefined : lockDevice(parseDeviceSpec(`virtual:${statePath}`), globals.lockFile);
    const served = await runServeModem({
      ...(ptyPath ? { ptyPath } : {}),
      ...(qmiPath ? { qmiPath } : {}),
      ...(mbimPath ? { mbimPath } : {}),
      ...(statePath ? { statePath } : {}),
      ...(globals.modem ? { vendor: globals.modem } : {}),
      ...(link ? { link } : {}),
      ...(quirks ? { quirks: quirks.modem, cardQuirks: quirks.card } : {}),
      signal,
      onReady: ({ path, paths, vendor }) => {
        const where = [paths.at ? `${paths.at} (AT)` : '', paths.qmi ? `${paths.qmi} (QMI)` : '', paths.mbim ? `${paths.mbim} (MBIM)` : ''].filter(Boolean).join(', ');
        out.progress('ready', `virtual ${vendor} module ready on ${where} (Ctrl-C to stop)`, { path, ...paths, vendor });
      },
    }).finally(() => lock?.release());
    out.result({ stopped: true, ...(served.link ? { link: served.link } : {}) }, 'virtual module stopped');
  },
};
export default command;
