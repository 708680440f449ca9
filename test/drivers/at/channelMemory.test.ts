import { describe, expect, it } from 'vitest';
import { openAtModem } from '../../../drivers/at/modem.js';
import { createVirtualBinding } from '../../../drivers/virtual/binding.js';
import { VirtualModem } from '../../../drivers/virtual/modem.js';
import { openVirtualEuicc } from '../../../src/sim/euicc/index.js';

/** The agent remembers a clean close, so the next open skips the AT+CCHC scan — unless +CCHO then fails. */
describe('stale-channel handling with a remembered clean close', () => {
  const open = async (modem: VirtualModem, channel: { staleScanIds?: string[]; staleChannelId?: string }) => {
    const at = await openAtModem({ path: 'virtual', binding: createVirtualBinding(() => modem), vendor: 'generic', channel });
    const sent: string[] = [];
    const orig = at.engine.send.bind(at.engine);
    at.engine.send = (cmd, o) => {
      sent.push(cmd);
      return orig(cmd, o);
    };
    await at.channel.open();
    return { at, sent };
  };

  it('skips the scan after a clean close', async () => {
    const modem = new VirtualModem({ card: openVirtualEuicc() });
    const { at, sent } = await open(modem, { staleScanIds: [] });
    expect(sent.filter((c) => c.startsWith('AT+CCHC'))).toEqual([]);
    expect(at.channel.channelId).toBeDefined();
    await at.close();
    modem.dispose();
  });

  it('closes ids 1..4 and retries when +CCHO fails although nothing was expected open', async () => {
    const modem = new VirtualModem({ card: openVirtualEuicc() });
    modem.failNext(1, 3);
    const { at, sent } = await open(modem, { staleScanIds: [] });
    expect(sent).toEqual([
      'AT+CCHO="A0000005591010FFFFFFFF8900000100"',
      'AT+CCHC=1',
      'AT+CCHC=2',
      'AT+CCHC=3',
      'AT+CCHC=4',
      'AT+CCHO="A0000005591010FFFFFFFF8900000100"',
    ]);
    expect(at.channel.transport).toBe('cgla'); // not mistaken for a module without +CCHO
    await at.close();
    modem.dispose();
  });

  it('closes only the remembered channel of a crashed run', async () => {
    const modem = new VirtualModem({ card: openVirtualEuicc() });
    const { at, sent } = await open(modem, { staleChannelId: '2' });
    expect(sent.filter((c) => c.startsWith('AT+CCHC'))).toEqual(['AT+CCHC=2']);
    await at.close();
    modem.dispose();
  });
});
