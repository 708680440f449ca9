/**
 * The table of ES10 functions the virtual eUICC implements, by request tag. A new function is a new
 * file exporting an `Es10Handler` plus one line here; the dispatcher does not change.
 */

import { configuredAddressesHandler } from './configuredAddresses.js';
import type { Es10Handler } from './context.js';
import { euiccChallengeHandler } from './euiccChallenge.js';
import { euiccInfo1Handler } from './euiccInfo1.js';
import { getEidHandler } from './getEid.js';
import { setDefaultDpAddressHandler } from './setDefaultDpAddress.js';

export const ES10_HANDLERS: readonly Es10Handler[] = [
  getEidHandler,
  euiccInfo1Handler,
  euiccChallengeHandler,
  configuredAddressesHandler,
  setDefaultDpAddressHandler,
];
