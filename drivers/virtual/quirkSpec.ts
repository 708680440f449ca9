/**
 * `--quirk <name>[=<value>]` for the virtual module: every quirk of the module (quirks.ts) and of
 * the eUICC it hosts (src/sim/euicc/quirks.ts) by a kebab-case name, so `serve-modem` reproduces
 * any of them from the command line. `QUIRK_HELP` is what `serve-modem --help` prints.
 */
import { LpaError } from '../../src/errors.js';
import type { OperatorId } from '../../src/es10/common.js';
import type { ProfilePolicyAuthorisationRule } from '../../src/es10/getRat.js';
import { PPR_BITS } from '../../src/es10/results.js';
import type { EuiccQuirks } from '../../src/sim/euicc/quirks.js';
import { parseSmdpAddress } from '../../src/es9p/address.js';
import { parseAid } from '../../src/ids/aid.js';
import { fromHex } from '../../src/util/hex.js';
import type { CchoShape, Quirks, TestCommandMode } from './quirks.js';

export interface QuirkSet {
  modem: Partial<Quirks>;
  card: Partial<EuiccQuirks>;
}

interface QuirkDef {
  /** Value syntax for the help, '' for a switch. */
  arg: string;
  help: string;
  apply(set: QuirkSet, value: string | undefined, name: string): void;
}

function bad(name: string, value: string | undefined, want: string): LpaError {
  return new LpaError('USAGE', `--quirk ${name}${value === undefined ? '' : `=${value}`}: ${want}`, { quirk: name });
}

function int(name: string, value: string | undefined, min: number, max: number, dflt?: number): number {
  if (value === undefined && dflt !== undefined) return dflt;
  if (value === undefined || !/^\d{1,9}$/.test(value) || Number(value) < min || Number(value) > max) {
    throw bad(name, value, `needs a whole number from ${min} to ${max}`);
  }
  return Number(value);
}

function oneOf<T extends string>(name: string, value: string | undefined, allowed: readonly T[], dflt?: T): T {
  const v = value ?? dflt;
  if (v === undefined || !(allowed as readonly string[]).includes(v)) throw bad(name, value, `needs one of ${allowed.join(', ')}`);
  return v as T;
}

function flag(name: string, value: string | undefined): boolean {
  if (value === undefined || value === '1' || value === 'true' || value === 'on') return true;
  if (value === '0' || value === 'false' || value === 'off') return false;
  throw bad(name, value, 'is a switch (no value, or on/off)');
}

/** `ppr1+ppr2[/consent][@<mccMnc hex>]` rules separated by `;`; the operator defaults to any (EEEEEE). */
export function parseRatSpec(text: string): ProfilePolicyAuthorisationRule[] {
  if (text.trim() === '' || text === 'none') return [];
  return text.split(';').map((ruleText) => {
    const m = /^([a-z0-9+]+)(\/consent)?(?:@([0-9A-Fa-f]{6}))?$/.exec(ruleText.trim());
    if (!m) throw bad('rat', text, 'rules look like ppr1+ppr2[/consent][@<6 hex digits of mccMnc>], separated by ";"');
    const ids = m[1]!.split('+');
    for (const id of ids) if (!(PPR_BITS as readonly string[]).includes(id)) throw bad('rat', text, `"${id}" is not a PPR id (${PPR_BITS.join(', ')})`);
    const op: OperatorId = { mccMnc: fromHex(m[3] ?? 'EEEEEE') };
    return { pprIds: ids as ProfilePolicyAuthorisationRule['pprIds'], allowedOperators: [op], pprFlags: m[2] ? ['consentRequired'] : [] };
  });
}

const shape = (key: 'space' | 'quoted' | 'lowerCase', on: boolean): QuirkDef['apply'] => (set, value, name) => {
  const current = set.modem.cglaShape ?? { space: true, quoted: true, lowerCase: false };
  set.modem.cglaShape = { ...current, [key]: flag(name, value) ? on : !on };
};

