/**
 * The ISD-R channel over AT: +CCHO/+CGLA/+CCHC, falling back to +CSIM (MANAGE CHANNEL + SELECT)
 * on modules without logical-channel commands. Rides out SIM resets: the channel is marked lost
 * on a reset URC or a CME 10/13/14 answer and reopened before the next APDU.
 */
import type { ApduChannel, ChannelStats, ModemControl, TransmitOptions } from '../../src/apdu/channel.js';
import { transmitWithChaining } from '../../src/apdu/getResponse.js';
import { openLogicalChannel } from '../../src/apdu/logicalChannel.js';
import { LpaError, isLpaError } from '../../src/errors.js';
import { isLongStoreData, SHORT_BLOCK_HINT } from '../../src/apdu/storeData.js';
import { bytesEqual, toHex } from '../../src/util/hex.js';
import { interruptedByReset, reopenAfterReset } from '../reset.js';
import { INS_STORE_DATA, ISDR_AID, ISDR_AID_HEX, MAX_SHORT_APDU, TERMINAL_CAPABILITY, claForChannel, manageChannelClose, swOf } from '../../src/apdu/cla.js';
import type { AtEngine } from './engine.js';
import { isUnsupported, readModuleIccid, simResetCme } from './answers.js';
import { cmeNumber, parseCcho, parseCgla, parseCsim } from './lines.js';
import { SimState } from './simstate.js';
import type { VendorProfile } from './vendors.js';

export type ChannelTransport = 'cgla' | 'csim';

export interface AtEuiccChannelOptions {
  /** Channel id a previous run left open (from the agent's state): closed before opening. */
  staleChannelId?: string;
  /** Ids to close before opening when none is remembered (default 1..4, if the vendor allows). */
  staleScanIds?: readonly string[];
  /** Deadline for the SIM to come back when reopening after a reset (default 60 s). */
  simReadyTimeoutMs?: number;
  /** AT+CPIN? polling interval while waiting for the SIM (default 1 s). */
  pollIntervalMs?: number;
  /** Deadline of an APDU's AT command unless transmit() says otherwise (default: engine's). */
  apduTimeoutMs?: number;
  /** Skip +CCHO and use +CSIM from the start. */
  forceCsim?: boolean;
  /** AID to open the channel to (default the standard ISD-R AID; `--isdr-aid`). */
  isdrAid?: Uint8Array;
}

/** How long to wait for a module to show the SIM reset that follows a profile switch. */
const RESET_GRACE_MS = 3000;

export class AtEuiccChannel implements ApduChannel, ModemControl {
  readonly vendor: VendorProfile;
  private readonly engine: AtEngine;
  private readonly opts: AtEuiccChannelOptions;
  private readonly sim: SimState;
  private id: string | undefined;
  private mode: ChannelTransport | undefined;
  private lost = false;
  private staleDone = false;
  private scanSkipped = false;
  private preferCsim: boolean;
  private cglaWorks = false;
  private terminalCapabilitySent = false;
  private counters = { apdus: 0, storeDataBlocks: 0 };
  /** When the last APDU was handed to the module (ms since epoch). */
  private lastApduAt = 0;

  constructor(engine: AtEngine, vendor: VendorProfile, options: AtEuiccChannelOptions = {}) {
    this.engine = engine;
    this.vendor = vendor;
    this.opts = options;
    this.preferCsim = options.forceCsim ?? false;
    this.sim = new SimState(engine, vendor, options.pollIntervalMs ?? 1000);
    this.sim.onLost(() => {
      if (this.id !== undefined) this.lost = true;
    });
  }

  /** Session id of the open channel (a CCHO id or Sierra handle, or the +CSIM channel number). */
  get channelId(): string | undefined {
    return this.id;
  }

  get transport(): ChannelTransport | undefined {
    return this.mode;
  }

  /** True after a SIM reset closed the channel; the next transmit reopens it. */
  get isLost(): boolean {
    return this.lost;
  }

  /** Largest command APDU this transport takes (the vendor's +CSIM line limit, else 261). */
  get maxApduBytes(): number {
    return this.mode === 'csim' && this.vendor.csimMaxApduBytes ? this.vendor.csimMaxApduBytes : MAX_SHORT_APDU;
  }

  /** ApduChannel: the hard cap the ES10 client keeps STORE DATA blocks under (+CSIM line limit). */
  get maxCommandApduBytes(): number {
    return this.maxApduBytes;
  }

  /** ApduChannel: the vendor's default STORE DATA block size, if it has one. */
  get storeDataBlockSize(): number | undefined {
    return this.vendor.storeDataBlockSize;
  }

