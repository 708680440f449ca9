import fc from 'fast-check';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CONFIG_KEYS, envName, flagName, formatDuration, journalPath, loadCredentials, loadProvisionConfig, parseDuration,
  type ConfigFs, type LoadConfigInput, type ProvisionConfig,
} from '../../src/agent/config.js';
import { parseJsonStrict } from '../../src/agent/configJson.js';
import { isLpaError, LpaError } from '../../src/errors.js';

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'lpa-config-'));
});
afterEach(() => {
  rmSync(dir, { recursive: true, force: true });
});

function writeConfig(obj: unknown, name = 'config.json', mode = 0o644): string {
  const p = join(dir, name);
  writeFileSync(p, typeof obj === 'string' ? obj : JSON.stringify(obj, null, 2), { mode });
  return p;
}

function load(partial: Partial<LoadConfigInput> = {}): ProvisionConfig {
  return loadProvisionConfig({ options: {}, env: {}, defaultConfigPath: null, cwd: dir, ...partial });
}

function fails(fn: () => unknown): LpaError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(LpaError);
    expect((e as LpaError).code).toBe('CONFIG_INVALID');
    return e as LpaError;
  }
  throw new Error('expected CONFIG_INVALID');
}

/** An in-memory ConfigFs with one file. */
function memFs(path: string, content: Uint8Array | string, mode = 0o100644): ConfigFs {
  const bytes = typeof content === 'string' ? new TextEncoder().encode(content) : content;
  return {
    statSync(p: string) {
      if (p !== path) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return { size: bytes.length, mode, isFile: () => true };
    },
    readFileSync(p: string) {
      if (p !== path) throw Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
      return bytes;
    },
  };
}

describe('parseDuration', () => {
  it.each([
    ['90', 90_000],
    ['90s', 90_000],
    ['10m', 600_000],
    ['1h30m', 5_400_000],
    ['1h30m15s', 5_415_000],
    ['250ms', 250],
    ['2d', 172_800_000],
    ['1.5', 1500],
    ['1.5m', 90_000],
    [' 2M ', 120_000],
    ['0', 0],
  ])('%j -> %d ms', (text, ms) => {
    expect(parseDuration(text)).toBe(ms);
  });

  it.each(['', '10x', 's', '1h1h', '30m1h', '1 h', '-5s', '1e3', 'ms', '5m5', '1.s', 'x'.repeat(100), '9'.repeat(64)])('%j is not a duration', (text) => {
    const e = fails(() => parseDuration(text));
    expect(e.message).toContain('is not a duration');
  });

  it('formats back what it reads', () => {
    expect(formatDuration(5_400_000)).toBe('1h30m');
    expect(formatDuration(0)).toBe('0s');
    for (const ms of [1, 999, 1000, 61_000, 3_600_001, 90_061_001]) expect(parseDuration(formatDuration(ms))).toBe(ms);
  });

  it('any string gives a number or CONFIG_INVALID, never another throw', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.stringMatching(/^[0-9.hmsd ]{0,12}$/)), (s) => {
        try {
          const ms = parseDuration(s);
          return Number.isSafeInteger(ms) && ms >= 0;
        } catch (e) {
          return isLpaError(e, 'CONFIG_INVALID');
        }
      }),
      { numRuns: 2000 },
    );
  });
});

