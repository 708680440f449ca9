import type { Command } from '../command.js';
import { withDevice } from '../device.js';

const command: Command = {
  name: 'eid',
  summary: 'Print the eUICC identifier (EID).',
  usage: 'eid',
  options: {},
  help: 'Example:\n  lpa-agent --device /dev/ttyUSB2 eid\n  lpa-agent --device virtual eid',
  async run({ globals, out }) {
    const eid = await withDevice(globals, (d) => d.es10.getEid(), out);
    out.result({ eid }, eid);
  },
};
export default command;
