import { isLpaError, type LpaError } from '../../src/errors.js';

/** The LpaError `f` throws; anything else thrown, or nothing, fails the test. */
export function lpaErrorOf(f: () => unknown): LpaError {
  try {
    f();
  } catch (e) {
    if (isLpaError(e)) return e;
    throw new Error(`not an LpaError: ${String(e)}`, { cause: e });
  }
  throw new Error('expected an LpaError, nothing was thrown');
}

/** The LpaError the promise rejects with; a fulfilled promise or another error fails the test. */
export async function lpaRejection(p: Promise<unknown>): Promise<LpaError> {
  try {
    await p;
  } catch (e) {
    if (isLpaError(e)) return e;
    throw new Error(`not an LpaError: ${String(e)}`, { cause: e });
  }
  throw new Error('expected a failure');
}

/** The error code `f` throws (`not-LpaError` for anything else), or undefined when it returns. */
export function codeOf(f: () => unknown): string | undefined {
  try {
    f();
    return undefined;
  } catch (e) {
    return isLpaError(e) ? e.code : 'not-LpaError';
  }
}
