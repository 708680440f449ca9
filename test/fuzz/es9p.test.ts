/**
 * Fuzz: ES9+ JSON handling (src/es9p/body.ts, status.ts, and the answer checks client.ts runs).
 *
 * - the captured session's three answers (test/fixtures/vectors/es9p-download-session.json),
 *   mutated as text: the client's answer pipeline (parseJsonObject -> checkExecutionStatus ->
 *   transactionIdField -> base64Field of every binary field) fails only with ES9_BAD_RESPONSE,
 *   ES9_FAILED or PROFILE_ALREADY_DOWNLOADED; when it passes, every binary field is the exact
 *   base64 decoding of what was sent;
 * - arbitrary JSON values and header shapes: same codes, messages bounded whatever the server
 *   puts in statusCodeData;
 * - summarizeBody on hostile error pages: never throws, bounded output (the quadratic-time
 *   regression it found lives in regressions.test.ts);
 * - a few dozen mutated answers through the real Es9Client over TLS on 127.0.0.1;
 * - ES11 event records (eventEntriesField) of any JSON shape: ES9_BAD_RESPONSE only, bounded lists,
 *   every record kept is two bounded strings.
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LpaError, type ErrorCode } from '../../src/errors.js';
import { base64Field, eventEntriesField, MAX_EVENT_ENTRIES, parseJsonObject, summarizeBody, transactionIdField } from '../../src/es9p/body.js';
import { Es9Client } from '../../src/es9p/client.js';
import { checkExecutionStatus } from '../../src/es9p/status.js';
import { createTrustStore } from '../../src/es9p/tls.js';
import { SMDP_HOST, TEST_CI_PEM, connectToFor, startServer, type TestServer } from '../es9p/helpers/server.js';
import { expectSaneMessage, mutateText, onlyTyped, onlyTypedAsync, sessionVector, textMutations } from './helpers.js';

const CODES: ErrorCode[] = ['ES9_BAD_RESPONSE', 'ES9_FAILED', 'PROFILE_ALREADY_DOWNLOADED'];

/** Binary fields of each answer, as the client reads them. */
const FIELDS: Record<string, string[]> = {
  initiateAuthentication: ['serverSigned1', 'serverSignature1', 'euiccCiPKIdToBeUsed', 'serverCertificate'],
  authenticateClient: ['profileMetadata', 'smdpSigned2', 'smdpSignature2', 'smdpCertificate'],
  getBoundProfilePackage: ['boundProfilePackage'],
};
const TX = '576DB55F33E54E99AF3A62C9829BBE77';

/** What Es9Client does with a 200 answer body of `fn` (client.ts), minus the network. */
function readAnswer(fn: string, raw: Buffer): Record<string, Uint8Array | string> {
  const body = parseJsonObject(raw, fn, 200);
  checkExecutionStatus(body, fn);
  const out: Record<string, Uint8Array | string> = {
    transactionId: transactionIdField(body, fn, fn === 'initiateAuthentication' ? undefined : TX),
  };
  for (const f of FIELDS[fn]!) out[f] = base64Field(body, f, fn);
  return out;
}

const answers = sessionVector().json.es9p.map((e) => ({ fn: e.function, text: JSON.stringify(e.response) }));
// the BPP answer is 17 KB of base64: mutate the two small answers more often
const pick = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(answers[0]!, answers[1]!) }, { weight: 1, arbitrary: fc.constant(answers[2]!) });

