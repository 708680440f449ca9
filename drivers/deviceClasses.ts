/**
 * Which character devices each transport opens, by their group name in /proc/devices: what a
 * sandbox (the systemd unit's `DevicePolicy=closed` + `DeviceAllow=char-<name>`) must allow, and
 * nothing more. test/scripts/systemdUnit.test.ts checks the shipped unit against this.
 */
import type { DetectedPort } from './detect/types.js';

export const TRANSPORT_DEVICE_CLASSES = {
  /** USB serial (option, qcserial...), CDC ACM, a UART (8250), WWAN AT ports (wwan0at0). */
  at: ['ttyUSB', 'ttyACM', 'ttyS', 'wwan_port'],
  /** cdc-wdm (USB major 180, registered as "usb"), or a WWAN QMI port (wwan0qmi0). */
  qmi: ['usb', 'wwan_port'],
  /** cdc-wdm, or a WWAN MBIM port (wwan0mbim0). */
  mbim: ['usb', 'wwan_port'],
  /** pcscd's unix socket: no device node. */
  pcsc: [],
} as const satisfies Record<string, readonly string[]>;

/** The /proc/devices group of a port `drivers/detect` found. */
export function deviceClassOf(port: Pick<DetectedPort, 'kind' | 'name'>): string {
  if (port.kind === 'cdc-wdm') return 'usb';
  if (port.kind === 'wwan') return 'wwan_port';
  return port.name.replace(/\d+$/, '');
}
