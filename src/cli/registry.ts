import type { Command } from './command.js';

type Loader = () => Promise<{ default: Command }>;

/**
 * Commands are imported lazily so that `--version`, `--help` and simple commands start fast and
 * load only what they use (the SM-DP+ simulator, the cloud double and TLS stay out of `eid`).
 */
export const COMMANDS: Record<string, Loader> = {
  provision: () => import('./commands/provision.js'),
  eid: () => import('./commands/eid.js'),
  info: () => import('./commands/info.js'),
  devices: () => import('./commands/devices.js'),
  profiles: () => import('./commands/profiles.js'),
  enable: () => import('./commands/enable.js'),
  disable: () => import('./commands/disable.js'),
  delete: () => import('./commands/delete.js'),
  nickname: () => import('./commands/nickname.js'),
  'default-smdp': () => import('./commands/defaultSmdp.js'),
  notifications: () => import('./commands/notifications.js'),
  reset: () => import('./commands/reset.js'),
  download: () => import('./commands/download.js'),
  discover: () => import('./commands/discover.js'),
  'serve-modem': () => import('./commands/serveModem.js'),
  'serve-card': () => import('./commands/serveCard.js'),
  'serve-smdp': () => import('./commands/serveSmdp.js'),
  'serve-cloud': () => import('./commands/serveCloud.js'),
};

/** One-line summaries for the main help, kept here so help needs no command imports. */
export const COMMAND_SUMMARIES: Record<string, string> = {
  provision: 'bare eUICC to enabled profile: cloud or SM-DS, download, enable, notifications (resumable)',
  eid: 'print the eUICC identifier (EID)',
  info: 'EID, module, EUICCInfo1/2, free memory and the configured SM-DP+/SM-DS addresses',
  devices: 'list the modules, their AT/QMI/MBIM ports, ModemManager\'s hold, PC/SC readers, and what --device auto picks',
  profiles: 'list the profiles on the eUICC',
  enable: 'enable a profile by ICCID or ISD-P AID (the module restarts the SIM)',
  disable: 'disable a profile by ICCID or ISD-P AID',
  delete: 'delete a disabled profile by ICCID or ISD-P AID',
  nickname: 'set or clear a profile nickname',
  'default-smdp': 'show or set the default SM-DP+ address (ES10a)',
  notifications: 'list, send or remove the eUICC pending notifications',
  reset: 'eUICC memory reset: delete operational/test profiles, the default SM-DP+ (needs --yes)',
  download: 'download a profile from an SM-DP+ (activation code, matching id, default SM-DP+, or SM-DS events)',
  discover: 'ask an SM-DS (default: the eUICC\'s root SM-DS) for pending events: event id and SM-DP+ address',
  'serve-modem': 'serve the virtual module\'s AT, QMI and/or MBIM port on pseudo-terminals for other tools',
  'serve-card': 'serve the virtual eUICC as a smart card to pcscd (vsmartcard vpcd)',
  'serve-smdp': 'run the local SM-DP+ over TLS, with --smds a local SM-DS too (for demos and tests)',
  'serve-cloud': 'run the local Super SIM double (for demos and tests)',
};
