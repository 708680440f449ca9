/**
 * The two error bodies the Super SIM API returns: the legacy `{code, message, more_info, status}`
 * and RFC 9457 problem details `{type, title, status, code, detail?, instance?}`.
 */

export interface CloudProblem {
  /** API error code, e.g. 20404 (legacy `code`, or the problem's `code`). */
  apiCode?: number;
  message?: string;
  moreInfo?: string;
  type?: string;
  title?: string;
  detail?: string;
  instance?: string;
  status?: number;
  shape: 'legacy' | 'rfc9457' | 'unknown';
}

const str = (v: unknown): string | undefined => (typeof v === 'string' && v.length > 0 ? v.slice(0, 500) : undefined);
const num = (v: unknown): number | undefined => {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v === 'string' && /^\d{1,9}$/.test(v)) return Number(v);
  return undefined;
};

/** Reads whatever error body came back; never throws. */
export function parseProblem(body: string): CloudProblem {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { shape: 'unknown' };
  }
  if (json === null || typeof json !== 'object' || Array.isArray(json)) return { shape: 'unknown' };
  const o = json as Record<string, unknown>;
  const rfc = str(o.type) !== undefined || str(o.title) !== undefined;
  const p: CloudProblem = { shape: rfc ? 'rfc9457' : str(o.message) !== undefined ? 'legacy' : 'unknown' };
  const set = <K extends keyof CloudProblem>(k: K, v: CloudProblem[K] | undefined): void => {
    if (v !== undefined) p[k] = v;
  };
  set('apiCode', num(o.code));
  set('message', str(o.message));
  set('moreInfo', str(o.more_info));
  set('type', str(o.type));
  set('title', str(o.title));
  set('detail', str(o.detail));
  set('instance', str(o.instance));
  set('status', num(o.status));
  return p;
}

/** One line for humans: "code 20404: The requested resource was not found". */
export function describeProblem(p: CloudProblem): string {
  const text = p.detail ?? p.message ?? p.title;
  const parts: string[] = [];
  if (p.apiCode !== undefined) parts.push(`code ${p.apiCode}`);
  if (text) parts.push(text);
  return parts.join(': ');
}

export function problemDetails(p: CloudProblem): Record<string, unknown> {
  const d: Record<string, unknown> = {};
  if (p.apiCode !== undefined) d.apiCode = p.apiCode;
  if (p.message) d.apiMessage = p.message;
  if (p.moreInfo) d.moreInfo = p.moreInfo;
  if (p.type) d.problemType = p.type;
  if (p.title) d.problemTitle = p.title;
  if (p.detail) d.problemDetail = p.detail;
  if (p.instance) d.problemInstance = p.instance;
  return d;
}
