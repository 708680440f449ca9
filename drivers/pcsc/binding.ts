/**
 * The PC/SC binding: the optional npm package `pcsc-mini` (prebuilt N-API addon per platform that
 * links the system's libpcsclite.so.1 at run time; no compiler at install). Loaded only when a
 * `pcsc` device is used; every way it can be missing becomes one clear PCSC_UNAVAILABLE error
 * naming what to install. Only the part of its API this driver uses is typed here, so the project
 * builds without it (`npm ci --omit=optional`).
 */
import { LpaError, isLpaError, type ErrorCode } from '../../src/errors.js';

export interface PcscFlags {
  readonly raw: number;
  has(...flags: number[]): boolean;
}

export interface PcscCardState {
  atr: Uint8Array;
  protocol: number;
  readerName: string;
  status: PcscFlags;
}

export interface PcscCard {
  transmit(input: Uint8Array): Promise<Uint8Array>;
  state(): Promise<PcscCardState>;
  reconnect(mode: number, initAction: number): Promise<number>;
  disconnect(then: number): Promise<void>;
  protocol(): number;
}

export interface PcscReader {
  name(): string;
  connect(mode: number, protocol?: number): Promise<PcscCard>;
  on(event: 'change', listener: (status: PcscFlags, atr: Uint8Array) => void): this;
  on(event: 'disconnect', listener: () => void): this;
}

export interface PcscClient {
  start(): PcscClient;
  stop(): void;
  reader(name: string): PcscReader | undefined;
  on(event: 'reader', listener: (reader: PcscReader) => void): this;
  on(event: 'error', listener: (err: Error & { code?: string }) => void): this;
}

export interface PcscModule {
  Client: new () => PcscClient;
  CardMode: { EXCLUSIVE: number; SHARED: number };
  CardDisposition: { LEAVE: number; RESET: number; UNPOWER: number };
  Protocol: { T0: number; T1: number; ANY: number };
  ReaderStatus: { EMPTY: number; PRESENT: number; MUTE: number; EXCLUSIVE: number; IN_USE: number; UNAVAILABLE: number; UNKNOWN: number };
  protocolString(protocol: number): string;
}

/** The npm package that carries the binding. */
export const PCSC_PACKAGE = 'pcsc-mini';

const INSTALL_PCSCLITE = 'install the PC/SC library and daemon (Debian/Ubuntu: apt-get install libpcsclite1 pcscd; Fedora: dnf install pcsc-lite pcsc-lite-libs; Alpine: apk add pcsc-lite-libs pcsc-lite)';
const START_PCSCD = 'start pcscd (systemctl start pcscd.socket, or run "pcscd" as root; Debian/Ubuntu: apt-get install pcscd)';

/**
 * Turns a failure to load the binding into the error users see. Exported for tests, which cannot
 * make the system library disappear.
 */
export function pcscLoadError(e: unknown, packageName = PCSC_PACKAGE): LpaError {
  if (isLpaError(e)) return e;
  const err = e as NodeJS.ErrnoException;
  const text = err instanceof Error ? err.message : String(e);
  if ((err.code === 'ERR_MODULE_NOT_FOUND' || err.code === 'MODULE_NOT_FOUND') && text.includes(`'${packageName}'`)) {
    return new LpaError(
      'PCSC_UNAVAILABLE',
      `PC/SC support is not installed: the optional npm package ${packageName} is missing (run "npm install ${packageName}" in lpa-agent's folder, or "npm ci" without --omit=optional)`,
      { package: packageName },
      { cause: e },
    );
  }
  if (/libpcsclite/.test(text)) {
    return new LpaError('PCSC_UNAVAILABLE', `PC/SC needs libpcsclite.so.1, which is not installed: ${INSTALL_PCSCLITE}`, { package: packageName }, { cause: e });
  }
  if (/Unsupported platform|Required addon dependency not found|Unable to detect Linux ABI/.test(text)) {
    return new LpaError(
      'PCSC_UNAVAILABLE',
      `no prebuilt PC/SC binding for this platform (${process.platform}-${process.arch}): ${packageName} ships them for Linux x64, arm64 and x86 (glibc and musl), macOS and Windows; ${text.split('\n')[0]}`,
      { package: packageName, platform: `${process.platform}-${process.arch}` },
      { cause: e },
    );
  }
  return new LpaError('PCSC_UNAVAILABLE', `cannot load the PC/SC binding ${packageName}: ${text.split('\n')[0]}`, { package: packageName }, { cause: e });
}

