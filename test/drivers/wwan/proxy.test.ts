/**
 * The shared pieces under QMI and MBIM: finding a proxy (fixture /proc/net/unix), the proxy mode
 * setting, the error when neither a native abstract-socket connect nor socat works, and the device
 * file opened as a libuv pipe or, where that is unavailable, polled.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openPtyLink } from '../../../drivers/virtual/ptyLink.js';
import { openDeviceLink } from '../../../drivers/wwan/device.js';
import { connectProxy, proxyListening, proxyMode } from '../../../drivers/wwan/proxy.js';
import { isLpaError } from '../../../src/errors.js';
import { tempDir } from './rig.js';

let tmp: ReturnType<typeof tempDir> | undefined;
afterEach(() => tmp?.remove());

const UNIX_TABLE = `Num       RefCount Protocol Flags    Type St Inode Path
0000000000000000: 00000002 00000000 00010000 0001 01 26049 @qmi-proxy
0000000000000000: 00000003 00000000 00000000 0001 03 26050 @mbim-proxy
0000000000000000: 00000002 00000000 00010000 0001 01 26051 /run/systemd/private
`;

describe('proxy discovery and mode', () => {
  it('sees a listening @qmi-proxy in /proc/net/unix; a connected (not listening) @mbim-proxy does not count', () => {
    tmp = tempDir('lpa-proc-');
    mkdirSync(join(tmp.dir, 'net'));
    writeFileSync(join(tmp.dir, 'net', 'unix'), UNIX_TABLE);
    expect(proxyListening('qmi-proxy', tmp.dir)).toBe(true);
    expect(proxyListening('mbim-proxy', tmp.dir)).toBe(false);
    expect(proxyListening('qmi-proxy', join(tmp.dir, 'missing'))).toBe(false);
  });

  it('LPA_AGENT_WWAN_PROXY: auto (default), never, always; anything else is a configuration error (exit 3)', () => {
    expect(proxyMode(undefined, {})).toBe('auto');
    expect(proxyMode(undefined, { LPA_AGENT_WWAN_PROXY: 'never' })).toBe('never');
    expect(proxyMode(undefined, { LPA_AGENT_WWAN_PROXY: 'Always' })).toBe('always');
    expect(proxyMode('never', { LPA_AGENT_WWAN_PROXY: 'always' })).toBe('never');
    let err: unknown;
    try {
      proxyMode(undefined, { LPA_AGENT_WWAN_PROXY: 'sometimes' });
    } catch (e) {
      err = e;
    }
    expect(isLpaError(err, 'CONFIG_INVALID')).toBe(true);
  });

  it('without a native abstract-socket connect and without socat: an error saying what to install', async () => {
    const err = await connectProxy('qmi-proxy', { bridgeOnly: true, socatPath: 'socat-not-installed-here' }).catch((e: unknown) => e);
    expect(isLpaError(err, 'PORT_IO')).toBe(true);
    expect((err as Error).message).toMatch(/cannot connect to its abstract socket and socat is not installed: install socat \(Debian\/Ubuntu: apt-get install socat\)/);
  });
});

describe('device file link', () => {
  for (const forcePolling of [false, true]) {
    it(`passes bytes both ways and closes cleanly (${forcePolling ? 'polled reads' : 'libuv pipe'})`, async () => {
      tmp = tempDir('lpa-devlink-');
      const link = await openPtyLink(join(tmp.dir, 'wdm'));
      const fromClient: number[] = [];
      link.onData((b) => fromClient.push(...b));
      const dev = openDeviceLink(join(tmp.dir, 'wdm'), { forcePolling });
      const fromServer: number[] = [];
      dev.onData((b) => fromServer.push(...b));
      const all = Uint8Array.from({ length: 256 }, (_, i) => i);
      dev.write(all);
      link.write(all);
      for (let i = 0; i < 300 && (fromClient.length < 256 || fromServer.length < 256); i++) await new Promise((r) => setTimeout(r, 10));
      expect(Uint8Array.from(fromClient)).toEqual(all);
      expect(Uint8Array.from(fromServer)).toEqual(all);
      await dev.close();
      expect(dev.closed).toBe(true);
      expect(() => dev.write(all)).toThrow(/closed/);
      await link.close();
    });
  }

  it('refuses what is not a character device', () => {
    tmp = tempDir('lpa-devlink-');
    writeFileSync(join(tmp.dir, 'file'), '');
    let err: unknown;
    try {
      openDeviceLink(join(tmp.dir, 'file'));
    } catch (e) {
      err = e;
    }
    expect((err as Error).message).toMatch(/not a character device/);
  });

  it('refuses /dev/null and /dev/zero (epoll cannot watch them: libuv would abort the process)', () => {
    for (const path of ['/dev/null', '/dev/zero']) {
      expect(() => openDeviceLink(path)).toThrow(expect.objectContaining({ code: 'PORT_IO', message: `${path} is one of the kernel memory devices (/dev/null, /dev/zero, ...), not a QMI or MBIM port (expected /dev/cdc-wdmN or /dev/wwanNmbimN)` }));
    }
  });
});
