import { Es9Pool } from '../lpa/es9.js';
import type { Globals } from './globals.js';

/** The ES9+ client pool for this run, from the global --ca / --connect-to options. */
export function es9Pool(globals: Globals): Es9Pool {
  return new Es9Pool({ caFiles: globals.ca, connectTo: globals.connectTo });
}
