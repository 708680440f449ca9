/**
 * State of the Super SIM double: ESimProfiles, Sims and Fleets, and their JSON as the API returns it.
 */
import { randomBytes, randomInt } from 'node:crypto';

export type ProfileStatus = 'new' | 'reserving' | 'available' | 'downloaded' | 'installed' | 'failed';

export interface ProfileRec {
  sid: string;
  eid: string | null;
  status: ProfileStatus;
  iccid: string | null;
  simSid: string | null;
  smdpAddress: string | null;
  matchingId: string | null;
  activationCode: string | null;
  errorCode: string | null;
  errorMessage: string | null;
  generateMatchingId: boolean;
  created: Date;
  updated: Date;
  callbackUrl: string | null;
  callbackMethod: 'GET' | 'POST';
  /** Which credentials created it: decides the callback signature scheme. */
  signer: 'twilio' | 'kore';
}

export interface SimRec {
  sid: string;
  uniqueName: string | null;
  iccid: string;
  status: 'new' | 'ready' | 'active' | 'inactive' | 'scheduled';
  fleetSid: string | null;
  created: Date;
  updated: Date;
}

export interface FleetRec {
  sid: string;
  uniqueName: string | null;
  networkAccessProfileSid: string;
  dataEnabled: boolean;
  dataLimit: number;
  created: Date;
  updated: Date;
}

export function newSid(prefix: string): string {
  return prefix + randomBytes(16).toString('hex');
}

export function iso(d: Date): string {
  return d.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** A 20-digit ICCID (89 + Luhn check digit) in the Super SIM range style. */
export function newIccid(): string {
  let body = '8988307';
  while (body.length < 19) body += String(randomInt(10));
  let sum = 0;
  for (let i = 0; i < body.length; i++) {
    let d = Number(body[body.length - 1 - i]);
    if (i % 2 === 0) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return body + String((10 - (sum % 10)) % 10);
}

export function newMatchingId(): string {
  const alphabet = 'ABCDEFGHJKLMNPQRSTUVWXYZ0123456789';
  const group = (): string => Array.from({ length: 5 }, () => alphabet[randomInt(alphabet.length)]).join('');
  return [group(), group(), group(), group(), group()].join('-');
}

export class CloudStore {
  readonly profiles = new Map<string, ProfileRec>();
  readonly sims = new Map<string, SimRec>();
  readonly fleets = new Map<string, FleetRec>();

  constructor(
    readonly accountSid: string,
    private readonly base: () => string,
  ) {}

  addFleet(uniqueName: string | null, nap?: string): FleetRec {
    const now = new Date();
    const f: FleetRec = {
      sid: newSid('HF'),
      uniqueName,
      networkAccessProfileSid: nap && /^HA[0-9a-f]{32}$/i.test(nap) ? nap : newSid('HA'),
      dataEnabled: true,
      dataLimit: 1000,
      created: now,
      updated: now,
    };
    this.fleets.set(f.sid, f);
    return f;
  }

  findFleet(sidOrName: string): FleetRec | undefined {
    return this.fleets.get(sidOrName) ?? [...this.fleets.values()].find((f) => f.uniqueName === sidOrName);
  }

  addSim(iccid: string): SimRec {
    const now = new Date();
    const s: SimRec = { sid: newSid('HS'), uniqueName: null, iccid, status: 'new', fleetSid: null, created: now, updated: now };
    this.sims.set(s.sid, s);
    return s;
  }

  profileJson(p: ProfileRec): Record<string, unknown> {
    return {
      sid: p.sid,
      account_sid: this.accountSid,
      iccid: p.iccid,
      sim_sid: p.simSid,
      status: p.status,
      eid: p.eid,
      smdp_plus_address: p.smdpAddress,
      matching_id: p.matchingId,
      activation_code: p.activationCode,
      error_code: p.errorCode,
      error_message: p.errorMessage,
      date_created: iso(p.created),
      date_updated: iso(p.updated),
      url: `${this.base()}/v1/ESimProfiles/${p.sid}`,
    };
  }

  simJson(s: SimRec): Record<string, unknown> {
    const url = `${this.base()}/v1/Sims/${s.sid}`;
    return {
      sid: s.sid,
      unique_name: s.uniqueName,
      account_sid: this.accountSid,
      iccid: s.iccid,
      status: s.status,
      fleet_sid: s.fleetSid,
      date_created: iso(s.created),
      date_updated: iso(s.updated),
      url,
      links: { billing_periods: `${url}/BillingPeriods`, sim_ip_addresses: `${url}/IpAddresses` },
    };
  }

  fleetJson(f: FleetRec): Record<string, unknown> {
    return {
      account_sid: this.accountSid,
      sid: f.sid,
      unique_name: f.uniqueName,
      date_created: iso(f.created),
      date_updated: iso(f.updated),
      url: `${this.base()}/v1/Fleets/${f.sid}`,
      data_enabled: f.dataEnabled,
      data_limit: f.dataLimit,
      data_metering: 'payg',
      sms_commands_enabled: true,
      sms_commands_url: null,
      sms_commands_method: 'POST',
      network_access_profile_sid: f.networkAccessProfileSid,
      ip_commands_url: null,
      ip_commands_method: 'POST',
    };
  }
}
