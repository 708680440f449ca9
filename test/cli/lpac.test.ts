import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addressesView, euiccInfo2View, notificationView, profileView, type ProfileView } from '../../src/cli/format.js';
import { lpacChipInfo, lpacLine, LpacOutput, lpacProfile, lpacResultData, snakeName } from '../../src/cli/lpac.js';
import { Output } from '../../src/cli/output.js';
import { LpaError } from '../../src/errors.js';
import type { Es10Client } from '../../src/es10/client.js';
import type { EuiccInfo2 } from '../../src/es10/euiccInfo2.js';
import { downloadProfile } from '../../src/lpa/download.js';
import { deliverNotifications } from '../../src/lpa/notifications.js';
import type { Es9Pool } from '../../src/lpa/es9.js';
import type { SmdpServer } from '../../src/sim/smdp/index.js';
import { startInProcessPeers, type InProcessPeers } from '../helpers/inProcessPeers.js';
import { fromHex } from '../../src/util/hex.js';
import { runCli } from './run.js';

/** Collects what an output writes. */
function sink(): { write(t: string): void; text: string; lines(): Record<string, any>[] } {
  const s = {
    text: '',
    write(t: string) {
      s.text += t;
    },
    lines: () => s.text.split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>),
  };
  return s;
}

function lpac(command: string) {
  const out = sink();
  const err = sink();
  return { o: new LpacOutput(command, out, err), out, err };
}

const P1: ProfileView = {
  iccid: '8944476500001224158',
  isdpAid: 'A0000005591010FFFFFFFF8900001000',
  state: 'enabled',
  nickname: 'bench',
  serviceProviderName: 'Twilio',
  profileName: 'Super SIM',
  profileClass: 'operational',
  ppr: [],
  iconType: null,
  icon: null,
};
const P2: ProfileView = {
  iccid: '8988307000000000016',
  isdpAid: 'A0000005591010FFFFFFFF8900001100',
  state: 'disabled',
  ppr: [],
  nickname: null,
  serviceProviderName: 'GSMA',
  profileName: 'Bootstrap',
  profileClass: 'provisioning',
  iconType: null,
  icon: null,
};

