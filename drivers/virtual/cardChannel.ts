/**
 * Logical channels a module opens on its card for another interface (QMI Open Logical Channel,
 * MBIM UICC OPEN_CHANNEL): MANAGE CHANNEL, then SELECT by AID with GET RESPONSE, through
 * `VirtualModem.cardCommand` so the SIM state and card quirks apply as on the AT port.
 */
import type { CardCommandResult, VirtualModem } from './modem.js';
import { claForChannel } from './simCommands.js';

const MAX_GET_RESPONSE_ROUNDS = 16;

export type ChannelOpenResult =
  | { kind: 'open'; channel: number; selectResponse: Uint8Array }
  /** the module could not run it (SIM restarting or off, injected failure) */
  | { kind: 'refused'; result: Exclude<CardCommandResult, { kind: 'response' }> }
  /** MANAGE CHANNEL found no free channel */
  | { kind: 'no-channel' }
  /** SELECT answered another status word (the channel was closed again) */
  | { kind: 'select-failed'; sw: number };

function sw(r: Uint8Array): number {
  return (r[r.length - 2]! << 8) | r[r.length - 1]!;
}

export function openCardChannel(modem: VirtualModem, aid: Uint8Array): ChannelOpenResult {
  const open = modem.cardCommand(Uint8Array.of(0x00, 0x70, 0x00, 0x00, 0x01));
  if (open.kind !== 'response') return { kind: 'refused', result: open };
  if (open.data.length !== 3 || sw(open.data) !== 0x9000) return { kind: 'no-channel' };
  const ch = open.data[0]!;
  let sel = modem.cardCommand(Uint8Array.of(claForChannel(0x00, ch), 0xa4, 0x04, 0x00, aid.length, ...aid));
  const body: number[] = [];
  for (let i = 0; sel.kind === 'response' && sel.data[sel.data.length - 2] === 0x61 && i < MAX_GET_RESPONSE_ROUNDS; i++) {
    body.push(...sel.data.subarray(0, sel.data.length - 2));
    sel = modem.cardCommand(Uint8Array.of(claForChannel(0x00, ch), 0xc0, 0x00, 0x00, sel.data[sel.data.length - 1]!));
  }
  if (sel.kind !== 'response' || sw(sel.data) !== 0x9000) {
    modem.cardCommand(Uint8Array.of(0x00, 0x70, 0x80, ch, 0x00));
    return sel.kind === 'response' ? { kind: 'select-failed', sw: sw(sel.data) } : { kind: 'refused', result: sel };
  }
  body.push(...sel.data.subarray(0, sel.data.length - 2));
  return { kind: 'open', channel: ch, selectResponse: Uint8Array.from(body) };
}

/** MANAGE CHANNEL close; false when the module could not run it. */
export function closeCardChannel(modem: VirtualModem, ch: number): CardCommandResult {
  return modem.cardCommand(Uint8Array.of(0x00, 0x70, 0x80, ch, 0x00));
}

/** An APDU on `ch` with the class byte moved to that channel (the card reads the channel from it). */
export function channelApdu(modem: VirtualModem, ch: number, command: Uint8Array): { apdu: Uint8Array; result: CardCommandResult } {
  const apdu = new Uint8Array(command);
  apdu[0] = claForChannel(apdu[0]!, ch);
  return { apdu, result: modem.cardCommand(apdu) };
}
