/**
 * Routes one complete ES10 request (reassembled STORE DATA sequence) to its handler by tag and maps
 * failures to ISO 7816 status words. Never throws.
 */

import { isLpaError } from '../../../errors.js';
import type { Es10Context, Es10Continuation, Es10Handler } from './context.js';

export const SW_OK = 0x9000;
/** Wrong data: malformed request DER. */
export const SW_WRONG_DATA = 0x6a80;
/** Referenced data not found: no ES10 function with this tag. */
export const SW_NOT_FOUND = 0x6a88;
/** No precise diagnosis: unexpected failure inside the card. */
export const SW_INTERNAL = 0x6f00;

export interface Es10Outcome {
  sw: number;
  data: Uint8Array;
}

const EMPTY = new Uint8Array(0);

/** Tag number of the first TLV in `data` (up to 3 tag bytes), or undefined when truncated/too long. */
export function leadingTag(data: Uint8Array): number | undefined {
  if (data.length === 0) return undefined;
  let tag = data[0]!;
  if ((tag & 0x1f) !== 0x1f) return tag;
  for (let i = 1; i < 3; i++) {
    const b = data[i];
    if (b === undefined) return undefined;
    tag = tag * 256 + b;
    if ((b & 0x80) === 0) return tag;
  }
  return undefined;
}

/** Builds a lookup table; a duplicate tag is a programming error. */
export function handlerTable(handlers: readonly Es10Handler[]): ReadonlyMap<number, Es10Handler> {
  const table = new Map<number, Es10Handler>();
  for (const h of handlers) {
    if (table.has(h.tag)) throw new Error(`duplicate ES10 handler for tag ${h.tag.toString(16)}`);
    table.set(h.tag, h);
  }
  return table;
}

function failure(e: unknown): Es10Outcome {
  if (isLpaError(e, 'ASN1_DECODE') || isLpaError(e, 'INVALID_ICCID') || isLpaError(e, 'INVALID_HEX')) {
    return { sw: SW_WRONG_DATA, data: EMPTY };
  }
  return { sw: SW_INTERNAL, data: EMPTY };
}

/**
 * Runs `continuation` (if any) and otherwise the handler registered for the request's tag.
 */
export function dispatchEs10(
  table: ReadonlyMap<number, Es10Handler>,
  data: Uint8Array,
  ctx: Es10Context,
  continuation?: Es10Continuation,
): Es10Outcome {
  try {
    if (continuation) {
      const out = continuation(data, ctx);
      if (out !== undefined) return { sw: SW_OK, data: out };
    }
    const tag = leadingTag(data);
    if (tag === undefined) return { sw: SW_WRONG_DATA, data: EMPTY };
    const handler = table.get(tag);
    if (!handler) return { sw: SW_NOT_FOUND, data: EMPTY };
    return { sw: SW_OK, data: handler.handle(data, ctx) };
  } catch (e) {
    return failure(e);
  }
}