/** Every quirk by CLI name. */
export const QUIRKS: Readonly<Record<string, QuirkDef>> = {
  // --- module (AT dialect and behaviour)
  'ccho-shape': {
    arg: 'spec-bare|colon-space|colon-nospace|handle16',
    help: '+CCHO answer shape',
    apply: (s, v, n) => (s.modem.cchoShape = oneOf<CchoShape>(n, v, ['spec-bare', 'colon-space', 'colon-nospace', 'handle16'])),
  },
  'no-space': { arg: '', help: '+CGLA:/+CSIM: answers without the space after the colon', apply: shape('space', false) },
  'unquoted-hex': { arg: '', help: 'APDU hex in answers without quotes', apply: shape('quoted', false) },
  'lower-case-hex': { arg: '', help: 'APDU hex in answers in lower case', apply: shape('lowerCase', true) },
  'force-echo': { arg: '', help: 'echo stays on whatever ATE0 says', apply: (s, v, n) => (s.modem.forceEcho = flag(n, v)) },
  'partial-echo': { arg: '<n>', help: 'a stray partial echo before the next n answers', apply: (s, v, n) => (s.modem.partialEchoNext = int(n, v, 0, 1e6, 1)) },
  'test-commands': {
    arg: 'ok|error|silent',
    help: 'answer of AT+XXX=? probes',
    apply: (s, v, n) => (s.modem.testCommands = oneOf<TestCommandMode>(n, v, ['ok', 'error', 'silent'])),
  },
  'no-cchc': { arg: '', help: 'no AT+CCHC at all (Sierra EM9191)', apply: (s, v, n) => (s.modem.noCchc = flag(n, v)) },
  'cchc-fails-unknown': { arg: '', help: 'AT+CCHC fails for ids never opened (Fibocom FM350)', apply: (s, v, n) => (s.modem.cchcFailsUnknown = flag(n, v)) },
  'csim-only': { arg: '', help: 'only +CSIM: no +CCHO/+CGLA/+CCHC (Dell DW5821e)', apply: (s, v, n) => (s.modem.csimOnly = flag(n, v)) },
  'needs-terminal-capability': {
    arg: '',
    help: 'STORE DATA refused (6985) until TERMINAL CAPABILITY',
    apply: (s, v, n) => (s.modem.needsTerminalCapability = flag(n, v)),
  },
  'command-not-support': { arg: '', help: 'unknown commands end with COMMAND NOT SUPPORT', apply: (s, v, n) => (s.modem.commandNotSupport = flag(n, v)) },
  delay: { arg: '<ms>', help: 'extra delay before every answer', apply: (s, v, n) => (s.modem.delayMs = int(n, v, 0, 600_000)) },
  'line-limit': {
    arg: '<bytes>[:freeze|:ignore]',
    help: '+CSIM APDUs longer than this freeze the module (or get no answer)',
    apply: (s, v, n) => {
      const [bytes, mode] = (v ?? '').split(':');
      s.modem.lineLimit = { maxApduBytes: int(n, bytes, 5, 261), mode: oneOf(n, mode, ['freeze', 'ignore'], 'freeze') };
    },
  },
  'fail-last-store-data': {
    arg: '<n>',
    help: 'the next n last STORE DATA blocks answer plain ERROR (Quectel EC20F)',
    apply: (s, v, n) => (s.modem.failLastStoreDataBlocks = int(n, v, 0, 1e6, 1)),
  },
  'sim-reset-ms': { arg: '<ms>', help: 'length of the SIM reset after a REFRESH or CFUN cycle (default 200)', apply: (s, v, n) => (s.modem.simResetMs = int(n, v, 0, 600_000)) },
  'sim-reset-cme': {
    arg: '13|14',
    help: 'CME error card commands get during a SIM reset (default 14)',
    apply: (s, v, n) => (s.modem.simResetCme = Number(oneOf(n, v, ['13', '14'])) as 13 | 14),
  },
  'slow-sim': {
    arg: '<ms>',
    help: 'after a reset (and at start) the module says the SIM is ready, but the card stays busy (CME 14) this long',
    apply: (s, v, n) => (s.modem.slowSimMs = int(n, v, 0, 600_000)),
  },
  'vanish-on-reset': { arg: '', help: 'the port disappears during a SIM reset (USB re-enumeration)', apply: (s, v, n) => (s.modem.vanishOnReset = flag(n, v)) },
  'fail-next': {
    arg: '<n>[:<cme>|:error]',
    help: 'the next n card commands fail without executing (default CME 14)',
    apply: (s, v, n) => {
      const [count, failure] = (v ?? '1').split(':');
      s.modem.failNext = { count: int(n, count, 1, 1e6), failure: failure === undefined ? 14 : failure === 'error' ? 'error' : int(n, failure, 0, 999) };
    },
  },
  'lose-next': { arg: '<n>', help: 'the next n commands execute but get no answer', apply: (s, v, n) => (s.modem.loseNext = int(n, v, 0, 1e6, 1)) },
  'cmee-default': {
    arg: '0|1|2',
    help: 'AT+CMEE after boot',
    apply: (s, v, n) => (s.modem.cmeeDefault = Number(oneOf(n, v, ['0', '1', '2'])) as 0 | 1 | 2),
  },
  // --- eUICC
  sw91xx: {
    arg: '[refresh|all]',
    help: 'ES10 answers end with 91xx (proactive command pending): after Enable/Disable with REFRESH (default), or always',
    apply: (s, v, n) => (s.card.sw91xx = oneOf<EuiccQuirks['sw91xx']>(n, v, ['off', 'refresh', 'all'], 'refresh')),
  },
  'no-tag-list': { arg: '', help: 'GetProfilesInfo with a tag list is refused (6A80)', apply: (s, v, n) => (s.card.noTagList = flag(n, v)) },
  'malformed-install-result': {
    arg: '[truncated|garbage]',
    help: 'the answer ending the profile load does not decode (the queued notification is fine)',
    apply: (s, v, n) => (s.card.malformedInstallResult = oneOf<EuiccQuirks['malformedInstallResult']>(n, v, ['off', 'truncated', 'garbage'], 'truncated')),
  },
  'malformed-notification': {
    arg: '[<n>]',
    help: 'the next n notifications (default 1) are queued without their signature',
    apply: (s, v, n) => (s.card.malformedNotifications = int(n, v, 0, 1e6, 1)),
  },
  'two-operation-bits': {
    arg: '[<n>]',
    help: 'the next n notifications (default 1) have two operation bits set',
    apply: (s, v, n) => (s.card.twoOperationBits = int(n, v, 0, 1e6, 1)),
  },
  'isdr-aid': {
    arg: '<hex>',
    help: 'the ISD-R answers SELECT to this AID instead of the standard one (a removable eUICC; use --isdr-aid)',
    apply: (s, v, n) => (s.card.isdrAid = Buffer.from(parseAid(v ?? '', `--quirk ${n}`)).toString('hex').toUpperCase()),
  },
  'root-ds': {
    arg: '<address>',
    help: 'root SM-DS address the eUICC reports (GetEuiccConfiguredAddresses), e.g. a local SM-DS',
    apply: (s, v, n) => {
      try {
        s.card.rootDsAddress = parseSmdpAddress(v ?? '').value;
      } catch (e) {
        throw bad(n, v, (e as Error).message);
      }
    },
  },
  'memory-reset-notifies': {
    arg: '',
    help: 'eUICCMemoryReset queues a delete notification for every profile it deletes',
    apply: (s, v, n) => (s.card.memoryResetNotifies = flag(n, v)),
  },
  rat: {
    arg: '<rule>[;<rule>...]',
    help: 'the eUICC rules table, enforced on install: ppr1+ppr2[/consent][@<mccMnc hex>] (default: none allowed)',
    apply: (s, v) => (s.card.rat = parseRatSpec(v ?? '')),
  },
};

