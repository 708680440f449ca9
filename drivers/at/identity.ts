/**
 * What a module says about itself over AT: maker, model, firmware (AT+CGMI/+CGMM/+CGMR), IMEI
 * (AT+CGSN) and its radio access technologies (AT+WS46=?, TS 27.007 7.4). Each field costs one
 * command and is read once, only when asked for; a command the module refuses leaves its field out.
 * Maker, model and firmware a module does not give that way are read from its ATI answer (V.25ter
 * identification: maker, model and `Revision: ...` lines on most modules); the vendor profile fills
 * the radio facts the module does not report.
 */
import type { ModuleInfo, RadioAccess } from '../../src/apdu/channel.js';
import { isLpaError } from '../../src/errors.js';
import { imeiFromModule } from '../../src/ids/imei.js';
import type { AtEngine } from './engine.js';
import { matchPrefix } from './lines.js';
import type { VendorProfile } from './vendors.js';

/** AT+WS46 modes (TS 27.007 7.4) -> technologies; unknown values are ignored. */
const WS46_MODES: Readonly<Record<number, readonly RadioAccess[]>> = {
  12: ['gsm'],
  22: ['utran'],
  25: ['gsm', 'utran', 'eutran'],
  28: ['eutran'],
  29: ['gsm', 'utran'],
  30: ['gsm', 'eutran'],
  31: ['utran', 'eutran'],
  35: ['gsm', 'utran', 'eutran', 'nr'],
  36: ['nr'],
  37: ['eutran', 'nr'],
  38: ['utran', 'eutran', 'nr'],
  39: ['gsm', 'eutran', 'nr'],
  40: ['utran', 'nr'],
  41: ['gsm', 'utran', 'nr'],
  42: ['gsm', 'nr'],
};

const ORDER: readonly RadioAccess[] = ['gsm', 'utran', 'eutran', 'nr'];

/** Technologies named by an `AT+WS46=?` answer such as `+WS46: (12,22,25,28,29,30,31)`; undefined when none. */
export function parseWs46(lines: readonly string[]): RadioAccess[] | undefined {
  const found = new Set<RadioAccess>();
  for (const line of lines) {
    const rest = matchPrefix(line, '+WS46') ?? line;
    for (const m of rest.matchAll(/(\d{1,3})(?:\s*-\s*(\d{1,3}))?/g)) {
      const from = Number(m[1]);
      const to = m[2] === undefined ? from : Math.min(Number(m[2]), from + 64);
      for (let v = from; v <= to; v++) for (const r of WS46_MODES[v] ?? []) found.add(r);
    }
  }
  return found.size > 0 ? ORDER.filter((r) => found.has(r)) : undefined;
}

/** Maker, model and firmware from an ATI answer (`Quectel` / `EG25` / `Revision: EG25GGBR07A08M2G`). */
export function parseAti(lines: readonly string[]): Pick<ModuleInfo, 'manufacturer' | 'model' | 'firmware'> {
  const out: Pick<ModuleInfo, 'manufacturer' | 'model' | 'firmware'> = {};
  const plain: string[] = [];
  for (const raw of lines) {
    const l = raw.trim();
    if (l === '' || l === 'ATI') continue;
    const labelled = /^(revision|firmware|rev|model|manufacturer)\s*:\s*(.+)$/i.exec(l);
    const key = labelled?.[1]!.toLowerCase();
    if (key === 'model') out.model ??= labelled![2]!.trim().slice(0, 200);
    else if (key === 'manufacturer') out.manufacturer ??= labelled![2]!.trim().slice(0, 200);
    else if (labelled) out.firmware ??= labelled[2]!.trim().slice(0, 200);
    else if (!/^[A-Za-z ]+:/.test(l)) plain.push(l.slice(0, 200));
  }
  if (plain[0] !== undefined) out.manufacturer ??= plain[0];
  if (plain[1] !== undefined) out.model ??= plain[1];
  return out;
}

/** The text of an identification answer (`+CGMI: Quectel` or a bare line), undefined when empty. */
function text(lines: readonly string[], prefix: string): string | undefined {
  const t = lines
    .map((l) => (matchPrefix(l, prefix) ?? l).replace(/^"(.*)"$/, '$1').trim())
    .filter((l) => l !== '')
    .join(' ');
  return t === '' ? undefined : t.slice(0, 200);
}

export class ModuleIdentity {
  private readonly cache = new Map<keyof ModuleInfo, Promise<unknown>>();

  constructor(
    private readonly engine: AtEngine,
    private readonly vendor: VendorProfile,
  ) {}

  /** The fields asked for (all when `fields` is absent). */
  async read(fields?: readonly (keyof ModuleInfo)[]): Promise<ModuleInfo> {
    const want = fields ?? (['manufacturer', 'model', 'firmware', 'imei', 'radioAccess', 'release'] as const);
    const out: ModuleInfo = {};
    for (const f of want) {
      const v = await this.field(f);
      if (v !== undefined) (out as Record<string, unknown>)[f] = v;
    }
    return out;
  }

  private field(f: keyof ModuleInfo): Promise<unknown> {
    let p = this.cache.get(f);
    if (!p) {
      p = this.fetch(f);
      this.cache.set(f, p);
    }
    return p;
  }

  private async lines(command: string, prefix: string): Promise<string[] | undefined> {
    try {
      return (await this.engine.send(command, { prefix, bare: true, timeoutMs: 5000 })).lines;
    } catch (e) {
      if (isLpaError(e, 'PORT_CLOSED')) throw e;
      return undefined;
    }
  }

  private ati: Promise<ReturnType<typeof parseAti>> | undefined;

  /** The ATI answer, read once, for the fields +CGMI/+CGMM/+CGMR did not give. */
  private fromAti(): Promise<ReturnType<typeof parseAti>> {
    this.ati ??= this.lines('ATI', 'ATI').then((l) => parseAti(l ?? []));
    return this.ati;
  }

  private async fetch(f: keyof ModuleInfo): Promise<unknown> {
    switch (f) {
      case 'manufacturer':
        return text((await this.lines('AT+CGMI', '+CGMI')) ?? [], '+CGMI') ?? (await this.fromAti()).manufacturer;
      case 'model':
        return text((await this.lines('AT+CGMM', '+CGMM')) ?? [], '+CGMM') ?? (await this.fromAti()).model;
      case 'firmware':
        return text((await this.lines('AT+CGMR', '+CGMR')) ?? [], '+CGMR') ?? (await this.fromAti()).firmware;
      case 'imei': {
        const lines = (await this.lines('AT+CGSN', '+CGSN')) ?? [];
        for (const l of lines) {
          const imei = imeiFromModule(l);
          if (imei) return imei;
        }
        return undefined;
      }
      case 'radioAccess': {
        const lines = await this.lines('AT+WS46=?', '+WS46');
        return (lines && parseWs46(lines)) ?? this.vendor.radioAccess?.slice();
      }
      case 'release':
        return this.vendor.radioRelease;
    }
  }
}