describe('loadProvisionConfig: defaults', () => {
  it('applies defaults and says so in sources', () => {
    const c = load();
    expect(c).toMatchObject({ baud: 115200, enable: true, timeoutMs: 15 * 60_000, ca: [], connectTo: [], journal: '/var/lib/lpa-agent/journal-{eid}.json' });
    expect(c.cloud).toBeUndefined();
    expect(c.device).toBeUndefined();
    expect(c.lockFile).toBeUndefined();
    expect(c.configFile).toBeUndefined();
    for (const k of CONFIG_KEYS) expect(c.sources[k]).toEqual({ from: 'default', name: 'default' });
  });

  it('puts the journal next to the virtual eUICC state', () => {
    expect(load({ options: { device: 'virtual' } }).journal).toBe(join(dir, '.lpa-agent', 'journal-{eid}.json'));
    const c = load({ options: { device: 'virtual:state/card.json' } });
    expect(c.journal).toBe(join(dir, 'state', 'journal-{eid}.json'));
    expect(journalPath(c, '89049032000000000000000000000017')).toBe(join(dir, 'state', 'journal-89049032000000000000000000000017.json'));
  });

  it('reads /etc/lpa-agent/config.json only when present', () => {
    expect(load({ defaultConfigPath: join(dir, 'absent.json') }).configFile).toBeUndefined();
    const p = writeConfig({ fleet: 'HF00000000000000000000000000000000' });
    const c = load({ defaultConfigPath: p });
    expect(c.configFile).toBe(p);
    expect(c.fleet).toBe('HF00000000000000000000000000000000');
  });

  it('an explicitly named config file must exist', () => {
    const e = fails(() => load({ options: { config: 'nope.json' } }));
    expect(e.message).toBe(`config file ${join(dir, 'nope.json')}: cannot be read (ENOENT)`);
    fails(() => load({ env: { LPA_AGENT_CONFIG: join(dir, 'nope.json') } }));
    fails(() => load({ configPath: join(dir, 'nope.json') }));
  });
});

/** One value per key for each source: [file JSON value, env string, flag value, expected typed value per source]. */
const PER_KEY: Record<string, { file: unknown; env: string; flag: string | boolean | string[]; expect: (c: ProvisionConfig) => unknown; want: [unknown, unknown, unknown] }> = {
  device: { file: '/dev/ttyUSB1', env: '/dev/ttyUSB2', flag: '/dev/ttyUSB3', expect: (c) => c.device, want: ['/dev/ttyUSB1', '/dev/ttyUSB2', '/dev/ttyUSB3'] },
  modem: { file: 'quectel', env: 'SIMCOM', flag: 'telit', expect: (c) => c.modem, want: ['quectel', 'simcom', 'telit'] },
  baud: { file: 9600, env: '57600', flag: '921600', expect: (c) => c.baud, want: [9600, 57600, 921600] },
  cloud: { file: 'kore', env: 'twilio', flag: 'smds', expect: (c) => c.cloud, want: ['kore', 'twilio', 'smds'] },
  cloudUrl: { file: 'https://a.example', env: 'http://127.0.0.1:8080', flag: 'https://c.example/v1', expect: (c) => c.cloudUrl, want: ['https://a.example', 'http://127.0.0.1:8080', 'https://c.example/v1'] },
  fleet: { file: 'factory', env: 'HF11111111111111111111111111111111', flag: 'bench', expect: (c) => c.fleet, want: ['factory', 'HF11111111111111111111111111111111', 'bench'] },
  enable: { file: false, env: 'yes', flag: false, expect: (c) => c.enable, want: [false, true, false] },
  journal: { file: 'j/file.json', env: 'env-j.json', flag: '/abs/flag-{eid}.json', expect: (c) => c.journal, want: ['<dir>/j/file.json', '<dir>/env-j.json', '/abs/flag-{eid}.json'] },
  timeout: { file: 120, env: '10m', flag: '1h30m', expect: (c) => c.timeoutMs, want: [120_000, 600_000, 5_400_000] },
  ca: { file: ['a.pem', '/b.pem'], env: 'x.pem,/y.pem:z.pem', flag: ['/f.pem'], expect: (c) => c.ca, want: [['<dir>/a.pem', '/b.pem'], ['<dir>/x.pem', '/y.pem', '<dir>/z.pem'], ['/f.pem']] },
  connectTo: {
    file: 'a.example:443:127.0.0.1:8443',
    env: 'b.example:443:127.0.0.1:1,c.example::[::1]:',
    flag: ['::127.0.0.1:9'],
    expect: (c) => c.connectTo,
    want: [['a.example:443:127.0.0.1:8443'], ['b.example:443:127.0.0.1:1', 'c.example::[::1]:'], ['::127.0.0.1:9']],
  },
  trace: { file: 'trace.log', env: '/tmp/t.log', flag: 'f.log', expect: (c) => c.trace, want: ['<dir>/trace.log', '/tmp/t.log', '<dir>/f.log'] },
  backendUrl: { file: 'https://b.example/{eid}', env: 'http://127.0.0.1:1/d/{eid}/esim', flag: 'https://f.example/x?eid={eid}', expect: (c) => c.backendUrl, want: ['https://b.example/{eid}', 'http://127.0.0.1:1/d/{eid}/esim', 'https://f.example/x?eid={eid}'] },
  lockFile: { file: 'agent.lock', env: '/run/e.lock', flag: 'f.lock', expect: (c) => c.lockFile, want: ['<dir>/agent.lock', '/run/e.lock', '<dir>/f.lock'] },
  isdrAid: {
    file: 'a0000005591010ffffffff8900000100',
    env: 'A0:00:00:05:59:10:10:FF:FF:FF:FF:89:00:00:02:00',
    flag: 'A0000005591010FFFFFFFF8900000300',
    expect: (c) => c.isdrAid,
    want: ['A0000005591010FFFFFFFF8900000100', 'A0000005591010FFFFFFFF8900000200', 'A0000005591010FFFFFFFF8900000300'],
  },
  smds: { file: 'lpa.ds.gsma.com', env: 'https://smds.example:8444', flag: 'prod.smds.rsp.goog', expect: (c) => c.smds, want: ['lpa.ds.gsma.com', 'smds.example:8444', 'prod.smds.rsp.goog'] },
};

