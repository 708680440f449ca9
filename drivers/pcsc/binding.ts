/**
 * The PC/SC binding: the optional npm package `pcsc-mini` (prebuilt N-API addon per platform that
 * links the system's libpcsclite.so.1 at run time; no compiler at install). Loaded only when a
 * `pcsc` device is used; every way it can be missing becomes one clear PCSC_UNAVAILABLE error
 * naming what to install. Only the part of its API this driver uses is typed here, so the project
 * builds without it (`npm ci --omit=optional`).
 */
import { LpaError, isLpaError } from '../../src/errors.js';

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
    const mod = (await import(packageName)) as PcscModule & { default?: PcscModule };
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

/** Maps a PC/SC failure to an LpaError; `reader` and `what` name the step for the message. */
export function pcscError(e: unknown, reader: string | undefined, what: string): LpaError {
  if (isLpaError(e)) return e;
  const code = pcscCode(e);
  const text = e instanceof Error ? e.message : String(e);
  const where = reader === undefined ? '' : ` (reader "${reader}")`;
  const details = { pcsc: code ?? text, ...(reader !== undefined ? { reader } : {}) };
  switch (code) {
    case 'NoService':
    case 'ServiceStopped':
    case 'Shutdown':
    case 'SystemCancelled':
      return new LpaError('PCSC_UNAVAILABLE', `pcscd is not running (${code} while trying to ${what}): ${START_PCSCD}`, details, { cause: e });
    case 'NoReadersAvailable':
      return new LpaError('READER_NOT_FOUND', `no card reader is connected (pcscd lists none while trying to ${what})`, details, { cause: e });
    case 'ReaderUnavailable':
    case 'UnknownReader':
      return new LpaError('READER_NOT_FOUND', `the card reader${where} is gone (unplugged?) while trying to ${what}`, details, { cause: e });
    case 'NoSmartCard':
    case 'RemovedCard':
      return new LpaError('CARD_ABSENT', `no card in the reader${where} (${code === 'RemovedCard' ? 'it was removed or restarted' : 'insert the eUICC'}) while trying to ${what}`, details, { cause: e });
    case 'SharingViolation':
      return new LpaError('PORT_BUSY', `the card${where} is in exclusive use by another program (close it and retry) while trying to ${what}`, details, { cause: e });
    case 'ResetCard':
      return new LpaError('CHANNEL_CLOSED', `the card${where} was reset by another program while trying to ${what}`, details, { cause: e });
    case 'UnpoweredCard':
    case 'UnresponsiveCard':
    case 'ProtoMismatch':
    case 'UnsupportedCard':
      return new LpaError('CARD_ABSENT', `the card${where} does not answer (${code}) while trying to ${what}: is the eUICC inserted the right way?`, details, { cause: e });
    default:
      return new LpaError('PORT_IO', `PC/SC error ${code ?? ''}${where} while trying to ${what}: ${text}`.replace('  ', ' '), details, { cause: e });
  }
}
