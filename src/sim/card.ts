/**
 * What a virtual module hosts: a card that answers command APDUs on any logical channel.
 * Implemented by the virtual eUICC (src/sim/euicc); used by the virtual modem (drivers/virtual).
 */
export interface VirtualCard {
  /**
   * Processes one command APDU exactly as received from the module (CLA carries the logical
   * channel) and returns response data + SW1SW2. Never throws for bad input: answers with the
   * ISO 7816 status word instead (6700, 6A86, 6D00, 6E00, 6881, ...).
   */
  transmit(apdu: Uint8Array): Uint8Array;
  /** Card reset (power cycle / REFRESH): all logical channels close, volatile session state clears. */
  reset(): void;
  /**
   * Set by the module: called when the card asks for a REFRESH (e.g. after EnableProfile or
   * DisableProfile with refreshFlag true). The module then runs its SIM-reset sequence and URCs.
   */
  onRefreshRequested?: () => void;
  /** ICCID (19-20 digits) of the enabled profile, or undefined; answers AT+CRSM / AT+QCCID etc. */
  activeIccid(): string | undefined;
}