describe('loadProvisionConfig: precedence flag > env > file > default, per key', () => {
  for (const [key, t] of Object.entries(PER_KEY)) {
    it(key, () => {
      const k = key as (typeof CONFIG_KEYS)[number];
      const fix = (v: unknown): unknown => (typeof v === 'string' ? v.replace('<dir>', dir) : Array.isArray(v) ? v.map(fix) : v);
      const path = writeConfig({ [key]: t.file });
      const env = { [envName(k)]: t.env };
      const options = { [flagName(k)]: t.flag };
      const fromFile = load({ configPath: path });
      expect(t.expect(fromFile)).toEqual(fix(t.want[0]));
      expect(fromFile.sources[k]).toEqual({ from: 'file', name: path });
      const fromEnv = load({ configPath: path, env });
      expect(t.expect(fromEnv)).toEqual(fix(t.want[1]));
      expect(fromEnv.sources[k]).toEqual({ from: 'env', name: envName(k) });
      const fromFlag = load({ configPath: path, env, options });
      expect(t.expect(fromFlag)).toEqual(fix(t.want[2]));
      expect(fromFlag.sources[k]).toEqual({ from: 'flag', name: `--${flagName(k)}` });
    });
  }

  it('secret files: credentialsFile and backendTokenFile, each by precedence', () => {
    const a = writeConfig('x', 'a', 0o600);
    const b = writeConfig('x', 'b', 0o600);
    const c = writeConfig('x', 'c', 0o600);
    for (const k of ['credentialsFile', 'backendTokenFile'] as const) {
      const path = writeConfig({ [k]: 'a' });
      expect(load({ configPath: path })[k]).toBe(a);
      expect(load({ configPath: path, env: { [envName(k)]: b } })[k]).toBe(b);
      expect(load({ configPath: path, env: { [envName(k)]: b }, options: { [flagName(k)]: c } })[k]).toBe(c);
    }
  });

  it('env names and flag names follow the keys', () => {
    expect(envName('connectTo')).toBe('LPA_AGENT_CONNECT_TO');
    expect(envName('backendTokenFile')).toBe('LPA_AGENT_BACKEND_TOKEN_FILE');
    expect(flagName('cloudUrl')).toBe('cloud-url');
  });

  it('empty environment variables count as unset', () => {
    const path = writeConfig({ fleet: 'from-file' });
    expect(load({ configPath: path, env: { LPA_AGENT_FLEET: '' } }).fleet).toBe('from-file');
  });
});

