import type { Command } from '../command.js';
import { withDevice } from '../device.js';
import { profilesTable, profileView } from '../format.js';

const command: Command = {
  name: 'profiles',
  summary: 'List the profiles on the eUICC (ICCID, state, class, provider, name, nickname).',
  usage: 'profiles',
  options: {},
  async run({ globals, out }) {
    const profiles = (await withDevice(globals, (d) => d.es10.listProfiles(), out)).map(profileView);
    out.result({ profiles }, () => profilesTable(profiles));
  },
};
export default command;
