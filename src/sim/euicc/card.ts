/**
 * The virtual eUICC's ISO 7816 layer: logical channels, SELECT of the ISD-R, STORE DATA
 * reassembly, GET RESPONSE chaining. Complete ES10 requests go to the handler table by tag.
 * Every APDU gets a status word; nothing here throws.
 */

import type { VirtualCard } from '../card.js';
import { bytesEqual, concatBytes, fromHex } from '../../util/hex.js';
import { ISD_R_FCI } from './capabilities.js';
import type { Es10Context, Es10Continuation, Es10Handler, EuiccSession } from './es10/context.js';
import { dispatchEs10, handlerTable } from './es10/dispatch.js';
import { ES10_HANDLERS } from './es10/handlers.js';
import { loadTestIdentity, type EuiccIdentity } from './identity.js';
import { defaultEuiccQuirks, PROACTIVE_LENGTH, type EuiccQuirks } from './quirks.js';
import { EuiccStateStore, ISD_R_AID, type EuiccState } from './state.js';

/** Logical channels 0 (basic) to 19. */
export const MAX_CHANNEL = 19;
/** Largest ES10 request one STORE DATA sequence may carry. */
export const MAX_STORE_DATA = 64 * 1024;

const SW = {
  OK: 0x9000,
  WRONG_LENGTH: 0x6700,
  CHANNEL_NOT_SUPPORTED: 0x6881,
  SM_NOT_SUPPORTED: 0x6882,
  CHAINING_NOT_SUPPORTED: 0x6884,
  CONDITIONS_NOT_SATISFIED: 0x6985,
  FUNCTION_NOT_SUPPORTED: 0x6a81,
  FILE_NOT_FOUND: 0x6a82,
  NOT_ENOUGH_MEMORY: 0x6a84,
  WRONG_P1P2: 0x6a86,
  INS_NOT_SUPPORTED: 0x6d00,
  CLA_NOT_SUPPORTED: 0x6e00,
  INTERNAL: 0x6f00,
} as const;

const ISD_R = fromHex(ISD_R_AID);

interface Channel {
  isdrSelected: boolean;
  /** Blocks of the STORE DATA sequence in progress. */
  blocks?: { next: number; parts: Uint8Array[]; length: number };
  /** Response data not yet fetched with GET RESPONSE. */
  pending?: Uint8Array;
  /** Status word ending the GET RESPONSE chain of `pending` (9000, or 91xx with the sw91xx quirk). */
  pendingSw?: number;
  continuation?: Es10Continuation;
}

interface Command {
  cla: number;
  ins: number;
  p1: number;
  p2: number;
  data: Uint8Array;
  /** Le as sent (0 = 256), or undefined when absent. */
  le?: number;
  channel: number;
  proprietary: boolean;
}

export interface VirtualEuiccOptions {
  store: EuiccStateStore;
  /** Defaults to the SGP.26 test eUICC from the bundled data folder. */
  identity?: EuiccIdentity;
  /** Defaults to every ES10 function this eUICC implements. */
  handlers?: readonly Es10Handler[];
  /** Quirks on top of the defaults (a well-behaved card). */
  quirks?: Partial<EuiccQuirks>;
}

function sw(word: number, data?: Uint8Array): Uint8Array {
  const tail = Uint8Array.of(word >> 8, word & 0xff);
  return data && data.length > 0 ? concatBytes(data, tail) : tail;
}

/** Decodes CLA into a logical channel; returns a status word for classes this card refuses. */
function decodeCla(cla: number): { channel: number; proprietary: boolean } | number {
  if (cla === 0xff) return SW.CLA_NOT_SUPPORTED;
  const proprietary = (cla & 0x80) !== 0;
  if ((cla & 0x40) === 0) {
    // first interindustry coding: 0x0X / 0x8X (bit 0x20 set: RFU)
    if ((cla & 0x20) !== 0) return SW.CLA_NOT_SUPPORTED;
    if ((cla & 0x0c) !== 0) return SW.SM_NOT_SUPPORTED;
    if ((cla & 0x10) !== 0) return SW.CHAINING_NOT_SUPPORTED;
    return { channel: cla & 0x03, proprietary };
  }
  // further interindustry coding: 0x4X / 0xCX, channels 4-19
  if ((cla & 0x20) !== 0) return SW.SM_NOT_SUPPORTED;
  if ((cla & 0x10) !== 0) return SW.CHAINING_NOT_SUPPORTED;
  return { channel: 4 + (cla & 0x0f), proprietary };
}