describe('lpac lines (golden)', () => {
  it('is an Output: commands take it where they take an Output', () => {
    const { o } = lpac('profiles');
    expect(o).toBeInstanceOf(Output);
    expect(o.json).toBe(true);
    expect(o.mode).toBe('json');
    expect(o.format).toBe('lpac');
  });

  it('profile list with two profiles', () => {
    const { o, out, err } = lpac('profiles');
    o.result({ profiles: [P1, P2] }, 'ignored human text');
    expect(out.text).toBe(
      '{"type":"lpa","payload":{"code":0,"message":"success","data":[' +
        '{"iccid":"8944476500001224158","isdpAid":"a0000005591010ffffffff8900001000","profileState":"enabled","profileNickname":"bench","serviceProviderName":"Twilio","profileName":"Super SIM","iconType":null,"icon":null,"profileClass":"operational"},' +
        '{"iccid":"8988307000000000016","isdpAid":"a0000005591010ffffffff8900001100","profileState":"disabled","profileNickname":null,"serviceProviderName":"GSMA","profileName":"Bootstrap","iconType":null,"icon":null,"profileClass":"provisioning"}' +
        ']}}\n',
    );
    expect(err.text).toBe('');
    o.result({ profiles: [] }, '');
    expect(out.lines()).toHaveLength(1); // one final line only
  });

  it('icon types as lpac names them', () => {
    expect(lpacProfile({ ...P1, iconType: 'jpg', icon: 'AAAA' })).toMatchObject({ iconType: 'jpeg', icon: 'AAAA' });
    expect(lpacProfile({ ...P1, iconType: 'png', icon: 'iVBO' })).toMatchObject({ iconType: 'png' });
  });

  it('chip info', () => {
    const info2: EuiccInfo2 = {
      profileVersion: '2.1.0',
      svn: '2.2.0',
      euiccFirmwareVer: '4.6.0',
      extCardResource: fromHex('810100820304735283021752'),
      uiccCapability: ['usimSupport', 'isimSupport'],
      javacardVersion: '9.2.0',
      globalplatformVersion: '2.3.0',
      rspCapability: ['additionalProfile', 'testProfileSupport'],
      euiccCiPKIdListForVerification: [fromHex('81370F5125D0B1D408D4C3B232E6D25E795BEBFB')],
      euiccCiPKIdListForSigning: [fromHex('81370F5125D0B1D408D4C3B232E6D25E795BEBFB')],
      ppVersion: '0.0.1',
      sasAcreditationNumber: 'GI-BA-UP-0419',
    };
    const data = {
      eid: '89049032123451234512345678901235',
      module: { device: 'virtual', vendor: 'generic' },
      euiccInfo2: euiccInfo2View(info2),
      addresses: addressesView({ defaultDpAddress: '', rootDsAddress: 'testrootsmds.gsma.com' }),
    };
    const { o, out } = lpac('info');
    o.result(data, '');
    expect(out.text).toBe(
      '{"type":"lpa","payload":{"code":0,"message":"success","data":{"eidValue":"89049032123451234512345678901235",' +
        '"EuiccConfiguredAddresses":{"defaultDpAddress":null,"rootDsAddress":"testrootsmds.gsma.com"},' +
        '"EUICCInfo2":{"profileVersion":"2.1.0","svn":"2.2.0","euiccFirmwareVer":"4.6.0",' +
        '"extCardResource":{"installedApplication":0,"freeNonVolatileMemory":291666,"freeVolatileMemory":5970},' +
        '"uiccCapability":["usimSupport","isimSupport"],"ts102241Version":"9.2.0","globalplatformVersion":"2.3.0",' +
        '"rspCapability":["additionalProfile","testProfileSupport"],' +
        '"euiccCiPKIdListForVerification":["81370f5125d0b1d408d4c3b232e6d25e795bebfb"],' +
        '"euiccCiPKIdListForSigning":["81370f5125d0b1d408d4c3b232e6d25e795bebfb"],' +
        '"euiccCategory":null,"ppVersion":"0.0.1","sasAcreditationNumber":"GI-BA-UP-0419",' +
        '"certificationDataObject":{"platformLabel":null,"discoveryBaseURL":null}}}}}\n',
    );
    expect(lpacChipInfo({ eid: '89049032123451234512345678901235' })).toEqual({ eidValue: '89049032123451234512345678901235' });
    expect(lpacResultData('info', { ...data, euiccInfo2: { ...data.euiccInfo2, extCardResource: 'ZZ' } })).toMatchObject({
      EUICCInfo2: { extCardResource: { installedApplication: 0, freeNonVolatileMemory: 0, freeVolatileMemory: 0 } },
    });
  });

  it('a download: progress lines, metadata, BPP percentages folded, install notification, result', () => {
    const smdp = 'testsmdpplus1.example.com';
    const { o, out } = lpac('download');
    o.progress('target', `SM-DP+ ${smdp} (matching id X)`, { smdpAddress: smdp, matchingId: 'X', method: 'address', confirmationCodeRequired: false });
    o.progress('challenge', 'reading the eUICC challenge and EUICCInfo1');
    o.progress('initiateAuthentication', `contacting ${smdp}`);
    o.progress('authenticateServer', 'eUICC verifies the SM-DP+', { transactionId: '0A0B' });
    o.progress('authenticateClient', 'SM-DP+ verifies the eUICC');
    o.progress('metadata', 'profile ...', { iccid: '8900000000000000017', serviceProviderName: 'GSMA', profileName: 'TS48 V2', profileClass: 'test' });
    o.progress('prepareDownload', 'eUICC prepares the download');
    o.progress('getBoundProfilePackage', 'fetching the bound profile package');
    o.progress('loadBoundProfilePackage', 'loading (1000 bytes, 8 commands)', { bytes: 1000, commands: 8 });
    o.progress('loadBoundProfilePackage', 'loaded 50% (4/8 commands)', { done: 4, total: 8 });
    o.progress('installed', 'profile 8900000000000000017 installed', { iccid: '8900000000000000017' });
    o.progress('notify', 'sending notificationInstall notification #3 to x', { seqNumber: 3 });
    o.notice('a remark for people');
    o.result({ iccid: '8900000000000000017', smdpAddress: smdp, notificationSeq: 3, enabled: false, notifications: [], profile: {} }, 'human');
    const p = (m: string, d: unknown = smdp) => lpacLine('progress', 0, m, d);
    expect(out.text).toBe(
      [
        p('es10b_get_euicc_challenge_and_info'),
        p('es9p_initiate_authentication'),
        p('es10b_authenticate_server'),
        p('es9p_authenticate_client'),
        p('es8p_metadata_parse', { iccid: '8900000000000000017', serviceProviderName: 'GSMA', profileName: 'TS48 V2', iconType: null, icon: null, profileClass: 'test' }),
        p('es10b_prepare_download'),
        p('es9p_get_bound_profile_package'),
        p('es10b_load_bound_profile_package'),
        p('es10b_retrieve_notifications_list', '3'),
        p('es9p_handle_notification', '3'),
        '{"type":"lpa","payload":{"code":0,"message":"success","data":{"seqNumber":3,"iccid":"8900000000000000017","bppCommandId":"unknown","errorReason":"unknown"}}}\n',
      ].join(''),
    );
    expect(out.text.split('\n')[0]).toBe(`{"type":"progress","payload":{"code":0,"message":"es10b_get_euicc_challenge_and_info","data":"${smdp}"}}`);
  });

  it('a failed download: cancel lines, then the failing step and our message', () => {
    const smdp = 'smdp.example.com';
    const { o, out } = lpac('download');
    o.progress('target', 't', { smdpAddress: smdp });
    o.progress('challenge', 'c');
    o.progress('initiateAuthentication', 'i');
    o.progress('authenticateServer', 'a');
    o.progress('cancel', 'cancelling the session (endUserRejection)', { reason: 'endUserRejection' });
    o.error(new LpaError('ES10_RESULT', 'AuthenticateServer failed: invalid certificate (result 1)', { function: 'AuthenticateServer', result: 'invalidCertificate' }));
    expect(out.text.split('\n').slice(-4, -1)).toEqual([
      '{"type":"progress","payload":{"code":0,"message":"es10b_cancel_session","data":"smdp.example.com"}}',
      '{"type":"progress","payload":{"code":0,"message":"es9p_cancel_session","data":"smdp.example.com"}}',
      '{"type":"lpa","payload":{"code":-1,"message":"es10b_authenticate_server","data":"AuthenticateServer failed: invalid certificate (result 1)"}}',
    ]);
    o.error(new LpaError('INTERNAL', 'twice'));
    expect(out.lines().filter((l) => l.type === 'lpa')).toHaveLength(1);
  });

  it('discovery as lpac\'s "profile discovery": its steps on the SM-DS, then the SM-DP+ addresses', () => {
    const smds = 'testsmds1.example.com';
    const { o, out } = lpac('discover');
    o.progress('smds', `SM-DS ${smds}`, { smdsAddress: smds });
    o.progress('challenge', 'c', { smdsAddress: smds });
    o.progress('initiateAuthentication', 'i', { smdsAddress: smds });
    o.progress('authenticateServer', 'a', { smdsAddress: smds, transactionId: '0A' });
    o.progress('authenticateClientEs11', 'e', { smdsAddress: smds });
    o.progress('events', '2 event(s)', { smdsAddress: smds, events: [] });
    o.result({ smdsAddress: smds, events: [{ eventId: 'E1', rspServerAddress: 'a.example' }, { eventId: 'E2', rspServerAddress: 'b.example' }] }, '');
    const p = (m: string) => lpacLine('progress', 0, m, smds);
    expect(out.text).toBe(
      p('es10b_get_euicc_challenge_and_info') +
        p('es9p_initiate_authentication') +
        p('es10b_authenticate_server') +
        p('es11_authenticate_client') +
        '{"type":"lpa","payload":{"code":0,"message":"success","data":["a.example","b.example"]}}\n',
    );
    expect(lpacResultData('discover', { smdsAddress: smds, events: [] })).toEqual([]);
    const failed = lpac('discover');
    failed.o.progress('challenge', 'c', { smdsAddress: smds });
    failed.o.progress('initiateAuthentication', 'i', { smdsAddress: smds });
    failed.o.error(new LpaError('ES9_FAILED', 'SM-DS refused initiateAuthentication (Failed, 8.8.1/3.8)', { server: 'SM-DS' }));
    expect(failed.out.lines().at(-1)).toEqual({ type: 'lpa', payload: { code: -1, message: 'es9p_initiate_authentication', data: 'SM-DS refused initiateAuthentication (Failed, 8.8.1/3.8)' } });
  });

  it('reset as lpac\'s "chip purge": null on success, es10c_euicc_memory_reset on failure; profile operations by AID', () => {
    const ok = lpac('reset');
    ok.o.progress('reset', 'eUICC memory reset: ...', { resetOptions: [] });
    ok.o.progress('reset', 'sending notificationDelete notification #4 to x', { seqNumber: 4 });
    ok.o.result({ result: 'ok', deletedProfiles: [] }, '');
    expect(ok.out.text).toBe(
      lpacLine('progress', 0, 'es10b_retrieve_notifications_list', '4') + lpacLine('progress', 0, 'es9p_handle_notification', '4') + lpacLine('lpa', 0, 'success', null),
    );
    const bad = lpac('reset');
    bad.o.error(new LpaError('ES10_RESULT', 'eUICCMemoryReset failed: undefinedError', { function: 'eUICCMemoryReset' }));
    expect(bad.out.lines()[0]!.payload.message).toBe('es10c_euicc_memory_reset');
    const en = lpac('enable');
    en.o.progress('enable', 'enable profile ISD-P A0', { isdpAid: 'A0000005591010FFFFFFFF8900001100' });
    expect(en.out.text).toBe(lpacLine('progress', 0, 'es10c_enable_profile', 'a0000005591010ffffffff8900001100'));
  });

  it('a rejected profile: the installation result, then the error as lpac writes it', () => {
    const { o, out } = lpac('download');
    o.progress('target', 't', { smdpAddress: 's.example' });
    o.progress('metadata', 'm', { iccid: '8900000000000000017', serviceProviderName: 'G', profileName: 'N', profileClass: 'test' });
    o.progress('loadBoundProfilePackage', 'l');
    o.error(new LpaError('PROFILE_INSTALL_FAILED', 'rejected', { bppCommandId: 'loadProfileElements', errorReason: 'scp03tSecurityError', notificationSeq: 7 }));
    expect(out.text.split('\n').slice(-3, -1)).toEqual([
      '{"type":"progress","payload":{"code":0,"message":"es10b_load_bound_profile_package:result","data":{"seqNumber":7,"iccid":"8900000000000000017","bppCommandId":"load_profile_elements","errorReason":"scp03t_security_error"}}}',
      '{"type":"lpa","payload":{"code":-1,"message":"es10b_load_bound_profile_package","data":"load_profile_elements,scp03t_security_error"}}',
    ]);
  });

  it('errors outside a step: named after the ES10 function, the module, the command, or the code', () => {
    const line = (command: string, e: LpaError) => {
      const { o, out } = lpac(command);
      o.error(e);
      return out.text;
    };
    expect(line('profiles', new LpaError('APDU_STATUS', 'GetProfilesInfo failed: status 6A88', { function: 'GetProfilesInfo', sw: '6A88' }))).toBe(
      '{"type":"lpa","payload":{"code":-1,"message":"es10c_get_profiles_info","data":"GetProfilesInfo failed: status 6A88"}}\n',
    );
    expect(line('profiles', new LpaError('PORT_NOT_FOUND', 'no such port /dev/ttyUSB9'))).toBe('{"type":"lpa","payload":{"code":-1,"message":"euicc_init","data":"no such port /dev/ttyUSB9"}}\n');
    expect(line('enable', new LpaError('PROFILE_NOT_FOUND', 'not found'))).toContain('"message":"es10c_enable_profile"');
    expect(line('download', new LpaError('INVALID_ACTIVATION_CODE', 'bad code'))).toContain('"message":"activation_code"');
    expect(line('download', new LpaError('INTERRUPTED', 'interrupted by SIGINT'))).toContain('"message":"cancelled"');
    expect(line('download', new LpaError('USAGE', 'give a code'))).toContain('"message":"usage"');
  });

  it('notifications: list items, process and remove give null data', () => {
    const list = [
      { seqNumber: 3, operation: 'notificationInstall', address: 'testsmdpplus1.example.com', iccid: '8900000000000000017' },
      { seqNumber: 4, operation: 'notificationEnable', address: 'rsp.example.com', iccid: null },
    ];
    const a = lpac('notifications');
    a.o.result({ notifications: list }, '');
    expect(a.out.text).toBe(
      '{"type":"lpa","payload":{"code":0,"message":"success","data":[' +
        '{"seqNumber":3,"profileManagementOperation":"install","notificationAddress":"testsmdpplus1.example.com","iccid":"8900000000000000017"},' +
        '{"seqNumber":4,"profileManagementOperation":"enable","notificationAddress":"rsp.example.com","iccid":null}]}}\n',
    );
    const b = lpac('notifications');
    b.o.progress('send', 'sending ...', { seqNumber: 3 });
    b.o.result({ notifications: [{ ...list[0], delivered: true, removed: true }], sent: 1 }, '');
    expect(b.out.text).toBe(
      '{"type":"progress","payload":{"code":0,"message":"es10b_retrieve_notifications_list","data":"3"}}\n' +
        '{"type":"progress","payload":{"code":0,"message":"es9p_handle_notification","data":"3"}}\n' +
        '{"type":"lpa","payload":{"code":0,"message":"success","data":null}}\n',
    );
    expect(lpacResultData('notifications', { removed: [3] })).toBeNull();
    expect(lpacResultData('notifications', { notifications: [] })).toEqual([]);
    // nothing pending: send delivered nothing, and says so as lpac's process does (null, not a list)
    expect(lpacResultData('notifications', { notifications: [], sent: 0 })).toBeNull();
  });

  it('default-smdp: the show form keeps both addresses (chip info\'s EuiccConfiguredAddresses); setting gives null', () => {
    expect(lpacResultData('default-smdp', { defaultDpAddress: 'smdp.example.com', rootDsAddress: 'lpa.ds.gsma.com' })).toEqual({ defaultDpAddress: 'smdp.example.com', rootDsAddress: 'lpa.ds.gsma.com' });
    expect(lpacResultData('default-smdp', { defaultDpAddress: null, rootDsAddress: null })).toEqual({ defaultDpAddress: null, rootDsAddress: null });
    expect(lpacResultData('default-smdp', { defaultDpAddress: 'smdp.example.com' })).toBeNull();
  });

  it('steps lpac has no name for pass through with our name; notices go to stderr', () => {
    const { o, out, err } = lpac('provision');
    o.progress('cloud', 'reserving a profile', { esimProfileSid: 'HP1' });
    o.notice('already provisioned');
    o.result({ eid: 'x', done: ['cloud'] }, '');
    expect(out.lines()).toEqual([
      { type: 'progress', payload: { code: 0, message: 'cloud', data: 'reserving a profile' } },
      { type: 'lpa', payload: { code: 0, message: 'success', data: { eid: 'x', done: ['cloud'] } } },
    ]);
    expect(err.text).toBe('note: already provisioned\n');
  });

  it('snake_case names as lpac prints them', () => {
    expect(snakeName('configureISDP')).toBe('configure_isdp');
    expect(snakeName('installFailedDueToPEProcessingError')).toBe('install_failed_due_to_pe_processing_error');
    expect(snakeName('installFailedDueToIccidAlreadyExistsOnEuicc')).toBe('install_failed_due_to_iccid_already_exists_on_euicc');
    expect(snakeName('storeMetadata2')).toBe('store_metadata2');
    expect(snakeName('testProfileInstallFailedDueToInvalidNaaKey')).toBe('test_profile_install_failed_due_to_invalid_naa_key');
  });
});