describe('ES9+ answers: mutated captured session', () => {
  it('the captured answers pass the pipeline as they are', () => {
    for (const a of answers) expect(() => readAnswer(a.fn, Buffer.from(a.text))).not.toThrow();
  });

  it('text mutations of the JSON: typed errors only; accepted fields are the exact base64 decoding', () => {
    fc.assert(
      fc.property(pick, textMutations, ({ fn, text }, muts) => {
        const mutated = mutateText(text, muts);
        const r = onlyTyped(() => readAnswer(fn, Buffer.from(mutated, 'utf8')), CODES, { fn, mutated: mutated.slice(0, 200) });
        expectSaneMessage(r);
        if (r instanceof LpaError) return;
        const body = JSON.parse(mutated) as Record<string, unknown>;
        for (const f of FIELDS[fn]!) expect(Buffer.from(r[f] as Uint8Array).equals(Buffer.from(String(body[f]), 'base64'))).toBe(true);
      }),
      { seed: 0xe59, numRuns: 3000 },
    );
  });

  it('raw byte noise (invalid UTF-8, truncation) in the body: typed errors only', () => {
    fc.assert(
      fc.property(pick, fc.nat(), fc.uint8Array({ minLength: 1, maxLength: 8 }), ({ fn, text }, at, noise) => {
        const raw = Buffer.from(text);
        const p = at % raw.length;
        onlyTyped(() => readAnswer(fn, Buffer.concat([raw.subarray(0, p), noise, raw.subarray(p + noise.length)])), CODES);
        onlyTyped(() => readAnswer(fn, raw.subarray(0, p)), CODES);
      }),
      { seed: 0xe5a, numRuns: 2000 },
    );
  });
});

describe('ES9+ answers: arbitrary JSON and header shapes', () => {
  const statusCodeData = fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.record(
      {
        subjectCode: fc.oneof(fc.constantFrom('8.2', '8.1.1', '8.10.1'), fc.jsonValue({ maxDepth: 1 }), fc.string({ unit: 'binary', maxLength: 2000 })),
        reasonCode: fc.oneof(fc.constantFrom('3.7', '3.8', '3.9'), fc.jsonValue({ maxDepth: 1 })),
        subjectIdentifier: fc.jsonValue({ maxDepth: 1 }),
        message: fc.oneof(fc.string({ unit: 'binary', maxLength: 5000 }), fc.jsonValue({ maxDepth: 1 })),
      },
      { requiredKeys: [] },
    ),
  );
  const header = fc.record(
    {
      functionExecutionStatus: fc.oneof(
        fc.jsonValue({ maxDepth: 2 }),
        fc.record(
          { status: fc.oneof(fc.constantFrom('Executed-Success', 'Executed-WithWarning', 'Failed', 'Expired'), fc.jsonValue({ maxDepth: 1 })), statusCodeData },
          { requiredKeys: [] },
        ),
      ),
    },
    { requiredKeys: [] },
  );
  const answer = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }),
    fc.record(
      {
        header: fc.oneof(header, fc.jsonValue({ maxDepth: 1 })),
        transactionId: fc.oneof(fc.constant(TX), fc.jsonValue({ maxDepth: 1 }), fc.stringMatching(/^[0-9A-Fa-f]{0,40}$/)),
        boundProfilePackage: fc.oneof(fc.base64String({ maxLength: 64 }), fc.jsonValue({ maxDepth: 1 })),
      },
      { requiredKeys: [] },
    ),
  );

  it('JSON answers of any shape: typed errors only, bounded messages', () => {
    fc.assert(
      fc.property(answer, (json) => {
        const r = onlyTyped(() => readAnswer('getBoundProfilePackage', Buffer.from(JSON.stringify(json) ?? 'null')), CODES, json);
        expectSaneMessage(r, 1000);
      }),
      { seed: 0xe5b, numRuns: 4000 },
    );
  });

  it('base64Field accepts base64 with or without padding and returns its decoding', () => {
    fc.assert(
      fc.property(fc.oneof(fc.base64String({ maxLength: 40 }), fc.string({ maxLength: 40 }), fc.jsonValue({ maxDepth: 1 })), (v) => {
        const r = onlyTyped(() => base64Field({ x: v }, 'x', 'fn'), ['ES9_BAD_RESPONSE'], v);
        if (r instanceof LpaError) return;
        expect(typeof v).toBe('string');
        expect((v as string).length % 4).not.toBe(1);
        expect(Buffer.from(r).equals(Buffer.from(v as string, 'base64'))).toBe(true);
        // the same bytes whether the padding is there or not
        const unpadded = (v as string).replace(/=+$/, '');
        expect(Buffer.from(base64Field({ x: unpadded }, 'x', 'fn')).equals(Buffer.from(r))).toBe(true);
      }),
      { seed: 0xe5c, numRuns: 3000 },
    );
  });
});

