/**
 * Finding the module: `detectDevices` reads sysfs, udev's database, /dev/serial/by-id and /proc;
 * `autoVerdict` / `chooseAuto` turn that into the `--device auto` decision.
 */
export { detectDevices } from './scan.js';
export { autoVerdict, chooseAuto, modemManagerAdvice, moduleLabel, moduleVerdict, udevIgnoreRule, type AutoCandidate, type AutoChoice, type AutoVerdict } from './choose.js';
export { KNOWN_MODULES } from './known.js';
export type { DetectedInterface, DetectedModule, DetectedPort, DetectedReader, DetectOptions, Inventory, ModemManagerUse, PortKind, PortRole } from './types.js';
