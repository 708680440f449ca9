/**
 * Contract test: every request the client sends and every answer the double returns, checked
 * against the official Super SIM OpenAPI documents (Twilio and KORE) in test/fixtures/supersim/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCallbackListener } from '../../src/cloud/callbacks.js';
import { SuperSimProvider } from '../../src/cloud/reserve.js';
import { SuperSimClient } from '../../src/cloud/supersim.js';
import { startCloudDouble, type CloudDouble } from '../../src/sim/cloud/index.js';
import { EID, EID2, fastTiming, TINY } from './helpers.js';
import { checkErrorBody, checkRequest, checkResponse, checkValue, findOperation, loadDoc, type Exchange } from './openapi.js';

const DOCS = { twilio: loadDoc('twilio_supersim_v1.json'), kore: loadDoc('kore-supersim-v1.json') };
const USED_OPERATIONS = ['CreateEsimProfile', 'ListEsimProfile', 'FetchEsimProfile', 'UpdateSim', 'FetchSim', 'FetchFleet'];

/** Drives every client call the product makes, plus faults and errors, and returns what the double saw. */
async function scenario(vendor: 'twilio' | 'kore'): Promise<Exchange[]> {
  const double: CloudDouble = await startCloudDouble({ reserveDelayMs: 10 });
  const c = double.credentials;
  const client = new SuperSimClient({
    credentials: vendor === 'kore' ? { kind: 'kore', clientId: c.kore.clientId, clientSecret: c.kore.clientSecret } : { kind: 'twilio', accountSid: c.accountSid, authToken: c.authToken },
    baseUrl: double.url,
    tokenUrl: double.tokenUrl,
    timing: fastTiming(),
    backoff: TINY,
  });
  const listener = await startCallbackListener({ verify: { scheme: 'none' } });
  try {
    const timing = fastTiming();
    // full reservation flow, with a 429 burst and a 5xx on the way
    double.faults.rateLimit = 1;
    await new SuperSimProvider(client, { poll: TINY, timing, fleet: 'demo-fleet' }).getAddress(EID);
    double.faults.serverErrors = 1;
    double.faults.serverErrorMethods = ['GET'];
    await new SuperSimProvider(client, { poll: TINY, timing, fleet: 'demo-fleet' }).getAddress(EID); // reuse
    // callbacks, GET method
    await new SuperSimProvider(client, { callbackListener: listener, callbackMethod: 'GET', poll: TINY, timing }).getAddress(EID2, { fleet: 'demo-fleet' });
    // matching-id profile, list filters and paging
    const gen = await client.createESimProfile({ GenerateMatchingId: true });
    await double.completeReservation(gen.sid!);
    await client.fetchESimProfile(gen.sid!);
    await client.listESimProfiles({ Status: 'available', PageSize: 1 });
    const withSim = (await client.listESimProfiles({ Eid: EID }))[0]!;
    await client.listESimProfiles({ SimSid: withSim.sim_sid! });
    // Sims and Fleets
    const fleet = await client.fetchFleet('demo-fleet');
    await client.fetchFleet(fleet.sid!);
    await client.fetchSim(withSim.sim_sid!);
    await client.updateSim(withSim.sim_sid!, { Status: 'inactive', UniqueName: 'device-42', CallbackUrl: listener.url, CallbackMethod: 'POST' });
    // errors in both shapes
    await client.fetchSim(`HS${'0'.repeat(32)}`).catch(() => undefined);
    double.setErrorShape('rfc9457');
    await client.fetchFleet('missing-fleet').catch(() => undefined);
    await client.updateSim(withSim.sim_sid!, { Fleet: 'missing-fleet' }).catch(() => undefined);
    return double.requests.map((r) => ({ ...r }));
  } finally {
    await client.close();
    await listener.close();
    await double.close();
  }
}

describe('the OpenAPI checker itself', () => {
  it('accepts the documents own examples for the operations we use', () => {
    for (const doc of Object.values(DOCS)) {
      for (const [template, item] of Object.entries(doc.paths as Record<string, Record<string, any>>)) {
        for (const [method, op] of Object.entries(item)) {
          if (!USED_OPERATIONS.includes(op?.operationId)) continue;
          for (const [status, resp] of Object.entries(op.responses as Record<string, any>)) {
            const media = resp.content?.['application/json'];
            for (const [name, ex] of Object.entries((media?.examples ?? {}) as Record<string, { value: unknown }>)) {
              expect(checkValue(doc, media.schema, ex.value, `${method} ${template} ${status} ${name}`), `${template} ${name}`).toEqual([]);
            }
          }
        }
      }
    }
  });

  it('catches wrong enum values, missing fields, undocumented parameters and bad error bodies', () => {
    const doc = DOCS.twilio;
    const op = findOperation(doc, 'GET', '/v1/ESimProfiles/HP1')!;
    const schema = op.op.responses['200'].content['application/json'].schema;
    const found = checkValue(doc, schema, { sid: 'HP1', status: 'ready' }, '$', { allPropertiesPresent: true }).join('\n');
    expect(found).toContain('$.sid: "HP1" does not match');
    expect(found).toContain('$.status: "ready" not in enum');
    expect(found).toContain('$.eid: missing');
    const bad: Exchange = { method: 'POST', path: '/v1/ESimProfiles', query: [], form: [['eid', '1'], ['CallbackMethod', 'PUT'], ['GenerateMatchingId', 'yes']], contentType: 'application/x-www-form-urlencoded', auth: 'basic-account', status: 201, body: null };
    const reqErrors = checkRequest(doc, bad).join('\n');
    expect(reqErrors).toContain('form parameter eid not documented');
    expect(reqErrors).toContain('CallbackMethod: "PUT" not in enum');
    expect(reqErrors).toContain('"yes" is not true/false');
    expect(checkRequest(doc, { ...bad, method: 'DELETE', form: [] })[0]).toMatch(/no such operation/);
    expect(checkRequest(doc, { ...bad, form: [], auth: 'bearer' })[0]).toMatch(/document wants basic/);
    expect(checkErrorBody({ code: 20404, message: 'x', status: 404 }, 404)).toEqual(['legacy more_info missing']);
  });
});

for (const vendor of ['twilio', 'kore'] as const) {
  describe(`contract with the ${vendor} document`, () => {
    let exchanges: Exchange[] = [];
    beforeAll(async () => {
      exchanges = await scenario(vendor);
    });
    afterAll(() => {
      exchanges = [];
    });

    it('exercises every operation the client uses, plus faults and both error shapes', () => {
      const ops = new Set(exchanges.map((x) => findOperation(DOCS[vendor], x.method, x.path)?.op.operationId));
      for (const id of USED_OPERATIONS) expect(ops, id).toContain(id);
      const statuses = new Set(exchanges.map((x) => x.status));
      for (const s of [200, 201, 400, 404, 429, 500]) expect(statuses, String(s)).toContain(s);
      expect(exchanges.some((x) => x.status >= 400 && (x.body as Record<string, unknown>).type)).toBe(true);
      expect(exchanges.some((x) => x.status >= 400 && (x.body as Record<string, unknown>).more_info)).toBe(true);
    });

    it('every request the client sent is documented (path, method, parameter names, values, auth)', () => {
      const errors = exchanges.flatMap((x) => checkRequest(DOCS[vendor], x));
      expect(errors).toEqual([]);
    });

    it('every answer the double returned matches the documented schema and status codes', () => {
      const errors = exchanges.flatMap((x) => checkResponse(DOCS[vendor], x));
      expect(errors).toEqual([]);
    });
  });
}
