/**
 * Fuzz: the agent configuration (src/agent/config.ts and its strict JSON / duration / credentials
 * readers), complementing test/agent/config.test.ts (random whole files and environments).
 *
 * - a complete, valid config file mutated as text: a config or CONFIG_INVALID, never another
 *   throw; accepted values have their types;
 * - flags of every type (strings, booleans, string arrays, the wrong one of each) together
 *   with file and environment values: USAGE (a bad flag) or CONFIG_INVALID only;
 * - parseJsonStrict on deeply nested / unterminated input: CONFIG_INVALID, no stack overflow;
 * - parseDuration(formatDuration(ms)) = ms for any whole number of milliseconds;
 * - credentials files (KEY=value lines or JSON) with arbitrary content: CONFIG_INVALID only, and
 *   no error message quotes a value.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CONFIG_KEYS, flagName, envName, formatDuration, loadProvisionConfig, parseDuration, type ConfigFs } from '../../src/agent/config.js';
import { parseJsonStrict } from '../../src/agent/configJson.js';
import { readCredentialsFile } from '../../src/agent/credentials.js';
import { LpaError } from '../../src/errors.js';
import { mutateText, onlyTyped, textMutations } from './helpers.js';

function memFs(files: Record<string, string>, mode = 0o100600): ConfigFs {
  const enoent = () => Object.assign(new Error('ENOENT'), { code: 'ENOENT' });
  return {
    statSync(p: string) {
      if (!(p in files)) throw enoent();
      return { size: Buffer.byteLength(files[p]!), mode, isFile: () => true };
    },
    readFileSync(p: string) {
      if (!(p in files)) throw enoent();
      return new TextEncoder().encode(files[p]!);
    },
  };
}

const PATH = '/etc/lpa-agent/config.json';
const VALID = JSON.stringify(
  {
    $comment: 'factory line 3',
    device: '/dev/ttyUSB2',
    modem: 'quectel',
    baud: 115200,
    cloud: 'twilio',
    fleet: 'HF00000000000000000000000000000000',
    enable: true,
    journal: '/var/lib/lpa-agent/{eid}.json',
    timeout: '15m',
    ca: ['/etc/lpa-agent/ci.pem'],
    connectTo: ['rsp.example.com:443:127.0.0.1:8443'],
    trace: '/tmp/trace.log',
  },
  null,
  2,
);

describe('agent config: mutated config files', () => {
  it('a valid file mutated as text: a typed config or CONFIG_INVALID', () => {
    expect(loadProvisionConfig({ options: {}, env: {}, defaultConfigPath: PATH, fs: memFs({ [PATH]: VALID }), cwd: '/' }).modem).toBe('quectel');
    fc.assert(
      fc.property(textMutations, (muts) => {
        const text = mutateText(VALID, muts);
        const r = onlyTyped(() => loadProvisionConfig({ options: {}, env: {}, defaultConfigPath: PATH, fs: memFs({ [PATH]: text }), cwd: '/' }), ['CONFIG_INVALID'], text);
        if (r instanceof LpaError) return;
        expect(Number.isInteger(r.baud)).toBe(true);
        expect(typeof r.enable).toBe('boolean');
        expect(Number.isSafeInteger(r.timeoutMs)).toBe(true);
        expect(r.ca.every((c) => typeof c === 'string')).toBe(true);
        expect(r.connectTo.every((c) => typeof c === 'string')).toBe(true);
      }),
      { seed: 0xcf1, numRuns: 3000 },
    );
  });

  it('flags of any type with file and environment values: USAGE (a bad flag) or CONFIG_INVALID only', () => {
    const flagValue = fc.oneof(fc.string({ maxLength: 20 }), fc.boolean(), fc.array(fc.string({ maxLength: 20 }), { maxLength: 3 }), fc.constantFrom('0', '300', '4000001', '1h30m', 'virtual', 'backend', 'http://x/{eid}'));
    const options = fc.dictionary(fc.constantFrom(...CONFIG_KEYS.map(flagName), 'config', 'auth-token'), flagValue, { maxKeys: 6 });
    const env = fc.dictionary(fc.constantFrom(...CONFIG_KEYS.map(envName)), fc.string({ maxLength: 20 }), { maxKeys: 4 });
    fc.assert(
      fc.property(options, env, fc.boolean(), (opts, e, withFile) => {
        const o = withFile ? Object.fromEntries(Object.entries(opts).filter(([k]) => k !== 'config')) : opts;
        onlyTyped(
          () => loadProvisionConfig({ options: o, env: e, defaultConfigPath: withFile ? PATH : null, fs: memFs({ [PATH]: VALID }), cwd: '/' }),
          ['CONFIG_INVALID', 'USAGE'],
          { o, e },
        );
      }),
      { seed: 0xcf2, numRuns: 3000 },
    );
  });
});

describe('agent config: readers', () => {
  it('parseJsonStrict: deep nesting and unterminated input give CONFIG_INVALID, not a stack overflow', () => {
    fc.assert(
      fc.property(fc.constantFrom('[', '{"a":', '["', '[1,', '{"'), fc.integer({ min: 1, max: 100_000 }), (open, n) => {
        onlyTyped(() => parseJsonStrict(open.repeat(n), 'x'), ['CONFIG_INVALID'], { open, n });
      }),
      { seed: 0xcf3, numRuns: 300 },
    );
  });

  it('formatDuration / parseDuration round trip', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 40 }), (ms) => {
        expect(parseDuration(formatDuration(ms))).toBe(ms);
      }),
      { seed: 0xcf4, numRuns: 3000 },
    );
  });

  it('credentials files with arbitrary content: CONFIG_INVALID only, values never quoted', () => {
    const SECRET = 'S3cr3t-value-xyz';
    const line = fc.oneof(
      fc.constantFrom(`TWILIO_ACCOUNT_SID=${SECRET}`, `export TWILIO_AUTH_TOKEN="${SECRET}"`, `KORE_CLIENT_SECRET=${SECRET}`, '# comment', '', `TWILIO_AUTH_TOKN=${SECRET}`),
      fc.string({ maxLength: 30 }).map((s) => `TWILIO_AUTH_TOKEN=${SECRET}${s}`),
      fc.string({ maxLength: 30 }),
    );
    const file = fc.oneof(fc.array(line, { maxLength: 6 }).map((ls) => ls.join('\n')), fc.jsonValue({ maxDepth: 2 }).map((j) => JSON.stringify(j)));
    fc.assert(
      fc.property(file, (text) => {
        const r = onlyTyped(() => readCredentialsFile('/etc/lpa-agent/credentials', memFs({ '/etc/lpa-agent/credentials': text })), ['CONFIG_INVALID'], text);
        if (r instanceof LpaError) expect(r.message).not.toContain(SECRET);
      }),
      { seed: 0xcf5, numRuns: 3000 },
    );
  });
});
