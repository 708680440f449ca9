import { LpaError } from '../../errors.js';
import { parseSmdpAddress } from '../../es9p/address.js';
import { bool } from '../args.js';
import type { Command } from '../command.js';
import { withDevice } from '../device.js';

const command: Command = {
  name: 'default-smdp',
  summary: 'Show the default SM-DP+ address (ES10a), or set it; --clear removes it.',
  usage: 'default-smdp [<address> | --clear]',
  options: { clear: { type: 'boolean', description: 'remove the default SM-DP+ address' } },
  help: 'Examples:\n  lpa-agent --device /dev/ttyUSB2 default-smdp\n  lpa-agent --device /dev/ttyUSB2 default-smdp sm-dp-plus.example.com',
  async run({ globals, options, positionals, out }) {
    const clear = bool(options, 'clear') ?? false;
    if (positionals.length > 1 || (clear && positionals.length > 0)) throw new LpaError('USAGE', 'usage: default-smdp [<address> | --clear]');
    if (positionals.length === 0 && !clear) {
      const a = await withDevice(globals, (d) => d.es10.getConfiguredAddresses(), out);
      const data = { defaultDpAddress: a.defaultDpAddress || null, rootDsAddress: a.rootDsAddress || null };
      out.result(data, `Default SM-DP+: ${data.defaultDpAddress ?? '(none)'}\nRoot SM-DS:     ${data.rootDsAddress ?? '(none)'}`);
      return;
    }
    let address = '';
    if (!clear) {
      const parsed = parseSmdpAddress(positionals[0]!);
      if (parsed.schemeStripped) out.notice(`using "${parsed.value}": an SM-DP+ address is a host name without https://`);
      address = parsed.value;
    }
    await withDevice(globals, (d) => d.es10.setDefaultDpAddress(address), out);
    out.result({ defaultDpAddress: address || null }, address ? `Default SM-DP+ set to ${address}.` : 'Default SM-DP+ address cleared.');
  },
};
export default command;
