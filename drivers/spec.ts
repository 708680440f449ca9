/**
 * `--device` values: how the user names the way to the eUICC.
 *
 *   auto                       find the module (or reader) and pick the transport (drivers/detect)
 *   at:<path> | <path>         AT port (a bare path stays AT)
 *   qmi:<path>                 QMI on /dev/cdc-wdmN (through qmi-proxy when it runs)
 *   mbim:<path>                MBIM on /dev/cdc-wdmN or /dev/wwanNmbimN (through mbim-proxy when it runs)
 *   pcsc[:<reader>]            PC/SC reader by name (or part of it) or 0-based index; default: the only one
 *   virtual[:<state-file>]     the built-in virtual module and eUICC, in this process
 */
import { resolve } from 'node:path';
import { LpaError } from '../src/errors.js';

export type DeviceSpec =
  | { kind: 'auto' }
  | { kind: 'at'; path: string }
  | { kind: 'qmi'; path: string }
  | { kind: 'mbim'; path: string }
  | { kind: 'pcsc'; reader?: string }
  | { kind: 'virtual'; statePath: string };

/** Default state file of `--device virtual`: in the working directory, so a demo is easy to inspect. */
export const DEFAULT_VIRTUAL_STATE = '.lpa-agent/virtual-euicc.json';

export const DEVICE_SYNTAX = 'auto, <AT port>, at:<path>, qmi:<path>, mbim:<path>, pcsc[:<reader>] or virtual[:<state-file>]';

function needPath(kind: string, path: string, raw: string): string {
  if (path.trim() === '') throw new LpaError('USAGE', `--device ${raw}: ${kind}: needs a path, e.g. ${kind}:${kind === 'at' ? '/dev/ttyUSB2' : '/dev/cdc-wdm0'}`);
  return path;
}

export function parseDeviceSpec(raw: string): DeviceSpec {
  const value = raw.trim();
  if (value === '') throw new LpaError('USAGE', `--device must not be empty (one of: ${DEVICE_SYNTAX})`);
  if (value === 'auto') return { kind: 'auto' };
  if (value === 'virtual') return { kind: 'virtual', statePath: resolve(DEFAULT_VIRTUAL_STATE) };
  if (value === 'pcsc') return { kind: 'pcsc' };
  const colon = value.indexOf(':');
  if (colon > 0) {
    const scheme = value.slice(0, colon);
    const rest = value.slice(colon + 1);
    switch (scheme) {
      case 'virtual':
        return { kind: 'virtual', statePath: resolve(rest === '' ? DEFAULT_VIRTUAL_STATE : rest) };
      case 'at':
        return { kind: 'at', path: needPath('at', rest, raw) };
      case 'qmi':
        return { kind: 'qmi', path: needPath('qmi', rest, raw) };
      case 'mbim':
        return { kind: 'mbim', path: needPath('mbim', rest, raw) };
      case 'pcsc':
        return rest.trim() === '' ? { kind: 'pcsc' } : { kind: 'pcsc', reader: rest };
      default:
        if (!value.startsWith('/') && !value.startsWith('.')) {
          throw new LpaError('USAGE', `--device ${raw}: unknown transport "${scheme}" (one of: ${DEVICE_SYNTAX})`);
        }
    }
  }
  return { kind: 'at', path: value };
}

/** The spec written back the way a user would type it (for messages and `info`). */
export function formatDeviceSpec(spec: DeviceSpec): string {
  switch (spec.kind) {
    case 'auto':
      return 'auto';
    case 'at':
      return spec.path;
    case 'qmi':
    case 'mbim':
      return `${spec.kind}:${spec.path}`;
    case 'pcsc':
      return spec.reader === undefined ? 'pcsc' : `pcsc:${spec.reader}`;
    case 'virtual':
      return `virtual:${spec.statePath}`;
  }
}