let loaded: Promise<PcscModule> | undefined;

/** Loads the binding once per process; PCSC_UNAVAILABLE when it (or libpcsclite) is missing. */
export function loadPcsc(packageName: string = PCSC_PACKAGE): Promise<PcscModule> {
  if (packageName !== PCSC_PACKAGE) return importBinding(packageName);
  loaded ??= importBinding(packageName).catch((e: unknown) => {
    loaded = undefined;
    throw e;
  });
  return loaded;
}

async function importBinding(packageName: string): Promise<PcscModule> {
  try {
    // the literal import lets the release bundle (scripts/bundle.mjs) carry the package's JavaScript
    const mod = (await (packageName === PCSC_PACKAGE ? import('pcsc-mini' as string) : import(packageName))) as PcscModule & { default?: PcscModule };
    // a CommonJS package: its exports arrive as the default export (and mostly as named ones)
    return mod.Client ? mod : (mod.default as PcscModule);
  } catch (e) {
    throw pcscLoadError(e, packageName);
  }
}

/** The PC/SC error name (pcsc-mini uses names such as "RemovedCard", "NoService"). */
export function pcscCode(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | undefined)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** The card left the reader (or the reader lost it): reconnect once one is back. */
export function isCardGone(e: unknown): boolean {
  const c = pcscCode(e);
  return c === 'RemovedCard' || c === 'NoSmartCard' || c === 'UnpoweredCard' || c === 'UnresponsiveCard';
}

/** Maps a PC/SC failure to an LpaError; `reader` and `what` (e.g. "connect to the card") name the step. */
export function pcscError(e: unknown, reader: string | undefined, what: string): LpaError {
  if (isLpaError(e)) return e;
  const code = pcscCode(e);
  const text = e instanceof Error ? e.message : String(e);
  const inReader = reader === undefined ? 'in the reader' : `in reader "${reader}"`;
  const theReader = reader === undefined ? 'the card reader' : `card reader "${reader}"`;
  const details = { pcsc: code ?? text, ...(reader !== undefined ? { reader } : {}) };
  const make = (c: ErrorCode, message: string): LpaError => new LpaError(c, message, details, { cause: e });
  switch (code) {
    case 'NoService':
    case 'ServiceStopped':
    case 'Shutdown':
    case 'SystemCancelled':
      return make('PCSC_UNAVAILABLE', `pcscd is not running (${code} when trying to ${what}): ${START_PCSCD}`);
    case 'NoReadersAvailable':
      return make('READER_NOT_FOUND', 'no card reader is connected (pcscd lists none)');
    case 'ReaderUnavailable':
    case 'UnknownReader':
      return make('READER_NOT_FOUND', `${theReader} is gone (unplugged?) (${code} when trying to ${what})`);
    case 'NoSmartCard':
      return make('CARD_ABSENT', `no card ${inReader}: insert the eUICC`);
    case 'RemovedCard':
      return make('CARD_ABSENT', `the card ${inReader} was removed or restarted (when trying to ${what})`);
    case 'SharingViolation':
      return make('PORT_BUSY', `the card ${inReader} is in exclusive use by another program: close it and retry`);
    case 'ResetCard':
      return make('CHANNEL_CLOSED', `the card ${inReader} was reset by another program (when trying to ${what})`);
    case 'InvalidHandle':
    case 'NoCardConnection':
      return make('CHANNEL_CLOSED', `the connection to the card ${inReader} was lost (pcscd restarted?) when trying to ${what}`);
    case 'UnpoweredCard':
    case 'UnresponsiveCard':
    case 'ProtoMismatch':
    case 'UnsupportedCard':
      return make('CARD_ABSENT', `the card ${inReader} does not answer (${code} when trying to ${what}): is the eUICC inserted the right way round?`);
    default:
      return make('PORT_IO', `PC/SC error${code ? ` ${code}` : ''} ${inReader} when trying to ${what}: ${text}`);
  }
}
