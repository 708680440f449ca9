/**
 * Opening a logical channel to the ISD-R with plain APDUs (MANAGE CHANNEL + SELECT), for the
 * transports that pass APDUs to the card unchanged: AT+CSIM and PC/SC.
 */
import { LpaError } from '../errors.js';
import { isNormalEnd } from './apdu.js';
import { toHex } from '../util/hex.js';
import { ISDR_AID, MANAGE_CHANNEL_OPEN, manageChannelClose, selectIsdr, swOf } from './cla.js';
import { transmitWithChaining } from './getResponse.js';

export interface OpenLogicalChannelOptions {
  /** AID to select (default the ISD-R's). */
  aid?: Uint8Array;
  /** For messages: how the APDUs travel, e.g. "over +CSIM", "over PC/SC". */
  via: string;
  /**
   * Turns a transport failure (the send function threw) into the error to report; default: the
   * error as thrown. The channel is already closed again when SELECT failed.
   */
  mapError?: (e: unknown, step: 'manage' | 'select') => Error;
}

/**
 * MANAGE CHANNEL (open, the card picks the number) on the basic channel, then SELECT of the AID
 * on the new channel with GET RESPONSE / 6Cxx handling. A SELECT that fails closes the channel
 * again. Returns the channel number (1..19). Card refusals are CHANNEL_OPEN_FAILED with the SW.
 */
export async function openLogicalChannel(send: (apdu: Uint8Array) => Promise<Uint8Array>, opts: OpenLogicalChannelOptions): Promise<number> {
  const mapError = opts.mapError ?? ((e: unknown) => (e instanceof Error ? e : new Error(String(e))));
  let resp: Uint8Array;
  try {
    // a T=0 card may answer 61xx even here: fetch the channel number with GET RESPONSE
    resp = await transmitWithChaining(send, MANAGE_CHANNEL_OPEN, MANAGE_CHANNEL_OPEN[0]!);
  } catch (e) {
    throw mapError(e, 'manage');
  }
  const sw = swOf(resp);
  if (!isNormalEnd(parseInt(sw, 16)) || resp.length !== 3 || resp[0]! < 1 || resp[0]! > 19) {
    throw new LpaError('CHANNEL_OPEN_FAILED', `MANAGE CHANNEL ${opts.via} failed (answer ${toHex(resp)})`, { sw });
  }
  const ch = resp[0]!;
  const select = selectIsdr(ch, opts.aid ?? ISDR_AID);
  let selResp: Uint8Array;
  try {
    selResp = await transmitWithChaining(send, select, select[0]!);
  } catch (e) {
    await send(manageChannelClose(ch)).catch(() => undefined);
    throw mapError(e, 'select');
  }
  if (!isNormalEnd(parseInt(swOf(selResp), 16))) {
    await send(manageChannelClose(ch)).catch(() => undefined);
    const what = opts.aid === undefined ? 'ISD-R' : `AID ${toHex(opts.aid)}`;
    // 6A82: no application with this AID (a removable eUICC may have its ISD-R elsewhere)
    const hint = swOf(selResp) === '6A82' ? ` (not found: ${opts.aid === undefined ? 'an eUICC with a non-standard ISD-R AID needs --isdr-aid' : 'check --isdr-aid'})` : '';
    throw new LpaError('CHANNEL_OPEN_FAILED', `SELECT ${what} on channel ${ch} failed with SW ${swOf(selResp)}${hint}`, { sw: swOf(selResp) });
  }
  return ch;
}