/** The mapping against real step data: the virtual module (real AT engine) and the local SM-DP+ over TLS. */
describe('lpac output of a real download on the simulated peers', () => {
  let peers: InProcessPeers;
  let smdp: SmdpServer;
  let es10: Es10Client;
  let pool: Es9Pool;

  beforeAll(async () => {
    peers = await startInProcessPeers();
    ({ smdp, es10, pool } = peers);
  });

  afterAll(() => peers?.close());

  it('download, profiles, notifications list and send', async () => {
    const matchingId = 'TS48V2-SAIP2-1-BERTLV-UNIQUE';
    const d = lpac('download');
    const dl = await downloadProfile(es10, pool, { smdpAddress: smdp.address, matchingId }, { onProgress: (s, m, data) => d.o.progress(s, m, data) });
    const { metadata: m, ...rest } = dl;
    const metadata = m!;
    d.o.result({ ...rest, enabled: false, notifications: [], profile: { iccid: metadata.iccid } }, '');
    const lines = d.out.lines();
    expect(lines.map((l) => `${l.type}:${l.payload.message}`)).toEqual([
      'progress:es10b_get_euicc_challenge_and_info',
      'progress:es9p_initiate_authentication',
      'progress:es10b_authenticate_server',
      'progress:es9p_authenticate_client',
      'progress:es8p_metadata_parse',
      'progress:es10b_prepare_download',
      'progress:es9p_get_bound_profile_package',
      'progress:es10b_load_bound_profile_package',
      'lpa:success',
    ]);
    for (const l of lines.slice(0, 4)) expect(l.payload).toEqual({ code: 0, message: l.payload.message, data: smdp.address });
    expect(lines[4]!.payload.data).toEqual({
      iccid: dl.iccid,
      serviceProviderName: metadata.serviceProviderName,
      profileName: metadata.profileName,
      iconType: null,
      icon: null,
      profileClass: metadata.profileClass,
    });
    expect(lines.at(-1)!.payload).toEqual({ code: 0, message: 'success', data: { seqNumber: dl.notificationSeq, iccid: dl.iccid, bppCommandId: 'unknown', errorReason: 'unknown' } });

    const p = lpac('profiles');
    p.o.result({ profiles: (await es10.listProfiles()).map(profileView) }, '');
    const items = p.out.lines()[0]!.payload.data as Record<string, unknown>[];
    expect(items).toHaveLength(2);
    expect(items.map((i) => Object.keys(i))).toEqual(Array(2).fill(['iccid', 'isdpAid', 'profileState', 'profileNickname', 'serviceProviderName', 'profileName', 'iconType', 'icon', 'profileClass']));
    expect(items.find((i) => i.iccid === dl.iccid)).toMatchObject({ profileState: 'disabled', isdpAid: dl.isdpAid!.toLowerCase() });

    const n = lpac('notifications');
    n.o.result({ notifications: (await es10.listNotifications()).map(notificationView) }, '');
    expect(n.out.lines()[0]!.payload.data).toContainEqual({ seqNumber: dl.notificationSeq, profileManagementOperation: 'install', notificationAddress: smdp.address, iccid: dl.iccid });

    const s = lpac('notifications');
    const outcomes = await deliverNotifications(es10, pool, { onProgress: (m, data) => s.o.progress('send', m, data) });
    s.o.result({ notifications: outcomes, sent: outcomes.length }, '');
    expect(s.out.lines().map((l) => [l.payload.message, l.payload.data])).toEqual([
      ...outcomes.flatMap((o) => [['es10b_retrieve_notifications_list', String(o.seqNumber)], ['es9p_handle_notification', String(o.seqNumber)]]),
      ['success', null],
    ]);
  });
});

