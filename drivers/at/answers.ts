/**
 * What an AT answer means for the channel: "the module does not do this" vs "the SIM is
 * restarting", and reading the active profile's ICCID without the eUICC.
 */
import { isLpaError } from '../../src/errors.js';
import type { AtEngine } from './engine.js';
import { cmeNumber, decodeIccidEf, parseCrsm, parseIccidLine } from './lines.js';
import type { VendorProfile } from './vendors.js';

/** Module says the command is unknown or not allowed: ERROR, CME 3/4, COMMAND NOT SUPPORT. */
export function isUnsupported(e: unknown): boolean {
  if (isLpaError(e, 'AT_ERROR') || isLpaError(e, 'AT_NOT_SUPPORTED')) return true;
  if (isLpaError(e, 'AT_CME_ERROR')) {
    const n = cmeNumber(e.details.cme as number | string | undefined);
    return n === 3 || n === 4;
  }
  return false;
}

/** CME 10/13/14: the SIM is absent, failing or busy (typically restarting). */
export function simResetCme(e: unknown): number | undefined {
  if (!isLpaError(e, 'AT_CME_ERROR')) return undefined;
  const n = cmeNumber(e.details.cme as number | string | undefined);
  return n === 10 || n === 13 || n === 14 ? n : undefined;
}

/** ICCID of the active profile: the vendor's command, else EF_ICCID with AT+CRSM; undefined if neither works. */
export async function readModuleIccid(engine: AtEngine, vendor: VendorProfile): Promise<string | undefined> {
  const v = vendor.iccid;
  if (v) {
    try {
      const res = await engine.send(v.command, { prefix: v.prefix, bare: (l) => /^"?\d{18,20}F*"?$/i.test(l) });
      const line = res.lines[0];
      if (line !== undefined) return parseIccidLine(line);
    } catch (e) {
      if (!isUnsupported(e)) throw e;
    }
  }
  try {
    const res = await engine.send('AT+CRSM=176,12258,0,0,10', { prefix: '+CRSM' });
    const line = res.lines[0];
    if (line === undefined) return undefined;
    const ans = parseCrsm(line);
    if (ans.sw1 !== 0x90 || ans.data.length !== 10) return undefined;
    return decodeIccidEf(ans.data);
  } catch (e) {
    if (isUnsupported(e)) return undefined;
    throw e;
  }
}
