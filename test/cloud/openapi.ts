/**
 * A small checker for the subset of OpenAPI 3 / JSON Schema the Super SIM documents use:
 * $ref, type, nullable, enum, pattern, min/maxLength, minimum/maximum, format, properties,
 * required, items. Used by the contract test; no dependencies.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/* eslint-disable @typescript-eslint/no-explicit-any */
export type Doc = any;
type Schema = Record<string, any>;

export function loadDoc(file: string): Doc {
  const path = fileURLToPath(new URL(`../fixtures/supersim/${file}`, import.meta.url));
  return JSON.parse(readFileSync(path, 'utf8'));
}

function deref(doc: Doc, s: Schema): Schema {
  let cur = s;
  for (let i = 0; cur && typeof cur.$ref === 'string' && i < 10; i++) {
    const parts = (cur.$ref as string).replace(/^#\//, '').split('/');
    cur = parts.reduce((o: any, k) => o?.[k], doc);
    if (!cur) throw new Error(`unresolved $ref ${s.$ref}`);
  }
  return cur;
}

/** Properties whose documented `format: uri` the API itself does not follow (bare host names). */
const URI_FORMAT_EXCEPTIONS = new Set(['smdp_plus_address']);

export interface CheckOptions {
  /** Every declared property must be present (the API always returns them all, null or not). */
  allPropertiesPresent?: boolean;
  /** Values come from a form or query: strings that must parse as the declared type. */
  formEncoded?: boolean;
}

export function checkValue(doc: Doc, schema: Schema, value: unknown, at: string, opts: CheckOptions = {}, name = ''): string[] {
  const s = deref(doc, schema);
  const errs: string[] = [];
  if (value === null) return s.nullable ? [] : [`${at}: null but not nullable`];
  let v: unknown = value;
  if (opts.formEncoded && typeof value === 'string') {
    if (s.type === 'boolean') {
      if (value !== 'true' && value !== 'false') return [`${at}: "${value}" is not true/false`];
      v = value === 'true';
    } else if (s.type === 'integer') {
      if (!/^-?\d+$/.test(value)) return [`${at}: "${value}" is not an integer`];
      v = Number(value);
    }
  }
  switch (s.type) {
    case 'object':
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return [`${at}: expected object`];
      for (const r of (s.required as string[] | undefined) ?? []) if (!(r in (v as object))) errs.push(`${at}.${r}: required`);
      for (const [k, ps] of Object.entries((s.properties as Record<string, Schema> | undefined) ?? {})) {
        const pv = (v as Record<string, unknown>)[k];
        if (pv === undefined) {
          if (opts.allPropertiesPresent && s.format !== 'uri-map') errs.push(`${at}.${k}: missing`);
          continue;
        }
        errs.push(...checkValue(doc, ps, pv, `${at}.${k}`, opts, k));
      }
      return errs;
    case 'array':
      if (!Array.isArray(v)) return [`${at}: expected array`];
      v.forEach((item, i) => errs.push(...checkValue(doc, s.items ?? {}, item, `${at}[${i}]`, opts)));
      return errs;
    case 'string':
      if (typeof v !== 'string') return [`${at}: expected string, got ${typeof v}`];
      break;
    case 'integer':
      if (typeof v !== 'number' || !Number.isInteger(v)) return [`${at}: expected integer`];
      break;
    case 'number':
      if (typeof v !== 'number') return [`${at}: expected number`];
      break;
    case 'boolean':
      if (typeof v !== 'boolean') return [`${at}: expected boolean`];
      break;
    case undefined:
      break;
    default:
      return [`${at}: schema type ${s.type} not supported by this checker`];
  }
  if (Array.isArray(s.enum) && !s.enum.includes(v)) errs.push(`${at}: ${JSON.stringify(v)} not in enum ${JSON.stringify(s.enum)}`);
  if (typeof v === 'string') {
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern).test(v)) errs.push(`${at}: "${v}" does not match ${s.pattern}`);
    if (typeof s.minLength === 'number' && v.length < s.minLength) errs.push(`${at}: shorter than ${s.minLength}`);
    if (typeof s.maxLength === 'number' && v.length > s.maxLength) errs.push(`${at}: longer than ${s.maxLength}`);
    if (s.format === 'date-time' && !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(v)) errs.push(`${at}: not a date-time`);
    if (s.format === 'uri' && !URI_FORMAT_EXCEPTIONS.has(name) && !URL.canParse(v)) errs.push(`${at}: not a URI`);
    if (s.format === 'http-method' && !['GET', 'POST'].includes(v)) errs.push(`${at}: not an HTTP method`);
  }
  if (typeof v === 'number') {
    if (typeof s.minimum === 'number' && v < s.minimum) errs.push(`${at}: below ${s.minimum}`);
    if (typeof s.maximum === 'number' && v > s.maximum) errs.push(`${at}: above ${s.maximum}`);
  }
  return errs;
}

export interface Operation {
  template: string;
  method: string;
  op: Schema;
  pathParams: Record<string, string>;
}

