import type { VirtualCard } from '../../src/sim/card.js';
import { CME_TEXT, type Quirks } from './quirks.js';
import type { VendorProfile } from './vendors.js';

/** Where the SIM is: answering, inside the reset window after a REFRESH / CFUN cycle, or powered off (CFUN=0). */
export type SimState = 'ready' | 'resetting' | 'off';

/** The module's mutable state that command handlers read and change. */
export interface ModemState {
  readonly card: VirtualCard;
  readonly vendor: VendorProfile;
  quirks: Quirks;
  echo: boolean;
  cmee: 0 | 1 | 2;
  cfun: 0 | 1 | 4;
  sim: SimState;
  /** Open +CCHO sessions: session id as printed (lower case) -> logical channel. */
  sessions: Map<string, number>;
  /** TERMINAL CAPABILITY seen since the last card reset (for `needsTerminalCapability`). */
  terminalCapability: boolean;
  /** Counter for 16-hex-digit session handles. */
  handleCounter: number;
  /** Stops answering anything (line-limit freeze) until a power cycle. */
  frozen: boolean;
  /** The card answers SIM busy until this time (ms since epoch; the `slowSimMs` quirk). */
  busyUntil: number;
}

/** Final result of a command line. */
export type Final =
  | { kind: 'ok' }
  | { kind: 'error' }
  | { kind: 'cme'; code: number }
  | { kind: 'not-support' }
  /** no final result at all (silent test command, ignored/frozen line) */
  | { kind: 'silent' };

/** What the module does after printing the answer (the answer goes out first, as on a real module). */
export type AfterAction = 'reboot' | 'sim-off' | 'sim-reset';

export interface Answer {
  info: string[];
  final: Final;
  after?: AfterAction;
  /** APDU bytes carried by the line (for the timing hook). */
  apduBytes?: number;
  /** The line carried a STORE DATA block. */
  storeData?: boolean;
}

export const OK: Final = { kind: 'ok' };
export const ERROR: Final = { kind: 'error' };
export const SILENT: Final = { kind: 'silent' };
export function cme(code: number): Final {
  return { kind: 'cme', code };
}
export function answer(info: string[], final: Final = OK): Answer {
  return { info, final };
}

function finalText(state: ModemState, f: Final): string | undefined {
  switch (f.kind) {
    case 'ok':
      return 'OK';
    case 'error':
      return 'ERROR';
    case 'not-support':
      return 'COMMAND NOT SUPPORT';
    case 'silent':
      return undefined;
    case 'cme':
      if (state.cmee === 0) return 'ERROR';
      if (state.cmee === 2) return `+CME ERROR: ${CME_TEXT[f.code] ?? f.code}`;
      return `+CME ERROR: ${f.code}`;
  }
}

/** The answer as the module prints it: info lines, URCs queued before the final result, the final result (CMEE-dependent). */
export function formatAnswer(state: ModemState, ans: Answer): string {
  let out = '';
  for (const l of ans.info) out += `\r\n${l}\r\n`;
  const fin = finalText(state, ans.final);
  if (fin === undefined) return out;
  const urcs = state.quirks.urcBeforeFinal.splice(0);
  for (const u of urcs) out += `\r\n${u}\r\n`;
  return `${out}\r\n${fin}\r\n`;
}
