/**
 * `--device pcsc[:<reader>]`: the eUICC in a PC/SC card reader, through pcscd. Imported only when
 * a pcsc device is used (drivers/open.ts), so the binding loads only then.
 */
import type { EuiccTransport, TransportOptions } from '../../src/apdu/channel.js';
import { AtTrace } from '../at/trace.js';
import { PcscEuiccChannel, type PcscChannelOptions } from './channel.js';
import { ReaderWatch, pickReader } from './readers.js';

export { PcscEuiccChannel, type PcscChannelOptions } from './channel.js';
export { listPcscReaders, type ListPcscReadersOptions, type PcscReaderEntry } from './list.js';
export { pickReader, ReaderWatch, type ReaderState } from './readers.js';
export { loadPcsc, pcscLoadError, PCSC_PACKAGE } from './binding.js';

export interface OpenPcscOptions extends TransportOptions {
  /** Channel behaviour (timeouts, exclusive access). */
  channel?: Omit<PcscChannelOptions, 'isdrAid' | 'trace'>;
  /** Binding package to load (tests: a missing one). */
  packageName?: string;
}

/**
 * Opens the reader `reader` names (index, name or part of it; default: the only reader, or the
 * only one with a card). The card is connected and the channel opened by `channel.open()`.
 */
export async function openPcscTransport(reader: string | undefined, opts: OpenPcscOptions = {}): Promise<EuiccTransport> {
  const watch = await ReaderWatch.start(opts.packageName !== undefined ? { packageName: opts.packageName } : {});
  let trace: AtTrace | undefined;
  try {
    const picked = pickReader(watch.readers(), reader);
    if (opts.tracePath !== undefined) trace = await AtTrace.open(opts.tracePath);
    const channel = new PcscEuiccChannel(watch, picked.name, {
      ...opts.channel,
      ...(opts.isdrAid !== undefined ? { isdrAid: opts.isdrAid } : {}),
      ...(trace ? { trace } : {}),
    });
    let closed = false;
    return {
      kind: 'pcsc',
      label: `pcsc:${picked.name}`,
      vendor: 'pcsc',
      channel,
      moduleInfo: () => Promise.resolve({ model: picked.name }),
      async close() {
        if (closed) return;
        closed = true;
        try {
          await channel.close();
        } finally {
          await trace?.close();
          watch.close();
        }
      },
    };
  } catch (e) {
    await trace?.close();
    watch.close();
    throw e;
  }
}
