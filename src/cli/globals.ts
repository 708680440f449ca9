import { LpaError } from '../errors.js';
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
  };
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
