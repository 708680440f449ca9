/**
 * Opens the transport a `--device` spec names: the one place that maps specs to drivers. Each
 * driver is imported only when used, so `eid` over AT never loads QMI, MBIM or PC/SC code.
 */
import type { EuiccTransport, TransportOptions } from '../src/apdu/channel.js';
import { LpaError } from '../src/errors.js';
import type { AtEuiccChannelOptions } from './at/channel.js';
import type { DeviceSpec } from './spec.js';

export interface OpenTransportOptions extends TransportOptions {
  /** AT: vendor profile name (detected when absent); virtual: the dialect (default generic). */
  modem?: string;
  /** AT: UART baud rate. */
  baudRate?: number;
  /** AT: what a previous run left open (stale channel id or "nothing"). */
  atChannel?: AtEuiccChannelOptions;
}

async function openAt(path: string, opts: OpenTransportOptions, binding?: unknown, label?: string, dispose?: () => void): Promise<EuiccTransport> {
  const { openAtModem } = await import('./at/modem.js');
  const at = await openAtModem({
    path,
    ...(opts.baudRate !== undefined ? { baudRate: opts.baudRate } : {}),
    ...(binding ? { binding: binding as NonNullable<Parameters<typeof openAtModem>[0]['binding']> } : {}),
    ...(opts.modem !== undefined ? { vendor: opts.modem } : {}),
    ...(opts.tracePath !== undefined ? { tracePath: opts.tracePath } : {}),
    ...(opts.atChannel ? { channel: opts.atChannel } : {}),
  }).catch((e: unknown) => {
    dispose?.();
    throw e;
  });
  return {
    kind: 'at',
    label: label ?? path,
    vendor: at.vendor.name,
    channel: at.channel,
    moduleInfo: (fields) => at.moduleInfo(fields),
    async close() {
      try {
        await at.close();
      } finally {
        dispose?.();
      }
    },
  };
}

/** `virtual[:<state>]`: the virtual module in-process behind a serialport binding, so the real AT engine runs. */
async function openVirtual(statePath: string, opts: OpenTransportOptions): Promise<EuiccTransport> {
  const [{ openVirtualEuicc }, { VirtualModem }, { createVirtualBinding }, { isVendorName, VENDOR_NAMES }] = await Promise.all([
    import('../src/sim/euicc/index.js'),
    import('./virtual/modem.js'),
    import('./virtual/binding.js'),
    import('./virtual/vendors.js'),
  ]);
  const vendor = opts.modem ?? 'generic';
  if (!isVendorName(vendor)) throw new LpaError('USAGE', `unknown modem vendor "${vendor}" (one of: ${VENDOR_NAMES.join(', ')})`);
  const { mkdirSync } = await import('node:fs');
  const { dirname } = await import('node:path');
  mkdirSync(dirname(statePath), { recursive: true });
  const card = openVirtualEuicc({ statePath });
  const modem = new VirtualModem({ card, vendor });
  const binding = createVirtualBinding(() => modem);
  return openAt('virtual', opts, binding, `virtual (${statePath})`, () => modem.dispose());
}

export async function openTransport(spec: DeviceSpec, opts: OpenTransportOptions = {}): Promise<EuiccTransport> {
  switch (spec.kind) {
    case 'at':
      return openAt(spec.path, opts);
    case 'virtual':
      return openVirtual(spec.statePath, opts);
    case 'qmi':
    case 'mbim':
    case 'pcsc':
    case 'auto':
      throw new LpaError('USAGE', `--device ${spec.kind}: this transport is not available yet`);
  }
}