/**
 * The lpac lines of the commands as a user runs them (a real process, the virtual module): what
 * the golden lines above build by hand, here from the commands' own result data.
 */
describe('lpac output from the command line', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lpa-lpac-cli-'));
  const device = `virtual:${join(dir, 'euicc.json')}`;
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = async (...args: string[]) => {
    const r = await runCli(['--device', device, '--output', 'lpac', ...args]);
    expect(r.code).toBe(0);
    return r.stdout.trim().split('\n');
  };

  it('notifications send with nothing pending: null, as lpac\'s process; list: an empty array', async () => {
    expect(await run('notifications', 'send', '--all')).toEqual(['{"type":"lpa","payload":{"code":0,"message":"success","data":null}}']);
    expect(await run('notifications', 'list')).toEqual(['{"type":"lpa","payload":{"code":0,"message":"success","data":[]}}']);
  });

  it('default-smdp shows both configured addresses; setting one gives null', async () => {
    expect(await run('default-smdp')).toEqual(['{"type":"lpa","payload":{"code":0,"message":"success","data":{"defaultDpAddress":null,"rootDsAddress":"lpa.ds.gsma.com"}}}']);
    expect(await run('default-smdp', 'smdp.example.com')).toEqual(['{"type":"lpa","payload":{"code":0,"message":"success","data":null}}']);
    expect(await run('default-smdp')).toEqual(['{"type":"lpa","payload":{"code":0,"message":"success","data":{"defaultDpAddress":"smdp.example.com","rootDsAddress":"lpa.ds.gsma.com"}}}']);
  });

  it('nickname: its progress line carries the ICCID, named by ICCID or by ISD-P AID', async () => {
    const done = '{"type":"lpa","payload":{"code":0,"message":"success","data":null}}';
    const step = '{"type":"progress","payload":{"code":0,"message":"es10c_set_nickname","data":"8988307000000000016"}}';
    expect(await run('nickname', '8988307000000000016', 'fleet A')).toEqual([step, done]);
    const profiles = JSON.parse((await run('profiles'))[0]!) as { payload: { data: { iccid: string; isdpAid: string; profileNickname: string }[] } };
    const p = profiles.payload.data.find((x) => x.iccid === '8988307000000000016')!;
    expect(p.profileNickname).toBe('fleet A');
    expect(await run('nickname', p.isdpAid, '')).toEqual([step, done]);
  });
});