  /**
   * Opens the channel. A SIM that is busy (CME 13/14 on +CCHO or +CSIM, e.g. right after a reset
   * or module start, while the module may already say READY) is waited for: `AT+CPIN?` polling and
   * retries until the SIM-ready deadline (default 60 s), not failed at the first refusal.
   */
  async open(): Promise<void> {
    if (this.id !== undefined && !this.lost) return;
    await this.openBy(Date.now() + (this.opts.simReadyTimeoutMs ?? 60_000));
  }

  private async openBy(deadline: number): Promise<void> {
    for (;;) {
      try {
        await this.openOnce();
        return;
      } catch (e) {
        const cme = isLpaError(e, 'SIM_NOT_READY') ? cmeNumber(e.details.cme as number | string | undefined) : undefined;
        if ((cme !== 13 && cme !== 14) || Date.now() >= deadline) throw e;
        await this.sim.waitReady(Math.max(1, deadline - Date.now()));
        await new Promise((r) => setTimeout(r, Math.min(this.opts.pollIntervalMs ?? 1000, Math.max(0, deadline - Date.now()))));
      }
    }
  }

  private async openOnce(): Promise<void> {
    if (this.lost) this.forget();
    await this.closeStale();
    if (!this.preferCsim) {
      try {
        await this.ccho().catch(async (e: unknown) => {
          // no stale channel was expected; if +CCHO fails anyway, channels may be used up by a
          // crashed run or another tool: close ids 1..4 and try once more before judging
          if (!this.scanSkipped || isLpaError(e, 'PORT_CLOSED')) throw e;
          this.scanSkipped = false;
          await this.scanClose(this.vendor.cchc === 'ok' ? ['1', '2', '3', '4'] : []);
          await this.ccho();
        });
      } catch (e) {
        if (!isUnsupported(e)) throw this.openError(e, '+CCHO');
        this.preferCsim = true;
      }
    }
    if (this.id === undefined) await this.openCsim();
    this.lost = false;
    this.terminalCapabilitySent = false;
    if (this.vendor.terminalCapability) await this.sendTerminalCapability();
  }

  private async sendTerminalCapability(): Promise<void> {
    this.terminalCapabilitySent = true;
    try {
      await this.exchange(TERMINAL_CAPABILITY, undefined);
    } catch (e) {
      if (isLpaError(e, 'PORT_CLOSED')) throw e;
      // optional: a card that rejects it still works
    }
  }

  async transmit(apdu: Uint8Array, options: TransmitOptions = {}): Promise<Uint8Array> {
    if (apdu.length < 4 || apdu.length > MAX_SHORT_APDU) {
      throw new LpaError('APDU_INVALID', `command APDU of ${apdu.length} bytes (must be 4..${MAX_SHORT_APDU})`);
    }
    if (this.lost) await this.recover();
    else if (this.id === undefined) await this.open();
    this.lastApduAt = Date.now();
    try {
      const resp = await this.exchange(apdu, options.timeoutMs);
      if (!this.terminalCapabilitySent && apdu[1] === INS_STORE_DATA && apdu[3] === 0 && swOf(resp) === '6985') {
        // the card refused the first block until TERMINAL CAPABILITY: send it, then the block again
        // (6985 means the block was not processed, so resending is safe)
        await this.sendTerminalCapability();
        return await this.exchange(apdu, options.timeoutMs);
      }
      return resp;
    } catch (e) {
      if (isLpaError(e, 'PORT_CLOSED')) throw e;
      const cme = simResetCme(e);
      if (cme === undefined && !this.lost) throw e;
      this.lost = true;
      // CME 10/14: the module did not pass the command to the SIM, so it never executed
      if (cme === 10 || cme === 14) {
        await this.recover();
        return this.exchange(apdu, options.timeoutMs);
      }
      if (!isLpaError(e)) throw e;
      throw interruptedByReset(apdu, e);
    }
  }

  async close(): Promise<void> {
    const id = this.id;
    const mode = this.mode;
    this.forget();
    if (id === undefined || this.lost || !this.engine.isOpen) {
      this.lost = false;
      return;
    }
    try {
      if (mode === 'csim') await this.csimRaw(manageChannelClose(Number(id)));
      else if (this.vendor.cchc !== 'missing') await this.engine.send(`AT+CCHC=${id}`);
    } catch {
      // the module may have dropped the channel already
    }
  }

  /**
   * Declares the channel gone (e.g. right after EnableProfile, whose REFRESH some modules do not
   * announce with a URC): the next transmit waits for the SIM and reopens first.
   */
  invalidate(): void {
    if (this.id !== undefined) this.lost = true;
  }