describe('ES9+ error pages: summarizeBody', () => {
  const html = fc.array(
    fc.oneof(
      fc.constantFrom('<', '>', '<title>', '</title>', '<h1 class=x>', '</h1>', '<script>', '</script>', '<style', '&amp;', '&lt;', '&nbsp;', '<!--', '\u0000', '\n'),
      fc.string({ maxLength: 10 }),
    ),
    { maxLength: 60 },
  );

  it('never throws, one bounded line', () => {
    fc.assert(
      fc.property(html, fc.integer({ min: 1, max: 200 }), (parts, max) => {
        const s = summarizeBody(parts.join(''), max);
        expect(s.length).toBeGreaterThan(0);
        expect(s.length).toBeLessThanOrEqual(Math.max(max + 3, '(empty body)'.length));
        expect(s).not.toMatch(/[\u0000-\u001f\u007f]/);
      }),
      { seed: 0xe5d, numRuns: 3000 },
    );
  });
});

describe('ES9+ client over real TLS: mutated answers', () => {
  const trust = createTrustStore({ caFiles: [TEST_CI_PEM], system: false });
  let server: TestServer;
  let next = '';
  let client: Es9Client;

  beforeAll(async () => {
    server = await startServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'application/json' });
      res.end(next);
    });
    client = new Es9Client({ smdpAddress: SMDP_HOST, trust, connectTo: [connectToFor(server.port)], retryDelayMs: 1, maxRetries: 0 });
  });
  afterAll(async () => {
    await client.close();
    await server.close();
  });

  it('every mutated answer resolves or fails with a typed ES9+ error, over one TLS connection', async () => {
    const init = answers[0]!.text;
    await fc.assert(
      fc.asyncProperty(textMutations, async (muts) => {
        next = mutateText(init, muts);
        await onlyTypedAsync(() => client.initiateAuthentication({ euiccChallenge: new Uint8Array(16), euiccInfo1: Uint8Array.of(0xbf, 0x20, 0x00) }), CODES, next);
      }),
      { seed: 0xe5e, numRuns: 150 },
    );
    expect(server.connections).toBe(1);
  });
});

describe('ES11 eventEntries of any shape', () => {
  it('ES9_BAD_RESPONSE or bounded, well-formed records', () => {
    const record = fc.oneof(
      fc.record({ eventId: fc.string({ maxLength: 300 }), rspServerAddress: fc.string({ maxLength: 320 }) }),
      fc.record({ eventId: fc.anything(), rspServerAddress: fc.anything() }, { requiredKeys: [] }),
      fc.anything(),
    );
    fc.assert(
      fc.property(fc.oneof(fc.array(record, { maxLength: 20 }), fc.anything()), (entries) => {
        const r = onlyTyped(() => eventEntriesField({ eventEntries: entries }, 'authenticateClient'), ['ES9_BAD_RESPONSE'], entries);
        expectSaneMessage(r);
        if (r instanceof LpaError) return;
        expect(r.entries.length).toBeLessThanOrEqual(MAX_EVENT_ENTRIES);
        for (const e of r.entries) {
          expect(e.eventId.length).toBeLessThanOrEqual(255);
          expect(e.rspServerAddress.length).toBeLessThanOrEqual(300);
        }
        for (const p of r.problems) expect(p.length).toBeLessThanOrEqual(400);
      }),
      { seed: 0xe511, numRuns: 2000 },
    );
  });
});
