/**
 * ES11 authenticateClient on the ES9+ client: the SM-DS's event records over real TLS on
 * 127.0.0.1, on the ES9+ path real SM-DSs answer, and eventEntriesField on hand-made answers.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { LpaError } from '../../src/errors.js';
import { eventEntriesField, MAX_EVENT_ENTRIES } from '../../src/es9p/body.js';
import { Es9Client } from '../../src/es9p/client.js';
import { createTrustStore } from '../../src/es9p/tls.js';
import { SMDP_HOST, TEST_CI_PEM, connectToFor, sendJson, startServer, type TestServer } from './helpers/server.js';

const OK = { functionExecutionStatus: { status: 'Executed-Success' } };
const TX = '0123456789ABCDEF0123456789ABCDEF';

describe('eventEntriesField', () => {
  it('reads the records; absent, null or empty means no event', () => {
    expect(eventEntriesField({ eventEntries: [{ eventId: 'EV-1', rspServerAddress: 'smdp.example.com' }] }, 'f')).toEqual({
      entries: [{ eventId: 'EV-1', rspServerAddress: 'smdp.example.com' }],
      problems: [],
    });
    for (const body of [{}, { eventEntries: null }, { eventEntries: [] }]) expect(eventEntriesField(body, 'f')).toEqual({ entries: [], problems: [] });
  });

  it('a bad record is left out and described; the others are kept', () => {
    const r = eventEntriesField(
      {
        eventEntries: [
          { eventId: 'EV-1', rspServerAddress: 'a.example:8443' },
          { eventId: '', rspServerAddress: 'b.example' },
          { eventId: 'EV-3', rspServerAddress: 'https://c.example/x' },
          'garbage',
          { eventId: 'EV-5', rspServerAddress: 'e.example' },
        ],
      },
      'authenticateClient',
    );
    expect(r.entries.map((e) => e.eventId)).toEqual(['EV-1', 'EV-5']);
    expect(r.problems).toHaveLength(3);
    expect(r.problems[1]).toBe('event EV-3: rspServerAddress is missing or not a host name');
  });

  it('not an array is ES9_BAD_RESPONSE; more than the limit is cut with a note', () => {
    expect(() => eventEntriesField({ eventEntries: { eventId: 'x' } }, 'authenticateClient')).toThrow(LpaError);
    const many = Array.from({ length: MAX_EVENT_ENTRIES + 3 }, (_, i) => ({ eventId: `E${i}`, rspServerAddress: 'a.example' }));
    const r = eventEntriesField({ eventEntries: many }, 'f');
    expect(r.entries).toHaveLength(MAX_EVENT_ENTRIES);
    expect(r.problems).toEqual([`3 more event entries were not read (at most ${MAX_EVENT_ENTRIES})`]);
  });
});

describe('Es9Client.authenticateClientEs11 over TLS', () => {
  let server: TestServer | undefined;
  let client: Es9Client | undefined;
  afterEach(async () => {
    await client?.close();
    await server?.close();
  });

  it('posts to the ES9+ authenticateClient path and returns the events', async () => {
    server = await startServer((req, res) =>
      sendJson(res, { header: OK, transactionId: TX, eventEntries: [{ eventId: 'EV-7', rspServerAddress: 'smdp.example.com' }] }),
    );
    client = new Es9Client({ smdpAddress: SMDP_HOST, trust: createTrustStore({ caFiles: [TEST_CI_PEM], system: false }), connectTo: [connectToFor(server.port)] });
    const r = await client.authenticateClientEs11({ transactionId: TX, authenticateServerResponse: Uint8Array.of(0xbf, 0x38, 0x00) });
    expect(r.eventEntries).toEqual([{ eventId: 'EV-7', rspServerAddress: 'smdp.example.com' }]);
    expect(r.transactionId).toBe(TX);
    expect(server.requests[0]!.url).toBe('/gsma/rsp2/es9plus/authenticateClient');
    expect(JSON.parse(server.requests[0]!.body)).toEqual({ transactionId: TX, authenticateServerResponse: 'vzgA' });
  });

  it('an ES11 failure status is ES9_FAILED with its subject and reason codes', async () => {
    server = await startServer((req, res) =>
      sendJson(res, { header: { functionExecutionStatus: { status: 'Failed', statusCodeData: { subjectCode: '8.1.3', reasonCode: '6.1', message: 'bad cert' } } } }),
    );
    client = new Es9Client({ smdpAddress: SMDP_HOST, trust: createTrustStore({ caFiles: [TEST_CI_PEM], system: false }), connectTo: [connectToFor(server.port)] });
    const e = await client.authenticateClientEs11({ transactionId: TX, authenticateServerResponse: Uint8Array.of(0xbf, 0x38, 0x00) }).catch((x: unknown) => x as LpaError);
    expect(e).toBeInstanceOf(LpaError);
    expect(e).toMatchObject({ code: 'ES9_FAILED', details: { subjectCode: '8.1.3', reasonCode: '6.1', function: 'authenticateClient' } });
  });
});
