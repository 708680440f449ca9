import { LpaError } from '../../errors.js';
import { charCount, MAX_NICKNAME_CHARS } from '../../es10/setNickname.js';
import { parseTypedIccid } from '../../ids/iccid.js';
import type { Command } from '../command.js';
import { withDevice } from '../device.js';

const command: Command = {
  name: 'nickname',
  summary: 'Set a profile nickname (an empty name clears it; at most 64 characters).',
  usage: 'nickname <iccid> <name>',
  options: {},
  maxPositionals: 2,
  async run({ globals, out, positionals }) {
    if (positionals.length !== 2) throw new LpaError('USAGE', 'usage: nickname <iccid> <name> (use "" to clear)');
    const iccid = parseTypedIccid(positionals[0]!);
    const name = positionals[1]!;
    const chars = charCount(name);
    if (chars > MAX_NICKNAME_CHARS) throw new LpaError('USAGE', `nickname is ${chars} characters; at most ${MAX_NICKNAME_CHARS} are allowed`);
    if (/[\u0000-\u001f\u007f-\u009f]/.test(name)) throw new LpaError('USAGE', 'a nickname must not contain control characters');
    await withDevice(globals, (d) => d.es10.setNickname(iccid, name), out);
    out.result({ iccid, nickname: name }, name === '' ? `Nickname of ${iccid} cleared.` : `Nickname of ${iccid} set to "${name}".`);
  },
};
export default command;
