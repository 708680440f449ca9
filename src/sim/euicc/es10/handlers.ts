/**
 * The table of ES10 functions the virtual eUICC implements, by request tag. A new function is a new
 * file exporting an `Es10Handler` plus one line here; the dispatcher does not change.
 */

import type { Es10Handler } from './context.js';

export const ES10_HANDLERS: readonly Es10Handler[] = [];