describe('loadProvisionConfig: errors name the key and the source', () => {
  it('unknown config key, with a suggestion', () => {
    const path = writeConfig({ fleeet: 'x' });
    const e = fails(() => load({ configPath: path }));
    expect(e.message).toBe(`config file ${path}: key "fleeet" is unknown (did you mean "fleet"?)`);
    expect(e.details).toMatchObject({ key: 'fleeet', source: 'file', suggestion: 'fleet' });
    expect(fails(() => load({ configPath: writeConfig({ 'cloud-url': 'https://x.example' }) })).message).toContain('(did you mean "cloudUrl"?)');
    expect(fails(() => load({ configPath: writeConfig({ zzzzzzzz: 1 }) })).message).toMatch(/key "zzzzzzzz" is unknown$/);
  });

  it('unknown LPA_AGENT_ variable, with a suggestion; other ones are left alone', () => {
    const e = fails(() => load({ env: { LPA_AGENT_TIMOUT: '10m' } }));
    expect(e.message).toBe('LPA_AGENT_TIMOUT is not a known setting (did you mean LPA_AGENT_TIMEOUT?)');
    expect(load({ env: { LPA_AGENT_DATA_DIR: '/x', LPA_AGENT_DEBUG: '1', PATH: '/bin' } }).baud).toBe(115200);
  });

  it.each([
    ['timeout', '10x', 'LPA_AGENT_TIMEOUT: "10x" is not a duration'],
    ['timeout', '0s', 'LPA_AGENT_TIMEOUT: "0s" is out of range (1s to 7d)'],
    ['baud', '12', 'LPA_AGENT_BAUD: "12" is not a baud rate'],
    ['baud', 'fast', 'LPA_AGENT_BAUD: "fast" is not a baud rate'],
    ['enable', 'maybe', 'LPA_AGENT_ENABLE: "maybe" is not a boolean'],
    ['cloud', 'aws', 'LPA_AGENT_CLOUD: "aws" is not a cloud (twilio, kore, backend or smds)'],
    ['modem', 'nokia', 'LPA_AGENT_MODEM: "nokia" is not a known modem vendor'],
    ['cloudUrl', 'ftp://x.example', 'LPA_AGENT_CLOUD_URL: "ftp://x.example" must be an http:// or https:// URL'],
    ['cloudUrl', 'not a url', 'LPA_AGENT_CLOUD_URL: "not a url" is not a URL'],
    ['cloudUrl', 'https://AC1:secret@api.example', 'LPA_AGENT_CLOUD_URL: the URL must not carry a user name or password'],
    ['backendUrl', 'https://b.example/devices', 'LPA_AGENT_BACKEND_URL: "https://b.example/devices" must contain {eid}'],
    ['connectTo', 'a.example:443', 'LPA_AGENT_CONNECT_TO: "a.example:443" is not HOST:PORT:HOST2:PORT2'],
    ['fleet', 'a\u0001b', 'LPA_AGENT_FLEET: "a\\u0001b" is not a valid value'],
    ['isdrAid', 'A000', 'LPA_AGENT_ISDR_AID: the ISD-R AID "A000" is not an AID: 5 to 16 bytes'],
    ['isdrAid', 'XYZXYZXYZXYZ', 'LPA_AGENT_ISDR_AID: the ISD-R AID "XYZXYZXYZXYZ" is not an AID'],
    ['smds', 'ftp://smds.example', 'LPA_AGENT_SMDS: invalid SM-DS address "ftp://smds.example"'],
    ['smds', 'smds.example/x', 'LPA_AGENT_SMDS: invalid SM-DS address'],
  ] as const)('env %s=%j', (key, value, message) => {
    const e = fails(() => load({ env: { [envName(key)]: value } }));
    expect(e.message.startsWith(message)).toBe(true);
    expect(e.message).not.toContain('secret@');
  });

  it.each([
    [{ baud: '115200x' }, 'key "baud": "115200x" is not a baud rate'],
    [{ baud: 1.5 }, 'key "baud": "1.5" is not a baud rate'],
    [{ enable: 'true' }, 'key "enable": "true" is not a boolean'],
    [{ fleet: 7 }, 'key "fleet": must be a string, got "7"'],
    [{ fleet: '  ' }, 'key "fleet": must not be empty'],
    [{ ca: [1] }, 'key "ca": must be a string, got "1"'],
    [{ ca: { a: 1 } }, 'key "ca": must be a list of strings'],
    [{ timeout: true }, 'key "timeout": "true" is not a duration'],
    [{ timeout: -5 }, 'key "timeout": "-5" is not a duration'],
    [{ device: null }, 'key "device": must be a string, got "null"'],
    [{ cloud: 'backend' }, 'key "cloud": cloud "backend" needs backendUrl'],
  ])('file %j', (obj, message) => {
    const path = writeConfig(obj);
    const e = fails(() => load({ configPath: path }));
    expect(e.message).toContain(`config file ${path}: ${message}`);
  });

  it('bad flag values name the flag and are usage errors (exit 2), not configuration errors', () => {
    const usage = (fn: () => unknown): LpaError => {
      try {
        fn();
      } catch (e) {
        expect(isLpaError(e, 'USAGE')).toBe(true);
        return e as LpaError;
      }
      throw new Error('expected USAGE');
    };
    expect(usage(() => load({ options: { timeout: '5 minutes' } })).message).toMatch(/^--timeout: "5 minutes" is not a duration/);
    expect(usage(() => load({ options: { 'backend-url': 'https://x.example/' } })).message).toMatch(/^--backend-url: .* must contain \{eid\}/);
    expect(usage(() => load({ options: { 'connect-to': ['foo'] } })).message).toMatch(/^--connect-to: "foo" is not HOST:PORT:HOST2:PORT2/);
  });
});

