import { LIST_PROFILES_TAGS_WITH_ICON } from '../../es10/client.js';
import type { Command } from '../command.js';
import { withDevice } from '../device.js';
import { profilesTable, profileView } from '../format.js';

const command: Command = {
  name: 'profiles',
  summary: 'List the profiles on the eUICC (ICCID, state, class, provider, name, nickname; --json adds ISD-P AID, policy rules and icon).',
  usage: 'profiles',
  options: {},
  help: [
    'The JSON result (--json) lists each profile with iccid, isdpAid, state, nickname, serviceProviderName,',
    'profileName, profileClass, ppr (policy rules), iconType (jpg/png) and icon (base64) or null.',
    'The ISD-P AID names a profile wherever an ICCID does (enable, disable, delete, nickname).',
  ].join('\n'),
  async run({ globals, out }) {
    const profiles = (await withDevice(globals, (d) => d.es10.listProfiles({ tagList: LIST_PROFILES_TAGS_WITH_ICON }), out)).map(profileView);
    out.result({ profiles }, () => profilesTable(profiles));
  },
};
export default command;