/** The documented operation for a concrete method and path, or undefined. */
export function findOperation(doc: Doc, method: string, path: string): Operation | undefined {
  for (const [template, item] of Object.entries(doc.paths as Record<string, Schema>)) {
    const names: string[] = [];
    const re = new RegExp(`^${template.replace(/\{(\w+)\}/g, (_m, n: string) => (names.push(n), '([^/]+)'))}$`);
    const m = re.exec(path);
    if (!m) continue;
    const op = item[method.toLowerCase()];
    if (!op) continue;
    const pathParams: Record<string, string> = {};
    names.forEach((n, i) => (pathParams[n] = decodeURIComponent(m[i + 1]!)));
    return { template, method, op, pathParams };
  }
  return undefined;
}

export interface Exchange {
  method: string;
  path: string;
  query: [string, string][];
  form: [string, string][];
  contentType?: string;
  auth: string;
  status: number;
  body: unknown;
}

/** Checks what the client sent: documented path, method, query and form parameters, values, security. */
export function checkRequest(doc: Doc, x: Exchange): string[] {
  const where = `${x.method} ${x.path}`;
  const found = findOperation(doc, x.method, x.path);
  if (!found) return [`${where}: no such operation in the document`];
  const errs: string[] = [];
  const params = ((found.op.parameters ?? []) as Schema[]).map((p) => deref(doc, p));
  for (const name of Object.keys(found.pathParams)) {
    const p = params.find((q) => q.in === 'path' && q.name === name);
    if (!p) errs.push(`${where}: path parameter ${name} not documented`);
  }
  for (const [name, value] of x.query) {
    const p = params.find((q) => q.in === 'query' && q.name === name);
    if (!p) errs.push(`${where}: query parameter ${name} not documented`);
    else errs.push(...checkValue(doc, p.schema, value, `${where}?${name}`, { formEncoded: true }));
  }
  if (x.method === 'POST') {
    const body = found.op.requestBody?.content?.['application/x-www-form-urlencoded']?.schema;
    if (!body) errs.push(`${where}: no form body documented`);
    else {
      if (!x.contentType?.startsWith('application/x-www-form-urlencoded')) errs.push(`${where}: content-type ${x.contentType}`);
      const props = deref(doc, body).properties as Record<string, Schema>;
      const names = x.form.map(([n]) => n);
      for (const r of (deref(doc, body).required as string[] | undefined) ?? []) if (!names.includes(r)) errs.push(`${where}: ${r} required`);
      for (const [name, value] of x.form) {
        if (!props[name]) errs.push(`${where}: form parameter ${name} not documented`);
        else errs.push(...checkValue(doc, props[name], value, `${where} ${name}`, { formEncoded: true }));
      }
      if (new Set(names).size !== names.length) errs.push(`${where}: repeated form parameter`);
    }
  }
  const schemes = ((found.op.security ?? doc.security ?? []) as Schema[]).flatMap((s) => Object.keys(s));
  const kinds = schemes.map((n) => doc.components.securitySchemes[n]).map((s: Schema) => (s.type === 'oauth2' ? 'bearer' : s.scheme === 'basic' ? 'basic' : '?'));
  if (!kinds.some((k: string) => x.auth.startsWith(k))) errs.push(`${where}: auth ${x.auth}, document wants ${kinds.join('/')}`);
  return errs;
}

/** Checks what the server answered: documented status and body schema; errors in one of the two error shapes. */
export function checkResponse(doc: Doc, x: Exchange): string[] {
  const where = `${x.method} ${x.path} -> ${x.status}`;
  if (x.status >= 400) return checkErrorBody(x.body, x.status).map((e) => `${where}: ${e}`);
  const found = findOperation(doc, x.method, x.path);
  if (!found) return [`${where}: no such operation`];
  const resp = found.op.responses?.[String(x.status)];
  if (!resp) return [`${where}: status not documented (${Object.keys(found.op.responses).join(', ')})`];
  const schema = resp.content?.['application/json']?.schema;
  if (!schema) return x.body === null ? [] : [`${where}: body not documented`];
  return checkValue(doc, schema, x.body, where, { allPropertiesPresent: true });
}

/** Legacy {code, message, more_info, status} or RFC 9457 {type, title, status, code, detail?, instance?}. */
export function checkErrorBody(body: unknown, status: number): string[] {
  if (body === null || typeof body !== 'object') return ['error body is not an object'];
  const b = body as Record<string, unknown>;
  const errs: string[] = [];
  if ('type' in b || 'title' in b) {
    if (typeof b.type !== 'string') errs.push('problem type missing');
    if (typeof b.title !== 'string') errs.push('problem title missing');
    if (b.detail !== undefined && typeof b.detail !== 'string') errs.push('problem detail not a string');
    if (b.instance !== undefined && typeof b.instance !== 'string') errs.push('problem instance not a string');
  } else {
    if (typeof b.message !== 'string') errs.push('legacy message missing');
    if (typeof b.more_info !== 'string') errs.push('legacy more_info missing');
  }
  if (typeof b.code !== 'number') errs.push('code not a number');
  if (b.status !== status) errs.push(`status field ${String(b.status)} differs from HTTP ${status}`);
  return errs;
}
