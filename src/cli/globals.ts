import { LpaError } from '../errors.js';
import { parseAid } from '../ids/aid.js';
import { parseImei } from '../ids/imei.js';
import { bool, list, str, intOption, type OptionSpecs, type OptionValues } from './args.js';

export const GLOBAL_OPTIONS: OptionSpecs = {
  device: { type: 'string', arg: '<device>', description: 'auto (the default: find the module, see "lpa-agent devices"), an AT port (e.g. /dev/serial/by-id/...-if02-port0), qmi:<path>, mbim:<path>, pcsc[:<reader>], or virtual[:<state-file>] for the built-in virtual modem [env LPA_AGENT_DEVICE]' },
  modem: { type: 'string', arg: '<vendor>', description: 'vendor profile: generic, quectel, simcom, sierra, telit, fibocom, ublox, nordic (default: detected from ATI/AT+CGMI)' },
  baud: { type: 'string', arg: '<rate>', description: 'UART baud rate (ignored over USB; default 115200)' },
  json: { type: 'boolean', description: 'one JSON object per line, ending with a result object (same as --output json)' },
  output: { type: 'string', arg: 'human|json|lpac', description: 'output format; lpac: the JSON lines of lpac, for tools built on it (docs/lpac-output.md)' },
  trace: { type: 'string', arg: '<file>', description: 'append every AT line and ES9+ request metadata (never bodies or secrets) with timestamps to <file>' },
  ca: { type: 'string', multiple: true, arg: '<file>', description: 'extra trusted root certificate (PEM/DER) for SM-DP+ TLS' },
  'connect-to': { type: 'string', multiple: true, arg: '<HOST:PORT:HOST2:PORT2>', description: 'send traffic for HOST:PORT to HOST2:PORT2, keeping HOST for SNI and certificate checks (curl semantics)' },
  'apdu-size': { type: 'string', arg: '<1..255>', description: 'STORE DATA block size in bytes (default 255 or the vendor profile\'s; e.g. 120 for modules or eUICCs that fail on long blocks) [env LPA_AGENT_APDU_SIZE]' },
  imei: { type: 'string', arg: '<15 digits>', description: 'IMEI whose TAC goes to the SM-DP+ in deviceInfo (default: the module\'s, AT+CGSN) [env LPA_AGENT_IMEI]' },
  'isdr-aid': { type: 'string', arg: '<hex>', description: 'AID of the eUICC\'s ISD-R, for removable eUICCs that do not use the standard A0000005591010FFFFFFFF8900000100 [env LPA_AGENT_ISDR_AID]' },
  'accept-ppr': { type: 'boolean', description: 'download profiles with policy rules (PPR) that need end-user consent or that the eUICC\'s rules table does not list [env LPA_AGENT_ACCEPT_PPR]' },
  help: { type: 'boolean', description: 'show help' },
  version: { type: 'boolean', description: 'show the version' },
};

export type OutputFormat = 'human' | 'json' | 'lpac';

export interface Globals {
  /** Absent: auto. */
  device?: string;
  /** Where `device` came from: "--device" or "LPA_AGENT_DEVICE". */
  deviceFrom?: string;
  output: OutputFormat;
  modem?: string;
  baudRate: number;
  json: boolean;
  trace?: string;
  ca: string[];
  connectTo: string[];
  /** STORE DATA block size (1..255); absent: the transport's default. */
  apduSize?: number;
  /** IMEI for deviceInfo's TAC; absent: read from the module. */
  imei?: string;
  /** Download profiles whose policy rules need consent or are not in the eUICC's RAT. */
  acceptPpr: boolean;
  /** ISD-R AID (`--isdr-aid`); absent: the standard one. */
  isdrAid?: Uint8Array;
}

/** `--apdu-size` / LPA_AGENT_APDU_SIZE: 1..255. */
export function parseApduSize(text: string, where: string): number {
  const v = text.trim();
  if (!/^\d{1,3}$/.test(v) || Number(v) < 1 || Number(v) > 255) {
    throw new LpaError('USAGE', `${where} must be a STORE DATA block size from 1 to 255 bytes, got "${text.slice(0, 20)}"`);
  }
  return Number(v);
}

function envBool(text: string, where: string): boolean {
  const v = text.trim().toLowerCase();
  if (['1', 'true', 'yes', 'on'].includes(v)) return true;
  if (['0', 'false', 'no', 'off'].includes(v)) return false;
  throw new LpaError('USAGE', `${where} must be true or false, got "${text.slice(0, 20)}"`);
}

export function readGlobals(options: OptionValues, env: NodeJS.ProcessEnv = process.env): Globals {
  const flag = str(options, 'device');
  const device = flag ?? (env.LPA_AGENT_DEVICE || undefined);
  const baudRate = intOption(options, 'baud', 300, 4_000_000) ?? 115200;
  const output = outputFormat(options);
  const g: Globals = {
    baudRate,
    output,
    json: output !== 'human',
    ca: list(options, 'ca'),
    connectTo: list(options, 'connect-to'),
    acceptPpr: bool(options, 'accept-ppr') ?? (env.LPA_AGENT_ACCEPT_PPR ? envBool(env.LPA_AGENT_ACCEPT_PPR, 'LPA_AGENT_ACCEPT_PPR') : false),
  };
  const apduSize = str(options, 'apdu-size');
  if (apduSize !== undefined) g.apduSize = parseApduSize(apduSize, '--apdu-size');
  else if (env.LPA_AGENT_APDU_SIZE) g.apduSize = parseApduSize(env.LPA_AGENT_APDU_SIZE, 'LPA_AGENT_APDU_SIZE');
  const imei = str(options, 'imei') ?? (env.LPA_AGENT_IMEI || undefined);
  if (imei !== undefined) g.imei = parseImei(imei);
  const isdrAid = str(options, 'isdr-aid');
  if (isdrAid !== undefined) g.isdrAid = parseAid(isdrAid, '--isdr-aid');
  else if (env.LPA_AGENT_ISDR_AID) g.isdrAid = parseAid(env.LPA_AGENT_ISDR_AID, 'LPA_AGENT_ISDR_AID');
  if (device !== undefined) {
    if (device.trim() === '') throw new LpaError('USAGE', '--device must not be empty');
    g.device = device;
    g.deviceFrom = flag !== undefined ? '--device' : 'LPA_AGENT_DEVICE';
  }
  const modem = str(options, 'modem');
  if (modem !== undefined) g.modem = modem;
  const trace = str(options, 'trace');
  if (trace !== undefined) g.trace = trace;
  return g;
}

/** --output, with --json as its short form; USAGE error for an unknown format. */
export function outputFormat(options: OptionValues): OutputFormat {
  const o = str(options, 'output');
  if (o === undefined) return bool(options, 'json') ? 'json' : 'human';
  if (o !== 'human' && o !== 'json' && o !== 'lpac') throw new LpaError('USAGE', `--output must be human, json or lpac, got "${o}"`);
  return o;
}
