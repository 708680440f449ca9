import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isLpaError } from '../../../src/errors.js';
import {
  BOOTSTRAP_ICCID,
  DEFAULT_ROOT_DS_ADDRESS,
  EuiccStateStore,
  factoryState,
  openVirtualEuicc,
  VIRTUAL_EID,
} from '../../../src/sim/euicc/index.js';
import { incrementAid } from '../../../src/sim/euicc/state.js';
import { isValidEid } from '../../../src/ids/eid.js';
import { isValidIccid } from '../../../src/ids/iccid.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'veuicc-state-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

describe('virtual eUICC state', () => {
  it('is factory fresh: one enabled provisioning profile, no default SM-DP+, GSMA root SM-DS', () => {
    const s = factoryState();
    expect(s.eid).toBe(VIRTUAL_EID);
    expect(isValidEid(s.eid)).toBe(true);
    expect(s.profiles).toHaveLength(1);
    expect(s.profiles[0]).toMatchObject({ iccid: BOOTSTRAP_ICCID, state: 'enabled', profileClass: 'provisioning' });
    expect(isValidIccid(BOOTSTRAP_ICCID)).toBe(true);
    expect(s.defaultDpAddress).toBe('');
    expect(s.rootDsAddress).toBe(DEFAULT_ROOT_DS_ADDRESS);
    expect(s.notifications).toEqual([]);
  });

  it('creates the JSON file when missing and leaves no temp file behind', () => {
    const path = join(dir, 'sub', 'euicc.json');
    const card = openVirtualEuicc({ statePath: path });
    expect(card.activeIccid()).toBe(BOOTSTRAP_ICCID);
    expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual(factoryState());
    expect(readdirSync(join(dir, 'sub'))).toEqual(['euicc.json']);
  });

  it('reloads what was saved', () => {
    const path = join(dir, 'euicc.json');
    const store = EuiccStateStore.open(path);
    store.state.defaultDpAddress = 'smdp.example.com';
    store.state.profiles[0]!.nickname = 'boot';
    expect(store.takeIsdpAid()).toBe('A0000005591010FFFFFFFF8900001100');
    store.save();
    const again = EuiccStateStore.open(path);
    expect(again.state).toEqual(store.state);
    expect(again.state.nextIsdpAid).toBe('A0000005591010FFFFFFFF8900001200');
  });

  it('counts ISD-P AIDs up with carry', () => {
    expect(incrementAid('A0000005591010FFFFFFFF8900001100')).toBe('A0000005591010FFFFFFFF8900001200');
    expect(incrementAid('A0000005591010FFFFFFFF890000FF00')).toBe('A0000005591010FFFFFFFF8900010000');
  });

  it.each([
    ['not JSON', '{"version": 1,'],
    ['wrong version', JSON.stringify({ ...factoryState(), version: 2 })],
    ['bad EID', JSON.stringify({ ...factoryState(), eid: '1234' })],
    ['bad ICCID', JSON.stringify({ ...factoryState(), profiles: [{ ...factoryState().profiles[0], iccid: 'x' }] })],
    ['two enabled', JSON.stringify({ ...factoryState(), profiles: [factoryState().profiles[0], { ...factoryState().profiles[0], iccid: '8988307000000000024' }] })],
    ['duplicate ICCID', JSON.stringify({ ...factoryState(), profiles: [factoryState().profiles[0], { ...factoryState().profiles[0], state: 'disabled', isdpAid: 'A0000005591010FFFFFFFF8900001100' }] })],
    ['bad notification', JSON.stringify({ ...factoryState(), notifications: [{ seqNumber: -1 }] })],
    ['array', '[]'],
  ])('rejects a state file with %s as CONFIG_INVALID', (_name, text) => {
    const path = join(dir, 'bad.json');
    writeFileSync(path, text);
    let err: unknown;
    try {
      openVirtualEuicc({ statePath: path });
    } catch (e) {
      err = e;
    }
    expect(isLpaError(err, 'CONFIG_INVALID')).toBe(true);
    expect((err as Error).message).toContain(path);
  });
});
