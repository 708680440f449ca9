/**
 * The APDU channel contract: how the LPA reaches the eUICC's ISD-R.
 *
 * Declared here, implemented in `drivers/` (AT engine over serialport with +CCHO/+CGLA or +CSIM,
 * and the virtual modem). `src/lpa` and `src/es10` only ever see this interface.
 */

export interface ApduChannel {
  /** Opens a logical channel to the ISD-R (closing stale ones first). Idempotent. */
  open(): Promise<void>;
  /**
   * Sends one command APDU on the ISD-R channel and returns the response data followed by SW1SW2.
   * The implementation handles `61xx` (GET RESPONSE) and `6Cxx` (resend with Le) itself, patches
   * the class byte for its transport, and reopens the channel after a SIM reset when it can.
   * Errors are `LpaError`s (AT_*, PORT_*, CHANNEL_*, SIM_NOT_READY).
   */
  transmit(apdu: Uint8Array, options?: TransmitOptions): Promise<Uint8Array>;
  /** Closes the logical channel (ignoring errors from a channel the module already dropped). */
  close(): Promise<void>;
}

export interface TransmitOptions {
  /** Deadline for this APDU's AT command in ms; default from the driver (10 s). */
  timeoutMs?: number;
}

/** Round-trip counters a driver keeps; reported by the CLI and the bench. */
export interface ChannelStats {
  atCommands: number;
  apdus: number;
  storeDataBlocks: number;
  bytesToModule: number;
  bytesFromModule: number;
}

/**
 * What the agent needs of the module beyond APDUs: riding out a SIM reset after EnableProfile and
 * reading identifiers that live outside the eUICC. Implemented by the AT driver.
 */
export interface ModemControl {
  /** Waits until the module reports the SIM ready again (URCs and/or `AT+CPIN?` polling). */
  waitSimReady(timeoutMs: number): Promise<void>;
  /** Restarts the SIM/radio the way the vendor profile says (e.g. CFUN 0/1), then waits for ready. */
  restartSim(timeoutMs: number): Promise<void>;
  /**
   * After EnableProfile/DisableProfile: waits for the module to re-read the SIM and, where the
   * vendor profile says so, cycles the radio (CFUN) so the new profile attaches.
   */
  settleAfterSwitch(timeoutMs: number): Promise<void>;
  /** ICCID of the active profile via the vendor's command (e.g. AT+QCCID), if supported. */
  readIccid(): Promise<string | undefined>;
  stats(): ChannelStats;
}
