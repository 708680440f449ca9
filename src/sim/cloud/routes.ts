/**
 * The Super SIM endpoints of the double: ESimProfiles (create, fetch, list), Sims (fetch, update)
 * and Fleets (create, fetch), with the official paths, form parameters, status codes and paging.
 */
import type { CloudCore } from './core.js';
import type { ProfileRec, ProfileStatus } from './store.js';

export interface Reply {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}

export interface Incoming {
  method: string;
  url: URL;
  form: URLSearchParams;
  contentType: string;
  signer: 'twilio' | 'kore';
}

const PROFILE_STATUSES: ProfileStatus[] = ['new', 'reserving', 'available', 'downloaded', 'installed', 'failed'];
const SIM_UPDATE_STATUSES = ['ready', 'active', 'inactive'] as const;

export function apiError(core: CloudCore, status: number, code: number, message: string, instance?: string): Reply {
  const more = `https://www.twilio.com/docs/errors/${code}`;
  if (core.errorShape === 'rfc9457') {
    const title = status === 404 ? 'Not Found' : status === 401 ? 'Unauthorized' : status === 429 ? 'Too Many Requests' : status >= 500 ? 'Server Error' : 'Bad Request';
    const body: Record<string, unknown> = { type: more, title, status, code, detail: message };
    if (instance) body.instance = instance;
    return { status, body, headers: { 'content-type': 'application/problem+json' } };
  }
  return { status, body: { code, message, more_info: more, status } };
}

const badParam = (core: CloudCore, message: string): Reply => apiError(core, 400, 20001, message);
const notFound = (core: CloudCore, path: string): Reply =>
  apiError(core, 404, 20404, `The requested resource ${path} was not found`, path);

export function route(core: CloudCore, req: Incoming): Reply {
  const path = req.url.pathname.replace(/\/+$/, '');
  const seg = path.split('/').filter(Boolean).map(decodeURIComponent);
  if (seg[0] !== 'v1' || seg.length < 2 || seg.length > 3) return notFound(core, path);
  const [, collection, id] = seg;
  const method = req.method;
  const wrongMethod = (): Reply => apiError(core, 405, 20004, `Method ${method} not allowed on ${path}`, path);
  if (method === 'POST' && !req.contentType.startsWith('application/x-www-form-urlencoded') && req.form.toString() !== '') {
    return apiError(core, 415, 20415, 'Requests must be application/x-www-form-urlencoded');
  }
  switch (collection) {
    case 'ESimProfiles':
      if (id === undefined) return method === 'POST' ? createProfile(core, req) : method === 'GET' ? listProfiles(core, req) : wrongMethod();
      if (method !== 'GET') return wrongMethod();
      return profileOr404(core, id, path);
    case 'Sims':
      if (id === undefined) return notFound(core, path);
      if (method === 'GET') {
        const sim = core.store.sims.get(id);
        return sim ? { status: 200, body: core.store.simJson(sim) } : notFound(core, path);
      }
      return method === 'POST' ? updateSim(core, id, req, path) : wrongMethod();
    case 'Fleets':
      if (id === undefined) return method === 'POST' ? createFleet(core, req) : wrongMethod();
      if (method !== 'GET') return wrongMethod();
      {
        const fleet = core.store.findFleet(id);
        return fleet ? { status: 200, body: core.store.fleetJson(fleet) } : notFound(core, path);
      }
    default:
      return notFound(core, path);
  }
}

function profileOr404(core: CloudCore, sid: string, path: string): Reply {
  const p = core.store.profiles.get(sid);
  return p ? { status: 200, body: core.store.profileJson(p) } : notFound(core, path);
}

function bool(v: string | null): boolean | undefined | 'bad' {
  if (v === null) return undefined;
  if (v === 'true') return true;
  if (v === 'false') return false;
  return 'bad';
}

function method(v: string | null): 'GET' | 'POST' | undefined | 'bad' {
  if (v === null) return undefined;
  const m = v.toUpperCase();
  return m === 'GET' || m === 'POST' ? m : 'bad';
}

function createProfile(core: CloudCore, req: Incoming): Reply {
  const f = req.form;
  const eid = f.get('Eid');
  const gen = bool(f.get('GenerateMatchingId'));
  const cbMethod = method(f.get('CallbackMethod'));
  const cbUrl = f.get('CallbackUrl');
  if (gen === 'bad') return badParam(core, 'GenerateMatchingId must be true or false');
  if (cbMethod === 'bad') return badParam(core, 'CallbackMethod must be GET or POST');
  if (eid === null && gen !== true) return badParam(core, 'Eid is required unless GenerateMatchingId is true');
  if (eid !== null && !/^\d{32}$/.test(eid)) return badParam(core, 'Eid must be 32 digits');
  if (cbUrl !== null) {
    try {
      const u = new URL(cbUrl);
      if (u.protocol !== 'http:' && u.protocol !== 'https:') throw new Error('scheme');
    } catch {
      return badParam(core, 'CallbackUrl must be an http(s) URL');
    }
  }
  const rec = core.createProfile({
    eid,
    generateMatchingId: gen === true,
    callbackUrl: cbUrl,
    callbackMethod: cbMethod ?? 'POST',
    signer: req.signer,
  });
  return { status: 201, body: core.store.profileJson(rec) };
}

