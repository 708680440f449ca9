import { LpaError } from '../../errors.js';
import { parseIccid } from '../../ids/iccid.js';
import type { Command } from '../command.js';
import { withDevice } from '../device.js';

const command: Command = {
  name: 'nickname',
  summary: 'Set a profile nickname (an empty name clears it; at most 64 bytes of UTF-8).',
  usage: 'nickname <iccid> <name>',
  options: {},
  async run({ globals, out, positionals }) {
    if (positionals.length !== 2) throw new LpaError('USAGE', 'usage: nickname <iccid> <name> (use "" to clear)');
    const iccid = parseIccid(positionals[0]!);
    const name = positionals[1]!;
    if (Buffer.byteLength(name, 'utf8') > 64) throw new LpaError('USAGE', `nickname is ${Buffer.byteLength(name, 'utf8')} bytes of UTF-8; at most 64 are allowed`);
    await withDevice(globals, (d) => d.es10.setNickname(iccid, name), out);
    out.result({ iccid, nickname: name }, name === '' ? `Nickname of ${iccid} cleared.` : `Nickname of ${iccid} set to "${name}".`);
  },
};
export default command;