/** Splits a short APDU into header, data and Le; returns 6700 for inconsistent lengths. */
function parseApdu(apdu: Uint8Array): Command | number {
  if (apdu.length < 4) return SW.WRONG_LENGTH;
  const cla = decodeCla(apdu[0]!);
  if (typeof cla === 'number') return cla;
  const base = { cla: apdu[0]!, ins: apdu[1]!, p1: apdu[2]!, p2: apdu[3]!, ...cla };
  if (apdu.length === 4) return { ...base, data: new Uint8Array(0) };
  if (apdu.length === 5) return { ...base, data: new Uint8Array(0), le: apdu[4]! };
  const lc = apdu[4]!;
  if (lc === 0) return SW.WRONG_LENGTH; // extended length is not supported
  if (apdu.length === 5 + lc) return { ...base, data: apdu.slice(5) };
  if (apdu.length === 6 + lc) return { ...base, data: apdu.slice(5, 5 + lc), le: apdu[5 + lc]! };
  return SW.WRONG_LENGTH;
}

export class VirtualEuicc implements VirtualCard {
  onRefreshRequested?: () => void;
  readonly store: EuiccStateStore;
  readonly identity: EuiccIdentity;
  /** The live quirk switches; change fields at any time. */
  quirks: EuiccQuirks;
  private readonly table: ReadonlyMap<number, Es10Handler>;
  private channels: (Channel | undefined)[] = [];
  private session: EuiccSession = {};
  private refreshWanted = false;

  constructor(options: VirtualEuiccOptions) {
    this.store = options.store;
    this.identity = options.identity ?? loadTestIdentity();
    this.quirks = { ...defaultEuiccQuirks(), ...options.quirks };
    this.table = handlerTable(options.handlers ?? ES10_HANDLERS);
    this.reset();
  }

  /** The persistent state (read it; change it only through APDUs). */
  get state(): Readonly<EuiccState> {
    return this.store.state;
  }

  get eid(): string {
    return this.store.state.eid;
  }

  activeIccid(): string | undefined {
    return this.store.state.profiles.find((p) => p.state === 'enabled')?.iccid;
  }

  reset(): void {
    this.channels = [{ isdrSelected: false }];
    this.session = {};
    this.refreshWanted = false;
  }

  /** Numbers of the open logical channels (0 is always open). */
  openChannels(): number[] {
    const out: number[] = [];
    this.channels.forEach((c, i) => c && out.push(i));
    return out;
  }

  transmit(apdu: Uint8Array): Uint8Array {
    let out: Uint8Array;
    try {
      out = this.process(apdu);
    } catch {
      out = sw(SW.INTERNAL);
    }
    if (this.refreshWanted) {
      this.refreshWanted = false;
      try {
        this.onRefreshRequested?.();
      } catch {
        // the module's reset sequence is its own business
      }
    }
    return out;
  }

  private process(apdu: Uint8Array): Uint8Array {
    const cmd = parseApdu(apdu);
    if (typeof cmd === 'number') return sw(cmd);
    const ch = this.channels[cmd.channel];
    if (!ch) return sw(SW.CHANNEL_NOT_SUPPORTED);
    if (cmd.ins !== 0xc0) ch.pending = undefined;
    switch (cmd.ins) {
      case 0x70:
        return this.manageChannel(cmd);
      case 0xa4:
        return this.select(cmd, ch);
      case 0xe2:
        return this.storeData(cmd, ch);
      case 0xc0:
        return this.getResponse(cmd, ch);
      case 0xaa:
        return cmd.proprietary ? sw(SW.OK) : sw(SW.CLA_NOT_SUPPORTED);
      default:
        return sw(SW.INS_NOT_SUPPORTED);
    }
  }

  private manageChannel(cmd: Command): Uint8Array {
    if (cmd.data.length > 0) return sw(SW.WRONG_LENGTH);
    if (cmd.p1 === 0x00) {
      let n = cmd.p2;
      if (n === 0) {
        n = 1;
        while (n <= MAX_CHANNEL && this.channels[n]) n++;
        if (n > MAX_CHANNEL) return sw(SW.FUNCTION_NOT_SUPPORTED);
        this.channels[n] = { isdrSelected: false };
        return sw(SW.OK, Uint8Array.of(n));
      }
      if (n > MAX_CHANNEL || this.channels[n]) return sw(SW.WRONG_P1P2);
      this.channels[n] = { isdrSelected: false };
      return sw(SW.OK);
    }
    if (cmd.p1 === 0x80) {
      const n = cmd.p2 === 0 ? cmd.channel : cmd.p2;
      if (n === 0 || n > MAX_CHANNEL) return sw(SW.WRONG_P1P2);
      if (!this.channels[n]) return sw(SW.CHANNEL_NOT_SUPPORTED);
      this.channels[n] = undefined;
      return sw(SW.OK);
    }
    return sw(SW.WRONG_P1P2);
  }