function listProfiles(core: CloudCore, req: Incoming): Reply {
  const q = req.url.searchParams;
  const eid = q.get('Eid');
  const simSid = q.get('SimSid');
  const status = q.get('Status');
  if (status !== null && !PROFILE_STATUSES.includes(status as ProfileStatus)) {
    return badParam(core, `Status must be one of ${PROFILE_STATUSES.join(', ')}`);
  }
  const size = q.get('PageSize') === null ? 50 : Number(q.get('PageSize'));
  const page = q.get('Page') === null ? 0 : Number(q.get('Page'));
  if (!Number.isInteger(size) || size < 1 || size > 1000) return badParam(core, 'PageSize must be an integer from 1 to 1000');
  if (!Number.isInteger(page) || page < 0) return badParam(core, 'Page must be a non-negative integer');
  const token = q.get('PageToken');
  let offset = page * size;
  if (token !== null) {
    const m = /^PA(\d{1,9})$/.exec(token);
    if (!m) return badParam(core, 'PageToken is not valid');
    offset = Number(m[1]);
  }
  const all = [...core.store.profiles.values()].filter(
    (p: ProfileRec) => (eid === null || p.eid === eid) && (simSid === null || p.simSid === simSid) && (status === null || p.status === status),
  );
  const filters = new URLSearchParams();
  if (eid !== null) filters.set('Eid', eid);
  if (simSid !== null) filters.set('SimSid', simSid);
  if (status !== null) filters.set('Status', status);
  const pageUrl = (p: number, tok?: number): string => {
    const sp = new URLSearchParams(filters);
    sp.set('PageSize', String(size));
    sp.set('Page', String(p));
    if (tok !== undefined) sp.set('PageToken', `PA${tok}`);
    return `${core.baseUrl}/v1/ESimProfiles?${sp.toString()}`;
  };
  const items = all.slice(offset, offset + size);
  return {
    status: 200,
    body: {
      esim_profiles: items.map((p) => core.store.profileJson(p)),
      meta: {
        first_page_url: pageUrl(0),
        key: 'esim_profiles',
        next_page_url: offset + size < all.length ? pageUrl(page + 1, offset + size) : null,
        page,
        page_size: size,
        previous_page_url: offset > 0 ? pageUrl(Math.max(0, page - 1), Math.max(0, offset - size)) : null,
        url: pageUrl(page, token !== null ? offset : undefined),
      },
    },
  };
}

function updateSim(core: CloudCore, sid: string, req: Incoming, path: string): Reply {
  const sim = core.store.sims.get(sid);
  if (!sim) return notFound(core, path);
  const f = req.form;
  const fleetRef = f.get('Fleet');
  const status = f.get('Status');
  const uniqueName = f.get('UniqueName');
  if (method(f.get('CallbackMethod')) === 'bad') return badParam(core, 'CallbackMethod must be GET or POST');
  if (status !== null && !(SIM_UPDATE_STATUSES as readonly string[]).includes(status)) {
    return badParam(core, `Status must be one of ${SIM_UPDATE_STATUSES.join(', ')}`);
  }
  let fleetSid: string | undefined;
  if (fleetRef !== null) {
    const fleet = core.store.findFleet(fleetRef);
    if (!fleet) return badParam(core, `Fleet ${fleetRef} not found`);
    fleetSid = fleet.sid;
  }
  if (status === 'active' && !(fleetSid ?? sim.fleetSid)) {
    return badParam(core, 'A Sim must belong to a Fleet before it can be activated');
  }
  const change: Parameters<CloudCore['updateSim']>[1] = {};
  if (fleetSid !== undefined) change.fleetSid = fleetSid;
  if (status !== null) change.status = status as 'ready' | 'active' | 'inactive';
  if (uniqueName !== null) change.uniqueName = uniqueName;
  const scheduled = core.updateSim(sid, change);
  return { status: scheduled ? 202 : 200, body: core.store.simJson(sim) };
}

function createFleet(core: CloudCore, req: Incoming): Reply {
  const nap = req.form.get('NetworkAccessProfile');
  if (nap === null) return badParam(core, 'NetworkAccessProfile is required');
  const name = req.form.get('UniqueName');
  if (name !== null && core.store.findFleet(name)) return apiError(core, 409, 20409, `Fleet ${name} already exists`);
  const fleet = core.store.addFleet(name, nap);
  return { status: 201, body: core.store.fleetJson(fleet) };
}
