/**
 * Fuzz: Super SIM API JSON (src/cloud/parse.ts) and error bodies (src/cloud/problem.ts).
 *
 * - parseESimProfile / parseSim / parseFleet / parseListPage on any JSON value, on objects whose
 *   known fields hold arbitrary JSON, and on text-mutated real-shaped answers: the only failure
 *   is CLOUD_BAD_RESPONSE; an accepted object has every known field null or of its type, and
 *   keeps unknown fields as they were;
 * - parseProblem on any text: never throws, strings capped at 500 characters, numbers finite;
 *   describeProblem / problemDetails never throw.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseESimProfile, parseFleet, parseListPage, parseSim } from '../../src/cloud/parse.js';
import { describeProblem, parseProblem, problemDetails } from '../../src/cloud/problem.js';
import { LpaError } from '../../src/errors.js';
import { mutateText, onlyTyped, textMutations } from './helpers.js';

const PROFILE = {
  sid: 'HP0123456789abcdef0123456789abcdef',
  account_sid: 'AC0123456789abcdef0123456789abcdef',
  iccid: '8944500102198304826',
  sim_sid: null,
  status: 'available',
  eid: '89049032123451234512345678901235',
  smdp_plus_address: 'rsp.example.com',
  matching_id: 'ABC-123',
  activation_code: 'LPA:1$rsp.example.com$ABC-123',
  error_code: null,
  error_message: null,
  date_created: '2025-01-01T00:00:00Z',
  date_updated: '2025-01-01T00:00:00Z',
  url: 'https://supersim.twilio.com/v1/ESimProfiles/HP0123456789abcdef0123456789abcdef',
};
const LIST = { esim_profiles: [PROFILE, PROFILE], meta: { page: 0, page_size: 50, first_page_url: 'https://x/v1?Page=0', next_page_url: null, key: 'esim_profiles' } };
const FLEET = { sid: 'HF0123', unique_name: 'f', data_enabled: true, data_limit: 1000, data_metering: 'payg', url: 'https://x' };

const KNOWN_STRING = ['sid', 'account_sid', 'iccid', 'sim_sid', 'status', 'eid', 'smdp_plus_address', 'matching_id', 'activation_code', 'error_code', 'error_message', 'date_created', 'date_updated', 'url'];

const PARSERS: [string, (j: unknown) => unknown][] = [
  ['profile', parseESimProfile],
  ['sim', parseSim],
  ['fleet', parseFleet],
  ['list', (j) => parseListPage(j, 'esim_profiles', parseESimProfile)],
];

function check(name: string, json: unknown): void {
  const r = onlyTyped(() => PARSERS.find(([n]) => n === name)![1](json), ['CLOUD_BAD_RESPONSE'], json);
  if (r instanceof LpaError || name !== 'profile') return;
  const p = r as Record<string, unknown>;
  for (const k of KNOWN_STRING) expect(p[k] === null || typeof p[k] === 'string').toBe(true);
  for (const [k, v] of Object.entries(json as Record<string, unknown>)) if (!KNOWN_STRING.includes(k)) expect(p[k]).toEqual(v);
}

describe('Super SIM JSON', () => {
  const anyJson = fc.jsonValue({ maxDepth: 3 });
  const withFields = fc.dictionary(fc.constantFrom(...KNOWN_STRING, 'links', 'data_enabled', 'data_limit', 'meta', 'esim_profiles', '__proto__', 'extra'), anyJson, { maxKeys: 8 });

  it('any JSON value and objects with arbitrary field values: only CLOUD_BAD_RESPONSE', () => {
    fc.assert(
      fc.property(fc.constantFrom(...PARSERS.map(([n]) => n)), fc.oneof(anyJson, withFields), (name, json) => check(name, json)),
      { seed: 0xc10d, numRuns: 5000 },
    );
  });

  it('text mutations of real-shaped answers that still parse as JSON: only CLOUD_BAD_RESPONSE', () => {
    const samples: [string, string][] = [
      ['profile', JSON.stringify(PROFILE)],
      ['list', JSON.stringify(LIST)],
      ['fleet', JSON.stringify(FLEET)],
    ];
    let parsed = 0;
    fc.assert(
      fc.property(fc.constantFrom(...samples), textMutations, ([name, text], muts) => {
        let json: unknown;
        try {
          json = JSON.parse(mutateText(text, muts));
        } catch {
          return; // the HTTP layer turns this into CLOUD_BAD_RESPONSE before parse.ts
        }
        parsed++;
        check(name, json);
      }),
      { seed: 0xc10e, numRuns: 4000 },
    );
    expect(parsed).toBeGreaterThan(500);
  });
});

describe('Super SIM error bodies', () => {
  const problemJson = fc.record(
    {
      code: fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 12 }), fc.jsonValue({ maxDepth: 1 })),
      message: fc.oneof(fc.string({ maxLength: 2000 }), fc.jsonValue({ maxDepth: 1 })),
      more_info: fc.jsonValue({ maxDepth: 1 }),
      status: fc.oneof(fc.integer(), fc.double(), fc.string({ maxLength: 12 })),
      type: fc.oneof(fc.webUrl(), fc.jsonValue({ maxDepth: 1 })),
      title: fc.string({ maxLength: 1000 }),
      detail: fc.jsonValue({ maxDepth: 1 }),
      instance: fc.string({ maxLength: 20 }),
    },
    { requiredKeys: [] },
  );

  it('any body: never throws, capped strings, finite numbers', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ unit: 'binary', maxLength: 200 }), problemJson.map((j) => JSON.stringify(j)), fc.jsonValue().map((j) => JSON.stringify(j) ?? '')), (body) => {
        const p = parseProblem(body);
        expect(['legacy', 'rfc9457', 'unknown']).toContain(p.shape);
        for (const k of ['message', 'moreInfo', 'type', 'title', 'detail', 'instance'] as const) {
          if (p[k] !== undefined) expect(p[k]!.length).toBeLessThanOrEqual(500);
        }
        for (const k of ['apiCode', 'status'] as const) if (p[k] !== undefined) expect(Number.isFinite(p[k])).toBe(true);
        expect(typeof describeProblem(p)).toBe('string');
        expect(typeof problemDetails(p)).toBe('object');
      }),
      { seed: 0xc10f, numRuns: 4000 },
    );
  });
});
