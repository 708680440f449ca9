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
  /**
   * Optional: the STORE DATA block size (data bytes, 1..255) this transport prefers, e.g. a vendor
   * default. The ES10 client uses it unless the user set one (`--apdu-size`); 255 when absent.
   */
  readonly storeDataBlockSize?: number;
  /**
   * Optional: the longest command APDU (bytes, header included) the transport carries safely right
   * now, e.g. a module's +CSIM line limit. A hard cap: STORE DATA blocks never exceed it minus 5.
   */
  readonly maxCommandApduBytes?: number;
}

export interface TransmitOptions {
  /** Deadline for this APDU's AT command in ms; default from the driver (10 s). */
  timeoutMs?: number;
}

/** Round-trip counters a driver keeps; reported by the CLI and the bench. */
export interface ChannelStats {
  /** AT commands sent (0 on QMI, MBIM and PC/SC). */
  atCommands: number;
  /** Transport requests: QMI/MBIM messages or PC/SC transmits (equal to atCommands on AT). */
  requests?: number;
  apdus: number;
  storeDataBlocks: number;
  bytesToModule: number;
  bytesFromModule: number;
}

/**
 * What the agent needs of the module beyond APDUs: riding out a SIM reset after EnableProfile and
 * reading identifiers that live outside the eUICC. Implemented by every driver (AT: URCs and
 * AT+CPIN?; QMI: card status indications; MBIM: subscriber-ready notifications; PC/SC: card
 * presence), each as far as its transport allows.
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

/** How a device is reached. */
export type TransportKind = 'at' | 'qmi' | 'mbim' | 'pcsc';

/** Radio access technologies a module supports, as deviceInfo reports them to the SM-DP+. */
export type RadioAccess = 'gsm' | 'utran' | 'eutran' | 'nr';

/** Module identity, where the transport can read it (AT: ATI/+CGMI/+CGMM/+CGMR/+CGSN; QMI: DMS; MBIM: device caps). */
export interface ModuleInfo {
  manufacturer?: string;
  model?: string;
  firmware?: string;
  imei?: string;
  /** Radio access technologies (AT: AT+WS46=?, else the vendor profile). */
  radioAccess?: RadioAccess[];
  /** Highest 3GPP release the module implements, where a vendor profile knows it. */
  release?: number;
}

/**
 * An opened way to the eUICC: what every driver in `drivers/` returns. The channel is not open yet
 * (the caller opens it, so it can remember stale channels); `close()` closes the channel if open,
 * releases every transport resource (QMI client ids, MBIM session, PC/SC handle) and the port.
 */
export interface EuiccTransport {
  kind: TransportKind;
  /** For messages and `info`: e.g. "/dev/ttyUSB2", "qmi:/dev/cdc-wdm0 (via qmi-proxy)", "pcsc:Virtual PCD 00 00". */
  label: string;
  /** Vendor profile name on AT ("quectel", "generic", ...); the transport name elsewhere unless known. */
  vendor: string;
  channel: ApduChannel & ModemControl;
  /**
   * Module identity, when the transport can read it. `fields` is a hint: only these are needed
   * (each costs a request on some transports); an implementation may return more or fewer.
   */
  moduleInfo?(fields?: readonly (keyof ModuleInfo)[]): Promise<ModuleInfo>;
  close(): Promise<void>;
}

/** What every driver's open function takes besides its address. */
export interface TransportOptions {
  /** ISD-R AID (default A0000005591010FFFFFFFF8900000100; removable eUICCs may use another). */
  isdrAid?: Uint8Array;
  /** Append a trace of the transport's requests to this file. */
  tracePath?: string;
  /** Default deadline of one transport request in ms. */
  requestTimeoutMs?: number;
}
