/** The AT channel's APDU facts now live in src/apdu/cla.ts (shared with PC/SC); kept for importers. */
export * from '../../src/apdu/cla.js';