  /** Stops listening to the engine's URCs. */
  dispose(): void {
    this.sim.dispose();
  }

  waitSimReady(timeoutMs: number): Promise<void> {
    return this.sim.waitReady(timeoutMs);
  }

  async settleAfterSwitch(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    // the REFRESH closes every logical channel, whether or not the module says so
    this.invalidate();
    await this.sim.waitReset(this.lastApduAt, RESET_GRACE_MS, timeoutMs);
    if (this.vendor.cycleAfterSwitch) await this.restartSim(Math.max(1, deadline - Date.now()));
  }

  async restartSim(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    if (this.id !== undefined) this.lost = true;
    for (const cmd of this.vendor.restartSim) {
      const remaining = deadline - Date.now();
      if (remaining <= 0) throw new LpaError('SIM_NOT_READY', `SIM restart did not finish within ${timeoutMs} ms`, { timeoutMs });
      await this.engine.send(cmd, { timeoutMs: Math.min(remaining, 30_000) });
    }
    await this.sim.waitReady(Math.max(1, deadline - Date.now()));
  }

  readIccid(): Promise<string | undefined> {
    return readModuleIccid(this.engine, this.vendor);
  }

  stats(): ChannelStats {
    const e = this.engine.stats();
    return {
      atCommands: e.commands,
      apdus: this.counters.apdus,
      storeDataBlocks: this.counters.storeDataBlocks,
      bytesToModule: e.bytesToModule,
      bytesFromModule: e.bytesFromModule,
    };
  }

  private forget(): void {
    this.id = undefined;
    this.mode = undefined;
  }

  private openError(e: unknown, what: string): LpaError {
    const cme = simResetCme(e);
    if (cme !== undefined && isLpaError(e)) {
      return new LpaError('SIM_NOT_READY', `SIM not ready for ${what} (+CME ERROR: ${String(e.details.cme)})`, e.details, { cause: e });
    }
    if (isLpaError(e) && (e.code === 'PORT_CLOSED' || e.code === 'AT_TIMEOUT' || e.code === 'CHANNEL_OPEN_FAILED')) return e;
    const msg = e instanceof Error ? e.message : String(e);
    const hint = what === '+CCHO' ? (this.opts.isdrAid ? ' (is --isdr-aid right?)' : ' (an eUICC with a non-standard ISD-R AID needs --isdr-aid)') : '';
    return new LpaError('CHANNEL_OPEN_FAILED', `cannot open a channel to the ISD-R with ${what}: ${msg}${hint}`, isLpaError(e) ? e.details : {}, { cause: e });
  }

  private async ccho(): Promise<void> {
    const aid = this.opts.isdrAid ? toHex(this.opts.isdrAid) : ISDR_AID_HEX;
    const res = await this.engine.send(`AT+CCHO="${aid}"`, { prefix: '+CCHO', bare: (l) => /^"?[0-9A-Fa-f]{1,16}"?$/.test(l) });
    const line = res.lines[res.lines.length - 1];
    if (line === undefined) throw new LpaError('AT_BAD_RESPONSE', 'module answered OK to +CCHO without a channel id');
    this.id = parseCcho(line);
    this.mode = 'cgla';
  }

  /** Closes channels a crashed run may have left open; errors ignored. Once per channel object. */
  private async closeStale(): Promise<void> {
    if (this.staleDone || this.preferCsim || this.vendor.cchc === 'missing') return;
    this.staleDone = true;
    const remembered = this.opts.staleChannelId;
    const ids = remembered !== undefined ? [remembered] : this.vendor.cchc === 'ok' ? (this.opts.staleScanIds ?? ['1', '2', '3', '4']) : [];
    // an empty scan list means "the last run closed its channel": skip, but scan if +CCHO then fails
    if (remembered === undefined && this.opts.staleScanIds?.length === 0) this.scanSkipped = true;
    await this.scanClose(ids);
  }

  private async scanClose(ids: readonly string[]): Promise<void> {
    for (const id of ids) {
      try {
        await this.engine.send(`AT+CCHC=${id}`);
      } catch (e) {
        if (isLpaError(e, 'PORT_CLOSED')) throw e;
      }
    }
  }

