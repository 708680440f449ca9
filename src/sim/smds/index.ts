/** The local SM-DS (ES11 event retrieval over HTTPS, ES12 from the local SM-DP+) for tests, demos and `serve-smdp --smds`. */
export { startSmds, type SmdsOptions, type SmdsServer } from './server.js';
export { DEFAULT_SMDS_ADDRESS, SMDS_OID, loadSmdsPki, smdsCaFile } from './pki.js';
export type { EventRecord } from './events.js';