/** Normalises a name: camelCase and snake_case are accepted too. */
function normalise(name: string): string {
  return name
    .trim()
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .replace(/_/g, '-')
    .toLowerCase();
}

/** Parses repeated `--quirk` values; USAGE for an unknown name or a bad value. */
export function parseQuirks(specs: readonly string[]): QuirkSet {
  const set: QuirkSet = { modem: {}, card: {} };
  for (const spec of specs) {
    const eq = spec.indexOf('=');
    const rawName = eq < 0 ? spec : spec.slice(0, eq);
    const value = eq < 0 ? undefined : spec.slice(eq + 1);
    const name = normalise(rawName) === 'sw-91xx' ? 'sw91xx' : normalise(rawName);
    const def = Object.hasOwn(QUIRKS, name) ? QUIRKS[name] : undefined;
    if (!def) throw new LpaError('USAGE', `unknown quirk "${rawName}"; known: ${Object.keys(QUIRKS).join(', ')}`, { quirk: rawName });
    def.apply(set, value, name);
  }
  return set;
}

/** The quirk list for `serve-modem --help`. */
export function quirkHelp(): string {
  const rows = Object.entries(QUIRKS).map(([name, d]) => [`${name}${d.arg ? (d.arg.startsWith('[') ? d.arg.replace(/^\[/, '[=') : `=${d.arg}`) : ''}`, d.help] as const);
  const width = 30;
  return rows.map(([n, h]) => (n.length < width ? `  ${n.padEnd(width)}${h}` : `  ${n}\n  ${''.padEnd(width)}${h}`)).join('\n');
}
