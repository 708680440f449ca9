import { VirtualModem, type VirtualModemOptions } from '../../../drivers/virtual/modem.js';
import { TestCard } from './testCard.js';

/** Drives a VirtualModem with raw lines and collects what it sends back. */
export class Terminal {
  out = '';
  constructor(readonly modem: VirtualModem) {
    modem.attach((b) => {
      this.out += Buffer.from(b).toString('latin1');
    });
  }

  /** Takes (and clears) everything received so far. */
  take(): string {
    const s = this.out;
    this.out = '';
    return s;
  }

  /** Sends raw text and returns what the module answered once idle. */
  async raw(text: string): Promise<string> {
    this.take();
    this.modem.input(new Uint8Array(Buffer.from(text, 'latin1')));
    await this.modem.whenIdle();
    return this.take();
  }

  /** Sends one line (terminated with `eol`) and returns the answer's non-empty lines. */
  async cmd(line: string, eol = '\r'): Promise<string[]> {
    return lines(await this.raw(line + eol));
  }
}

export function lines(text: string): string[] {
  return text.split(/\r\n|\r|\n/).filter((l) => l.length > 0);
}

export function setup(opts: Partial<VirtualModemOptions> = {}): { card: TestCard; modem: VirtualModem; term: Terminal } {
  const card = (opts.card as TestCard | undefined) ?? new TestCard();
  const modem = new VirtualModem({ ...opts, card });
  const term = new Terminal(modem);
  return { card, modem, term };
}

/** Terminal with echo off (most tests). */
export async function quiet(opts: Partial<VirtualModemOptions> = {}): Promise<{ card: TestCard; modem: VirtualModem; term: Terminal }> {
  const s = setup(opts);
  await s.term.cmd('ATE0');
  return s;
}
