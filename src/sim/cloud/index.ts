export { startCloudDouble, KORE_TOKEN_PATH, type CloudDouble } from './server.js';
export { runServeCloud, type ServeCloudOptions } from './serve.js';
export type { CloudDoubleOptions, CloudFaults, RecordedExchange, SentCallback, SmdpHook, SmdpInstallEvent } from './types.js';
