import { LpaError } from '../../errors.js';
import { charCount, MAX_NICKNAME_CHARS } from '../../es10/setNickname.js';
import { describeProfileRef, parseTypedProfileRef } from '../../ids/profileRef.js';
import { iccidOfAid } from '../../lpa/profileOps.js';
import type { Command } from '../command.js';
import { withDevice } from '../device.js';

const command: Command = {
  name: 'nickname',
  summary: 'Set a profile nickname (an empty name clears it; at most 64 characters).',
  usage: 'nickname <iccid|isdp-aid> <name>',
  options: {},
  maxPositionals: 2,
  help: [
    'The profile is named by its ICCID or by the AID of its ISD-P (hex, as "profiles" lists it).',
    '',
    'Examples:',
    '  lpa-agent --device /dev/ttyUSB2 nickname 8949449999999990049 "fleet A"',
    '  lpa-agent --device /dev/ttyUSB2 nickname A0000005591010FFFFFFFF8900001100 ""',
  ].join('\n'),
  async run({ globals, out, positionals }) {
    if (positionals.length !== 2) throw new LpaError('USAGE', 'usage: nickname <iccid|isdp-aid> <name> (use "" to clear)');
    const ref = parseTypedProfileRef(positionals[0]!);
    const name = positionals[1]!;
    const chars = charCount(name);
    if (chars > MAX_NICKNAME_CHARS) throw new LpaError('USAGE', `nickname is ${chars} characters; at most ${MAX_NICKNAME_CHARS} are allowed`);
    if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) throw new LpaError('USAGE', 'a nickname must not contain control characters');
    const iccid = await withDevice(globals, async (d) => {
      // SetNickname names the profile by ICCID only: an ISD-P AID is looked up first
      const id = 'iccid' in ref ? ref.iccid : await iccidOfAid(d.es10, ref.isdpAid);
      if (id === undefined) throw new LpaError('PROFILE_NOT_FOUND', `no profile in ${describeProfileRef(ref)} on the eUICC`, { function: 'SetNickname' });
      out.progress('nickname', `${name === '' ? 'clear' : 'set'} the nickname of profile ${id}`, { iccid: id });
      await d.es10.setNickname(id, name);
      return id;
    }, out);
    out.result({ iccid, nickname: name }, name === '' ? `Nickname of ${iccid} cleared.` : `Nickname of ${iccid} set to "${name}".`);
  },
};
export default command;
