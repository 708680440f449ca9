/**
 * Quirk switches of the virtual module: each one reproduces a behaviour from modem-facts.md.
 * A `Quirks` object is given at construction and may be changed at run time (tests flip fields
 * on `modem.quirks` between commands). Counted faults (`failNext`, `loseNext`, `urcBeforeFinal`)
 * are consumed by the module as they fire.
 */

/** How the module answers `AT+CCHO`. */
export type CchoShape =
  | 'spec-bare' // `1` (TS 27.007 8.45)
  | 'colon-space' // `+CCHO: 1`
  | 'colon-nospace' // `+CCHO:1`
  | 'handle16'; // `+CCHO: 000000000385a7cf` (Sierra MC7455), reused verbatim

/** How the module prints `+CGLA:` / `+CSIM:` answers. */
export interface ResponseShape {
  /** space after the colon: `+CGLA: 4,"9000"` vs `+CGLA:4,"9000"` */
  space: boolean;
  /** hex in double quotes */
  quoted: boolean;
  /** hex in lower case */
  lowerCase: boolean;
}

export type TestCommandMode = 'ok' | 'error' | 'silent';

/** Plain `ERROR` or a CME number for counted injected failures. */
export type InjectedFailure = number | 'error';

export interface LineLimit {
  /** Largest +CSIM APDU (bytes) the firmware handles; longer lines trigger `mode`. */
  maxApduBytes: number;
  /** 'freeze': the module stops answering anything until `powerCycle()`; 'ignore': that line gets no answer. */
  mode: 'freeze' | 'ignore';
}

export interface Quirks {
  cchoShape: CchoShape;
  cglaShape: ResponseShape;
  /** Echo stays on whatever ATE0 says. */
  forceEcho: boolean;
  /** For the next N commands, print a stray partial echo fragment of the command before its answer. */
  partialEchoNext: number;
  /** Answer of `AT+XXX=?` for commands the module supports. */
  testCommands: TestCommandMode;
  /** No AT+CCHC at all (Sierra EM9191): answers like an unknown command. */
  noCchc: boolean;
  /** AT+CCHC fails for session ids the module never opened (Fibocom FM350). */
  cchcFailsUnknown: boolean;
  /** Only +CSIM: AT+CCHO/+CGLA/+CCHC are unknown commands (Dell DW5821e, Alcatel IK41). */
  csimOnly: boolean;
  /** The card refuses STORE DATA with 6985 until TERMINAL CAPABILITY (INS AA) was sent since reset. */
  needsTerminalCapability: boolean;
  /** Unknown/unsupported commands end with `COMMAND NOT SUPPORT` instead of `ERROR`. */
  commandNotSupport: boolean;
  /** Extra delay before every answer (slow module), in ms. */
  delayMs: number;
  /** +CSIM line length limit (one firmware family freezes over ~124-128 bytes). */
  lineLimit: LineLimit | undefined;
  /** Quectel EC20F: the next N last-blocks of a STORE DATA sequence (P1 bit 8) answer plain ERROR (not forwarded to the card). */
  failLastStoreDataBlocks: number;
  /** Length of the SIM-reset window after a REFRESH / CFUN cycle, in ms. */
  simResetMs: number;
  /** CME number answered to card commands during the SIM-reset window (13 SIM failure or 14 SIM busy). */
  simResetCme: 13 | 14;
  /**
   * After a SIM reset (and from the module's start) the module reports the SIM ready, but the card
   * stays busy for this long: +CCHO/+CGLA/+CCHC/+CSIM answer CME 14 (SIM busy). 0 = off.
   */
  slowSimMs: number;
  /** The port vanishes (USB re-enumeration) for the SIM-reset window after a REFRESH or reboot. */
  vanishOnReset: boolean;
  /** The next `count` commands fail with `failure` (CME number or plain ERROR) without executing. */
  failNext: { count: number; failure: InjectedFailure } | undefined;
  /** The next N commands execute but their answer (info lines and final result) is never sent. */
  loseNext: number;
  /** URC lines inserted once between the next answer's info lines and its final result. */
  urcBeforeFinal: string[];
  /** CMEE value after boot / ATZ. */
  cmeeDefault: 0 | 1 | 2;
}

export function defaultQuirks(): Quirks {
  return {
    cchoShape: 'colon-space',
    cglaShape: { space: true, quoted: true, lowerCase: false },
    forceEcho: false,
    partialEchoNext: 0,
    testCommands: 'ok',
    noCchc: false,
    cchcFailsUnknown: false,
    csimOnly: false,
    needsTerminalCapability: false,
    commandNotSupport: false,
    delayMs: 0,
    lineLimit: undefined,
    failLastStoreDataBlocks: 0,
    simResetMs: 200,
    simResetCme: 14,
    slowSimMs: 0,
    vanishOnReset: false,
    failNext: undefined,
    loseNext: 0,
    urcBeforeFinal: [],
    cmeeDefault: 1,
  };
}

/** Verbose texts for AT+CMEE=2 (TS 27.007 9.2). */
export const CME_TEXT: Readonly<Record<number, string>> = {
  3: 'operation not allowed',
  4: 'operation not supported',
  10: 'SIM not inserted',
  13: 'SIM failure',
  14: 'SIM busy',
  15: 'SIM wrong',
  21: 'invalid index',
  50: 'Incorrect parameters',
  100: 'unknown',
};