  private select(cmd: Command, ch: Channel): Uint8Array {
    if (cmd.p1 !== 0x04) return sw(cmd.p1 <= 0x09 ? SW.FILE_NOT_FOUND : SW.WRONG_P1P2);
    if (cmd.p2 !== 0x00 && cmd.p2 !== 0x04 && cmd.p2 !== 0x0c) return sw(SW.WRONG_P1P2);
    const isdr = this.quirks.isdrAid === ISD_R_AID ? ISD_R : fromHex(this.quirks.isdrAid);
    if (!bytesEqual(cmd.data, isdr)) return sw(SW.FILE_NOT_FOUND);
    ch.isdrSelected = true;
    ch.blocks = undefined;
    ch.continuation = undefined;
    return cmd.p2 === 0x0c ? sw(SW.OK) : sw(SW.OK, ISD_R_FCI);
  }

  private storeData(cmd: Command, ch: Channel): Uint8Array {
    if (!cmd.proprietary) return sw(SW.CLA_NOT_SUPPORTED);
    if (!ch.isdrSelected) return sw(SW.CONDITIONS_NOT_SATISFIED);
    if (cmd.data.length === 0) return sw(SW.WRONG_LENGTH);
    if (cmd.p2 === 0) {
      ch.blocks = { next: 0, parts: [], length: 0 };
    } else if (!ch.blocks || ch.blocks.next !== cmd.p2) {
      ch.blocks = undefined;
      return sw(SW.WRONG_P1P2);
    }
    const blocks = ch.blocks;
    if (blocks.length + cmd.data.length > MAX_STORE_DATA) {
      ch.blocks = undefined;
      return sw(SW.NOT_ENOUGH_MEMORY);
    }
    blocks.parts.push(cmd.data);
    blocks.length += cmd.data.length;
    blocks.next++;
    if ((cmd.p1 & 0x80) === 0) return sw(SW.OK);
    ch.blocks = undefined;
    const out = this.runEs10(concatBytes(...blocks.parts), ch, cmd.channel);
    const q = this.quirks.sw91xx;
    const proactive = out.sw === SW.OK && (q === 'all' || (q === 'refresh' && this.refreshWanted));
    return this.respond(ch, out, proactive ? 0x9100 | PROACTIVE_LENGTH : SW.OK);
  }

  private runEs10(data: Uint8Array, ch: Channel, channel: number): { sw: number; data: Uint8Array } {
    const continuation = ch.continuation;
    ch.continuation = undefined;
    const ctx: Es10Context = {
      store: this.store,
      identity: this.identity,
      session: this.session,
      quirks: this.quirks,
      channel,
      requestRefresh: () => {
        this.refreshWanted = true;
      },
      continueWith: (next) => {
        ch.continuation = next;
      },
    };
    return dispatchEs10(this.table, data, ctx, continuation);
  }

  /** Short answers go out directly (with `okSw` for success); longer ones wait for GET RESPONSE behind 61xx. */
  private respond(ch: Channel, out: { sw: number; data: Uint8Array }, okSw: number): Uint8Array {
    if (out.sw !== SW.OK) return sw(out.sw, out.data);
    if (out.data.length <= 256) return sw(okSw, out.data);
    ch.pending = out.data;
    ch.pendingSw = okSw;
    return sw(0x6100 | (Math.min(out.data.length, 256) & 0xff));
  }

  private getResponse(cmd: Command, ch: Channel): Uint8Array {
    if (cmd.data.length > 0 || cmd.le === undefined) return sw(SW.WRONG_LENGTH);
    if (cmd.p1 !== 0 || cmd.p2 !== 0) return sw(SW.WRONG_P1P2);
    const pending = ch.pending;
    if (!pending) return sw(SW.CONDITIONS_NOT_SATISFIED);
    const n = Math.min(cmd.le === 0 ? 256 : cmd.le, pending.length);
    const chunk = pending.subarray(0, n);
    const rest = pending.subarray(n);
    if (rest.length === 0) {
      ch.pending = undefined;
      return sw(ch.pendingSw ?? SW.OK, chunk);
    }
    ch.pending = rest;
    return sw(0x6100 | (Math.min(rest.length, 256) & 0xff), chunk);
  }
}