describe('loadProvisionConfig: secrets', () => {
  it.each(['authToken', 'TWILIO_AUTH_TOKEN', 'clientSecret', 'apiSecret', 'token', 'password', 'accountSid'])('refuses %s in the config file, without echoing it', (key) => {
    const path = writeConfig({ [key]: 'hunter2-very-secret' });
    const e = fails(() => load({ configPath: path }));
    expect(e.message).toContain(`key "${key}" is not allowed here: secrets are read only from the environment`);
    expect(JSON.stringify(e.toJSON())).not.toContain('hunter2');
  });

  it('refuses secret flags and LPA_AGENT_ secret variables', () => {
    expect(fails(() => load({ options: { 'auth-token': 'hunter2' } })).message).toMatch(/^--auth-token is not allowed: secrets are read only/);
    const e = fails(() => load({ env: { LPA_AGENT_AUTH_TOKEN: 'hunter2' } }));
    expect(e.message).toMatch(/^LPA_AGENT_AUTH_TOKEN is not read: secrets are read only from the environment \(TWILIO_ACCOUNT_SID/);
    expect(JSON.stringify(e.toJSON())).not.toContain('hunter2');
  });

  it('the credentials file must be owner-only (0600), not 0644', () => {
    const open = writeConfig('TWILIO_ACCOUNT_SID=AC0\n', 'creds.env', 0o644);
    const e = fails(() => load({ options: { 'credentials-file': open } }));
    expect(e.message).toBe(`credentials file ${open} is accessible by group or others (mode 644); run: chmod 600 ${open}`);
    const shut = writeConfig('TWILIO_ACCOUNT_SID=AC0\n', 'creds2.env', 0o600);
    expect(load({ options: { 'credentials-file': shut } }).credentialsFile).toBe(shut);
    const token = writeConfig('tok', 'token', 0o640);
    expect(fails(() => load({ env: { LPA_AGENT_BACKEND_TOKEN_FILE: token } })).message).toContain('backend token file');
    expect(fails(() => load({ options: { 'credentials-file': join(dir, 'none') } })).message).toContain('cannot be read (ENOENT)');
    mkdirSync(join(dir, 'adir'), { mode: 0o700 });
    expect(fails(() => load({ options: { 'credentials-file': join(dir, 'adir') } })).message).toContain('is not a regular file');
  });

  it('loadCredentials reads KEY=VALUE or JSON; the environment wins per variable', () => {
    const sid = `AC${'a'.repeat(32)}`;
    const kv = writeConfig(`# Super SIM\nexport TWILIO_ACCOUNT_SID=${sid}\nTWILIO_AUTH_TOKEN="file-token"\n\n`, 'c.env', 0o600);
    expect(loadCredentials({ credentialsFile: kv, env: {} })).toEqual({ TWILIO_ACCOUNT_SID: sid, TWILIO_AUTH_TOKEN: 'file-token' });
    expect(loadCredentials({ credentialsFile: kv, env: { TWILIO_AUTH_TOKEN: 'env-token', PATH: '/bin' } })).toEqual({ TWILIO_ACCOUNT_SID: sid, TWILIO_AUTH_TOKEN: 'env-token' });
    const js = writeConfig({ KORE_CLIENT_ID: 'id', KORE_CLIENT_SECRET: 's' }, 'c.json', 0o600);
    expect(loadCredentials({ credentialsFile: js, env: {} })).toEqual({ KORE_CLIENT_ID: 'id', KORE_CLIENT_SECRET: 's' });
    expect(loadCredentials({ env: { KORE_CLIENT_ID: 'x' } })).toEqual({ KORE_CLIENT_ID: 'x' });
  });

  it('loadCredentials: bad files are CONFIG_INVALID and never show a value', () => {
    const cases: [string, RegExp][] = [
      ['TWILIO_AUTH_TOKN=hunter2\n', /key "TWILIO_AUTH_TOKN" \(line 1\) is unknown \(did you mean "TWILIO_AUTH_TOKEN"\?\)/],
      ['just hunter2\n', /line 1 is not KEY=VALUE/],
      ['{"TWILIO_AUTH_TOKEN": 5}', /key TWILIO_AUTH_TOKEN must be a non-empty single-line string/],
      ['{"TWILIO_AUTH_TOKEN": "hunter2",}', /invalid JSON at line 1 column 33/],
      ['TWILIO_AUTH_TOKEN=hunter2\nTWILIO_AUTH_TOKEN=hunter3\n', /appears twice/],
    ];
    cases.forEach(([text, re], i) => {
      const p = writeConfig(text, `bad${i}`, 0o600);
      const e = fails(() => loadCredentials({ credentialsFile: p, env: {} }));
      expect(e.message).toMatch(re);
      expect(JSON.stringify(e.toJSON())).not.toContain('hunter2');
    });
    const open = writeConfig('TWILIO_AUTH_TOKEN=x', 'open', 0o604);
    expect(fails(() => loadCredentials({ credentialsFile: open, env: {} })).message).toContain('chmod 600');
  });
});

describe('loadProvisionConfig: hostile files', () => {
  it('rejects a file over 64 KiB before parsing it', () => {
    const path = writeConfig(`{"fleet": "${'x'.repeat(70_000)}"}`);
    expect(fails(() => load({ configPath: path })).message).toMatch(/is \d+ bytes, larger than 65536$/);
  });

  it.each([
    ['', 'invalid JSON at line 1 column 1: unexpected end of input, expected a value'],
    ['{"fleet": "a",}', 'invalid JSON at line 1 column 15: unexpected "}", expected a double-quoted key'],
    ['{\n  "fleet": x\n}', 'invalid JSON at line 2 column 12: unexpected "x", expected a value'],
    ['{"fleet": "a"} trailing', 'invalid JSON at line 1 column 16: unexpected "t" after the end of the JSON value'],
    ['{"fleet": "a", "fleet": "b"}', 'invalid JSON at line 1 column 16: key "fleet" appears twice'],
    ['[' .repeat(5000), 'invalid JSON at line 1 column 33: nested deeper than 32 levels'],
    ['[1, 2]', 'must hold one JSON object'],
    ['"text"', 'must hold one JSON object'],
    ['{"fleet": "\\q"}', 'invalid JSON at line 1 column 12: bad escape in string'],
  ])('malformed file #%#', (text, message) => {
    const path = writeConfig(text);
    expect(fails(() => load({ configPath: path })).message).toBe(`config file ${path}: ${message}`);
  });

  it('rejects bytes that are not UTF-8, and a directory', () => {
    const path = join(dir, 'bin.json');
    writeFileSync(path, Buffer.from([0x7b, 0xff, 0xfe, 0x7d]));
    expect(fails(() => load({ configPath: path })).message).toBe(`config file ${path}: is not UTF-8 text`);
    expect(fails(() => load({ configPath: dir })).message).toBe(`config file ${dir}: is not a regular file`);
  });

  it('reads a BOM, "$comment" keys and a "__proto__" key safely', () => {
    const path = writeConfig('\ufeff{"$comment": "factory line 3", "fleet": "f"}');
    expect(load({ configPath: path }).fleet).toBe('f');
    expect(fails(() => load({ configPath: writeConfig('{"__proto__": {"enable": false}}') })).message).toContain('key "__proto__" is unknown');
    expect(({} as Record<string, unknown>).enable).toBeUndefined();
  });

  it('strict JSON reader agrees with JSON.parse on valid JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue({ maxDepth: 6 }), (v) => {
        const text = JSON.stringify(v);
        expect(JSON.stringify(parseJsonStrict(text, 'x'))).toBe(JSON.stringify(JSON.parse(text)));
      }),
      { numRuns: 300 },
    );
  });

  it('any JSON text or garbage gives a config or CONFIG_INVALID, never another throw', () => {
    const path = '/etc/lpa-agent/config.json';
    const keyed = fc.dictionary(fc.constantFrom(...CONFIG_KEYS, 'fleeet', 'authToken', '$c'), fc.jsonValue({ maxDepth: 3 }), { maxKeys: 6 });
    const texts = fc.oneof(
      fc.json({ maxDepth: 4 }),
      keyed.map((o) => JSON.stringify(o)),
      fc.string({ maxLength: 200 }),
      fc.uint8Array({ maxLength: 200 }),
    );
    fc.assert(
      fc.property(texts, (content) => {
        try {
          const c = loadProvisionConfig({ options: {}, env: {}, defaultConfigPath: path, fs: memFs(path, content), cwd: '/' });
          return typeof c.baud === 'number' && typeof c.enable === 'boolean';
        } catch (e) {
          if (!isLpaError(e, 'CONFIG_INVALID')) throw e;
          return true;
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('any environment values give a config or CONFIG_INVALID', () => {
    const env = fc.dictionary(fc.constantFrom(...CONFIG_KEYS.map(envName), 'LPA_AGENT_X', 'LPA_AGENT_TOKEN'), fc.string({ maxLength: 40 }), { maxKeys: 5 });
    fc.assert(
      fc.property(env, (e) => {
        try {
          loadProvisionConfig({ options: {}, env: e, defaultConfigPath: null, cwd: '/', fs: memFs('/none', '') });
          return true;
        } catch (err) {
          return isLpaError(err, 'CONFIG_INVALID');
        }
      }),
      { numRuns: 1000 },
    );
  });
});

describe('key kinds for new keys', () => {
  it("'int' keys take whole numbers within their bounds; a flag is a usage error, a variable a configuration error", async () => {
    const { coerce } = await import('../../src/agent/configValues.js');
    const env = { from: 'env' as const, name: 'LPA_AGENT_X', where: 'LPA_AGENT_X', base: '/' };
    const flag = { from: 'flag' as const, name: '--x', where: '--x', base: '/' };
    expect(coerce('int', ' 255 ', env, { min: 1, max: 255 })).toBe(255);
    expect(coerce('int', 64, { ...env, from: 'file' }, { min: 1, max: 255 })).toBe(64);
    expect(() => coerce('int', '256', env, { min: 1, max: 255 })).toThrow(/^LPA_AGENT_X: "256" is not a whole number from 1 to 255$/);
    try {
      coerce('int', '1.5', flag, { min: 1, max: 255 });
      throw new Error('accepted');
    } catch (e) {
      expect(isLpaError(e, 'USAGE')).toBe(true);
    }
  });
});
