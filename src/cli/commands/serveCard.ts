import { checkVirtualStateFolder } from '../../../drivers/open.js';
import { LpaError } from '../../errors.js';
import { fromHex, isHex } from '../../util/hex.js';
import { str } from '../args.js';
import type { Command } from '../command.js';
import { lockDevice, parseDeviceSpec } from '../device.js';

const command: Command = {
  name: 'serve-card',
  summary: 'Serve the virtual eUICC as a smart card in a vpcd reader of pcscd until stopped.',
  server: true,
  usage: 'serve-card [--vpcd <host:port>] [--state <file>] [--atr <hex>]',
  options: {
    vpcd: { type: 'string', arg: '<host:port>', description: "vpcd's card port (default 127.0.0.1:35963, the reader \"Virtual PCD 00 00\"; 35964 is \"Virtual PCD 00 01\")" },
    state: { type: 'string', arg: '<file>', description: 'virtual eUICC state file (created factory-fresh if missing; default: in memory)' },
    atr: { type: 'string', arg: '<hex>', description: 'ATR the card answers with (default: a UICC ATR offering T=0)' },
  },
  help: [
    'vsmartcard\'s vpcd is a reader driver inside pcscd (Debian: apt-get install pcscd vsmartcard-vpcd);',
    'it waits for a virtual card on TCP port 35963 (and 35964 for its second reader). serve-card',
    'connects there: pcscd then shows a card in the reader, and every PC/SC program (lpa-agent',
    '--device pcsc, lpac, opensc-tool, pcsc_scan) can use the virtual eUICC. The card answers power',
    'on/off/reset and the ATR; while vpcd is not there, serve-card keeps trying.',
    '',
    'Enabling or disabling a profile makes the card ask for a REFRESH: serve-card then takes the card',
    'out of the reader for a second and puts it back, which is how a reader shows a card that',
    'restarted (PC/SC programs see it removed and inserted; lpa-agent rides it out).',
    '',
    'Example:',
    '  lpa-agent serve-card --state euicc.json &',
    '  lpa-agent --device "pcsc:Virtual PCD 00 00" profiles',
    '  opensc-tool --reader 0 --send-apdu 00A4040010A0000005591010FFFFFFFF8900000100',
  ].join('\n'),
  async run({ globals, options, out, signal }) {
    const { parseVpcdAddress } = await import('../../../drivers/virtual/vpcd.js');
    const { runServeCard } = await import('../../../drivers/virtual/serveCard.js');
    const address = parseVpcdAddress(str(options, 'vpcd') ?? '127.0.0.1:35963');
    const atrText = str(options, 'atr')?.replace(/\s+/g, '');
    if (atrText !== undefined && (!isHex(atrText) || atrText.length < 4 || atrText.length > 66)) {
      throw new LpaError('USAGE', `--atr ${atrText}: an ATR is 2 to 33 bytes of hex`);
    }
    const statePath = str(options, 'state');
    if (statePath !== undefined) checkVirtualStateFolder(statePath, `--state ${statePath}`);
    // the state file is a virtual eUICC: the same lock as `--device virtual:<state>` keeps a second user off it
    const lock = statePath === undefined ? undefined : lockDevice(parseDeviceSpec(`virtual:${statePath}`), globals.lockFile);
    let waiting = false;
    const stats = await runServeCard({
      host: address.host,
      port: address.port,
      ...(statePath ? { statePath } : {}),
      ...(atrText !== undefined ? { atr: fromHex(atrText, '--atr') } : {}),
      signal,
      onEvent: (e) => {
        if (e.type === 'waiting' && !waiting) {
          waiting = true;
          out.progress('waiting', `vpcd at ${address.host}:${address.port} is not there (${e.error}); retrying (is pcscd running with vsmartcard-vpcd?)`, { error: e.error });
        } else if (e.type === 'inserted') {
          waiting = false;
          out.progress('inserted', `card inserted into vpcd at ${address.host}:${address.port}`);
        } else if (e.type === 'removed' && e.reason !== 'stop') {
          out.progress('removed', e.reason === 'refresh' ? 'the card asked for a REFRESH: out of the reader for a moment' : `card out of the reader (${e.reason})`, { reason: e.reason });
        }
      },
      onReady: ({ reader }) =>
        out.progress('ready', `virtual eUICC ready${reader ? ` in reader "${reader}"` : ''} (Ctrl-C to stop)`, { host: address.host, port: address.port, ...(reader ? { reader } : {}) }),
    }).finally(() => lock?.release());
    out.result({ stopped: true, ...stats }, `virtual card stopped (${stats.apdus} APDUs, ${stats.insertions} insertions, ${stats.refreshes} refreshes)`);
  },
};
export default command;