  private async openCsim(): Promise<void> {
    const aid = this.opts.isdrAid;
    const ch = await openLogicalChannel((a) => this.csimRaw(a), {
      via: 'over +CSIM',
      ...(aid !== undefined && !bytesEqual(aid, ISDR_AID) ? { aid } : {}),
      mapError: (e, step) => {
        if (step === 'manage' && isUnsupported(e)) {
          return new LpaError('CHANNEL_OPEN_FAILED', 'the module supports neither +CCHO/+CGLA nor +CSIM: no way to reach the eUICC', isLpaError(e) ? e.details : {}, { cause: e });
        }
        return this.openError(e, step === 'manage' ? '+CSIM MANAGE CHANNEL' : '+CSIM SELECT ISD-R');
      },
    });
    this.id = String(ch);
    this.mode = 'csim';
  }

  /** Reopens the channel after a SIM reset: waits for the SIM, then opens within the deadline. */
  private async recover(): Promise<void> {
    this.forget();
    const total = this.opts.simReadyTimeoutMs ?? 60_000;
    const deadline = Date.now() + total;
    await reopenAfterReset({
      totalMs: total,
      pollIntervalMs: this.opts.pollIntervalMs ?? 1000,
      waitReady: (ms) => this.sim.waitReady(ms),
      open: () => this.openBy(deadline),
    });
  }

  /** One APDU with 61xx / 6Cxx handling on the current transport. */
  private async exchange(apdu: Uint8Array, timeoutMs: number | undefined): Promise<Uint8Array> {
    const timeout = timeoutMs ?? this.opts.apduTimeoutMs;
    if (this.mode === 'csim') {
      const ch = Number(this.id);
      const patched = new Uint8Array(apdu);
      patched[0] = claForChannel(apdu[0]!, ch);
      return transmitWithChaining((a) => this.csimRaw(a, timeout), patched, patched[0]!);
    }
    try {
      const resp = await transmitWithChaining((a) => this.cglaRaw(a, timeout), apdu, apdu[0]!);
      this.cglaWorks = true;
      return resp;
    } catch (e) {
      if (this.cglaWorks || !isUnsupported(e)) throw e;
      // +CCHO worked but +CGLA does not exist here: the APDU never reached the card
      const id = this.id;
      this.forget();
      if (this.vendor.cchc !== 'missing') await this.engine.send(`AT+CCHC=${id}`).catch(() => undefined);
      this.preferCsim = true;
      await this.openCsim();
      return this.exchange(apdu, timeoutMs);
    }
  }

  private count(apdu: Uint8Array): void {
    this.counters.apdus++;
    if (apdu[1] === INS_STORE_DATA) this.counters.storeDataBlocks++;
  }

  /**
   * Sends the AT command that carries `apdu`. A long STORE DATA block that gets no answer is the
   * signature of a firmware that freezes on long AT lines: the timeout says to use shorter blocks
   * (the block is not resent: a STORE DATA series cannot be resumed safely).
   */
  private async sendApdu(command: string, apdu: Uint8Array, prefix: string, timeoutMs: number | undefined) {
    try {
      return await this.engine.send(command, { prefix, timeoutMs });
    } catch (e) {
      if (isLpaError(e, 'AT_TIMEOUT') && isLongStoreData(apdu)) {
        e.message += ` (the command carried a ${apdu.length}-byte STORE DATA block; some modules freeze on long AT lines until restarted: ${SHORT_BLOCK_HINT})`;
        e.details.apduBytes = apdu.length;
        e.details.hint = SHORT_BLOCK_HINT;
      }
      throw e;
    }
  }

  private async cglaRaw(apdu: Uint8Array, timeoutMs?: number): Promise<Uint8Array> {
    const hex = toHex(apdu);
    this.count(apdu);
    const res = await this.sendApdu(`AT+CGLA=${this.id},${hex.length},"${hex}"`, apdu, '+CGLA', timeoutMs);
    const line = res.lines[res.lines.length - 1];
    if (line === undefined) throw new LpaError('AT_BAD_RESPONSE', 'module answered OK to +CGLA without a response APDU');
    return parseCgla(line);
  }

  private async csimRaw(apdu: Uint8Array, timeoutMs?: number): Promise<Uint8Array> {
    const max = this.vendor.csimMaxApduBytes ?? MAX_SHORT_APDU;
    if (apdu.length > max) {
      throw new LpaError('APDU_INVALID', `APDU of ${apdu.length} bytes exceeds this module's +CSIM limit of ${max} bytes`, { limit: max });
    }
    const hex = toHex(apdu);
    this.count(apdu);
    const res = await this.sendApdu(`AT+CSIM=${hex.length},"${hex}"`, apdu, '+CSIM', timeoutMs);
    const line = res.lines[res.lines.length - 1];
    if (line === undefined) throw new LpaError('AT_BAD_RESPONSE', 'module answered OK to +CSIM without a response APDU');
    return parseCsim(line);
  }
}
