/**
 * Super SIM secrets for `provision`: from the environment (TWILIO_*, KORE_*, as src/cloud/auth.ts
 * reads them) or from the credentials file, which must be readable by its owner only. The file is
 * JSON (`{"TWILIO_ACCOUNT_SID": "AC...", "TWILIO_AUTH_TOKEN": "..."}`) or KEY=VALUE lines (`#`
 * comments, optional `export ` and quotes). The environment wins over the file, per variable.
 * Values never appear in messages.
 */
import * as nodeFs from 'node:fs';
import { LpaError } from '../errors.js';
import type { ConfigFs } from './config.js';
import { parseJsonStrict } from './configJson.js';
import { invalid, suggest } from './configValues.js';

/** The variables a credentials file may set. */
export const CREDENTIAL_VARS = [
  'TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_API_KEY', 'TWILIO_API_SECRET', 'KORE_CLIENT_ID', 'KORE_CLIENT_SECRET',
] as const;
export type CredentialVar = (typeof CREDENTIAL_VARS)[number];

export const MAX_CREDENTIALS_BYTES = 16 * 1024;

/** Refuses a secrets file that is not a regular file or that group or others may read or write. */
export function checkOwnerOnly(path: string, what: string, fs: ConfigFs = nodeFs): void {
  let mode: number;
  try {
    const st = fs.statSync(path);
    if (!st.isFile()) throw invalid(`${what} ${path}`, 'is not a regular file', { path });
    mode = st.mode;
  } catch (e) {
    if (e instanceof LpaError) throw e;
    throw invalid(`${what} ${path}`, `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { path }, e);
  }
  if ((mode & 0o077) !== 0) {
    const octal = (mode & 0o777).toString(8).padStart(3, '0');
    throw new LpaError('CONFIG_INVALID', `${what} ${path} is accessible by group or others (mode ${octal}); run: chmod 600 ${path}`, {
      path,
      mode: octal,
    });
  }
}

function entries(text: string, where: string): [string, unknown, number][] {
  if (text.trimStart().startsWith('{')) {
    const json = parseJsonStrict(text, where);
    if (json === null || typeof json !== 'object' || Array.isArray(json)) throw invalid(where, 'must hold one JSON object');
    return Object.entries(json).map(([k, v]) => [k, v, 0]);
  }
  const out: [string, unknown, number][] = [];
  text.split(/\r?\n/).forEach((line, i) => {
    const l = line.trim();
    if (l === '' || l.startsWith('#')) return;
    const m = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(l);
    if (!m) throw invalid(where, `line ${i + 1} is not KEY=VALUE`, { line: i + 1 });
    let v = m[2]!;
    if (v.length >= 2 && (v[0] === '"' || v[0] === "'") && v.endsWith(v[0])) v = v.slice(1, -1);
    out.push([m[1]!, v, i + 1]);
  });
  return out;
}

/** Reads and checks a credentials file; returns the variables it sets. */
export function readCredentialsFile(path: string, fs: ConfigFs = nodeFs): Partial<Record<CredentialVar, string>> {
  const where = `credentials file ${path}`;
  checkOwnerOnly(path, 'credentials file', fs);
  let bytes: Uint8Array;
  try {
    bytes = fs.readFileSync(path);
  } catch (e) {
    throw invalid(where, `cannot be read (${(e as NodeJS.ErrnoException).code ?? String(e)})`, { path }, e);
  }
  if (bytes.length > MAX_CREDENTIALS_BYTES) throw invalid(where, `is larger than ${MAX_CREDENTIALS_BYTES} bytes`);
  let text: string;
  try {
    text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (e) {
    throw invalid(where, 'is not UTF-8 text', { path }, e);
  }
  const out: Partial<Record<CredentialVar, string>> = {};
  for (const [key, value, line] of entries(text, where)) {
    const at = line ? ` (line ${line})` : '';
    if (!(CREDENTIAL_VARS as readonly string[]).includes(key)) {
      const s = suggest(key, CREDENTIAL_VARS);
      throw invalid(where, `key ${JSON.stringify(key)}${at} is unknown${s ? ` (did you mean ${JSON.stringify(s)}?)` : ''}; allowed: ${CREDENTIAL_VARS.join(', ')}`, { key });
    }
    // the value is a secret: say what is wrong with it, never what it is
    if (typeof value !== 'string' || value.trim() === '' || value.length > 4096 || /[\u0000-\u001f\u007f]/.test(value)) {
      throw invalid(where, `key ${key}${at} must be a non-empty single-line string`, { key });
    }
    if (out[key as CredentialVar] !== undefined) throw invalid(where, `key ${key}${at} appears twice`, { key });
    out[key as CredentialVar] = value.trim();
  }
  return out;
}

/**
 * The Super SIM credential variables for this run: the credentials file (when configured), each
 * variable overridden by a non-empty one in the environment. Pass the result where src/cloud reads
 * its environment (credentialsFromEnv / openProvider).
 */
export function loadCredentials(input: {
  credentialsFile?: string | undefined;
  env: Record<string, string | undefined>;
  fs?: ConfigFs;
}): Record<string, string> {
  const out: Record<string, string> = {};
  if (input.credentialsFile) Object.assign(out, readCredentialsFile(input.credentialsFile, input.fs ?? nodeFs));
  for (const name of CREDENTIAL_VARS) {
    const v = input.env[name]?.trim();
    if (v) out[name] = v;
  }
  return out;
}
