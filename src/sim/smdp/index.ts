/** The local SM-DP+ (ES9+ over HTTPS with real SGP.22 crypto) for tests, demos and `serve-smdp`. */
export { startSmdp, DEFAULT_SMDP_ADDRESS, type SmdpOptions, type SmdpServer } from './server.js';
export { runServeSmdp, parseServeArgs, type ServeSmdpOptions } from './serve.js';
export type { SmdpAdmin, SmdpProfileInfo } from './admin.js';
export type { SmdpInstallEvent } from './es9/context.js';
export type { OrderView, OrderState, CreateOrderInput } from './orders.js';
export type { NotificationRecord } from './notifications.js';
export { loadCatalogue, encodeProfileMetadata, type CatalogueProfile } from './profiles.js';
export { readSaipIccid } from '../../saip/profileHeader.js';
export { loadSmdpPki, smdpCaFile } from './pki.js';
