import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { detectDevices } from '../../drivers/detect/index.js';
import { deviceClassOf, TRANSPORT_DEVICE_CLASSES } from '../../drivers/deviceClasses.js';
import { ROOT } from '../cli/run.js';
import { buildTree, loadLayout } from '../helpers/sysfsTree.js';

const UNIT = join(ROOT, 'scripts', 'lpa-agent.service');
const text = readFileSync(UNIT, 'utf8');

/** key -> every value it has, per section (systemd unit syntax: `Key=value`, `#` comments). */
function parseUnit(unit: string): Record<string, Record<string, string[]>> {
  const sections: Record<string, Record<string, string[]>> = {};
  let current = '';
  for (const raw of unit.split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const section = /^\[(.+)\]$/.exec(line);
    if (section) {
      current = section[1]!;
      sections[current] ??= {};
      continue;
    }
    const eq = line.indexOf('=');
    if (eq < 0) throw new Error(`not a key=value line: ${line}`);
    const s = (sections[current] ??= {});
    (s[line.slice(0, eq)] ??= []).push(line.slice(eq + 1));
  }
  return sections;
}

const unit = parseUnit(text);
const service = unit.Service!;
const allowed = [...new Set(Object.values(TRANSPORT_DEVICE_CLASSES).flat())].sort();

describe('systemd unit scripts/lpa-agent.service', () => {
  it('allows exactly the device classes the transports open, nothing else', () => {
    expect(service.DevicePolicy).toEqual(['closed']);
    const allows = service.DeviceAllow!.map((v) => {
      const m = /^char-([A-Za-z0-9_]+) rw$/.exec(v);
      if (!m) throw new Error(`DeviceAllow=${v}: expected char-<name> rw`);
      return m[1]!;
    });
    expect([...allows].sort()).toEqual(allowed);
    expect(service.PrivateDevices ?? []).not.toContain('yes'); // would hide every device node
  });

  it('every port `devices` can pick on the fixture gateways is in an allowed class', async () => {
    const base = mkdtempSync(join(tmpdir(), 'lpa-unit-'));
    try {
      const seen = new Set<string>();
      for (const f of readdirSync(join(ROOT, 'test', 'fixtures', 'sysfs'))) {
        const name = f.replace(/\.json$/, '');
        const inv = await detectDevices({ sysfsRoot: buildTree(join(base, name), loadLayout(name)) });
        for (const i of inv.modules.flatMap((m) => m.interfaces).filter((x) => x.device !== undefined)) {
          const cls = deviceClassOf(i.port);
          seen.add(cls);
          const transport = i.role === 'qmi' ? 'qmi' : i.role === 'mbim' ? 'mbim' : 'at';
          expect(TRANSPORT_DEVICE_CLASSES[transport] as readonly string[], `${name}: ${i.port.name}`).toContain(cls);
        }
      }
      // the fixtures exercise every class but the UART (ttyS is only ever given with --device)
      expect([...seen].sort()).toEqual(allowed.filter((c) => c !== 'ttyS'));
    } finally {
      rmSync(base, { recursive: true, force: true });
    }
  });

  it('reaches the proxies and pcscd: host network namespace, AF_UNIX, /run not hidden', () => {
    expect(service.PrivateNetwork ?? []).not.toContain('yes'); // abstract sockets @qmi-proxy/@mbim-proxy live in the netns
    expect(service.RestrictAddressFamilies!.join(' ').split(/\s+/)).toContain('AF_UNIX');
    for (const key of ['InaccessiblePaths', 'TemporaryFileSystem']) {
      expect((service[key] ?? []).join(' ')).not.toMatch(/\/run\b/);
    }
    expect(service.ProtectSystem).toEqual(['strict']); // read-only /run still lets a client connect to a socket
  });

  it('starts after the clock is set and the network is up', () => {
    const u = unit.Unit!;
    for (const t of ['time-sync.target', 'network-online.target']) {
      expect(u.After!.join(' ').split(/\s+/)).toContain(t);
      expect(u.Wants!.join(' ').split(/\s+/)).toContain(t);
    }
  });

  const hasAnalyze = existsSync('/usr/bin/systemd-analyze') || existsSync('/bin/systemd-analyze');
  if (!hasAnalyze) console.log('systemd-analyze not installed: skipping `systemd-analyze verify` of the unit');
  const dir = mkdtempSync(join(tmpdir(), 'lpa-verify-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it.skipIf(!hasAnalyze)('passes systemd-analyze verify (no warnings but keys newer than this systemd)', async () => {
    // the bundle's binary is not installed here: point Exec lines at an existing one
    const copy = join(dir, 'lpa-agent.service');
    writeFileSync(copy, text.replace(/^(ExecStart(?:Post)?=)\S+.*$/gm, '$1/bin/true'));
    const r = await new Promise<{ code: number; stderr: string }>((resolve) => {
      execFile('systemd-analyze', ['verify', copy], { env: { ...process.env, SYSTEMD_LOG_COLOR: '0' } }, (err, _stdout, stderr) =>
        resolve({ code: err ? Number((err as NodeJS.ErrnoException).code ?? 1) : 0, stderr }),
      );
    });
    const complaints = r.stderr
      .split('\n')
      .filter((l) => l.trim() !== '')
      // RestartSteps / RestartMaxDelaySec need systemd >= 254; older ones ignore them (documented in the unit)
      .filter((l) => !/Unknown key '(RestartSteps|RestartMaxDelaySec)'/.test(l));
    expect(complaints).toEqual([]);
    expect(r.code).toBe(0);
  });
});
