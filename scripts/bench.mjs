#!/usr/bin/env node
// `npm run bench`: downloads a TS.48 profile through the virtual module (pty, link model) over its
// AT, QMI and MBIM ports from the local SM-DP+ over TLS (RTT model), several runs per case, and
// prints ONE JSON object: medians per case (counters, wall against the ideal floor, per phase, CPU,
// peak RSS), the bench-rig case (agents in parallel), the large-profile case, start-up times,
// dependency and bundle sizes, and the targets. Writes the per-phase plot (SVG). See docs/bench.md.
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { downloadRun } from './bench/download.mjs';
import { bundleSize, prodDependencyBytes } from './bench/footprint.mjs';
import { writeLargeProfile } from './bench/large.mjs';
import { ROOT, DIST } from './bench/paths.mjs';
import { PHASES } from './bench/phases.mjs';
import { flameSvg, summarize } from './bench/flame.mjs';
import { writePhasePlot } from './bench/plot.mjs';
import { rigRun } from './bench/rig.mjs';
import { median, medians, round } from './bench/stats.mjs';
import { keepCallerEnv, removedEnv, setMeasuredBin } from './bench/proc.mjs';
import { startupTimes } from './bench/startup.mjs';
import { targets } from './bench/targets.mjs';

const { DEFAULT_LINK, parseLinkSpec, formatLinkSpec } = await import(join(DIST, 'drivers', 'virtual', 'link.js'));
const { defaultQuirks } = await import(join(DIST, 'drivers', 'virtual', 'quirks.js'));
const { vendorProfile } = await import(join(DIST, 'drivers', 'virtual', 'vendors.js'));

/** Every case, in the order they run; `--cases` picks some. */
const CASES = ['at', 'at-noenable', 'usb', 'usb-noenable', 'qmi', 'mbim', 'rig', 'large'];
const LARGE_LINK = 'baud=0,latency=0,apdu=0,bpp=0';

const USAGE = `usage: npm run bench -- [options]
  --runs <n>            runs per case (default 5)
  --cases <list>        ${CASES.join(',')} (default all)
  --transports <list>   at,qmi,mbim: the same as --cases with only those download cases
  --link <settings>     link model as serve-modem --link takes it (default: the defaults)
  --baud <bit/s>        UART speed (default 115200; the usb cases use 0 = no serialisation cost)
  --latency <ms>        module latency per AT command (default ${DEFAULT_LINK.latencyMs})
  --apdu <ms>           eUICC time per APDU (default ${DEFAULT_LINK.apduMs})
  --auth <ms> --prepare <ms> --bpp <ms> --install <ms>   eUICC function times
  --rtt <ms>            network round trip to the SM-DP+ (default 50)
  --server-latency <ms> SM-DP+ processing per request (default 0)
  --modem <vendor>      dialect of the virtual module (default generic)
  --profile <id>        TS.48 matching id (default TS48V2-SAIP2-1-BERTLV-UNIQUE)
  --rig <n>             agents in parallel in the rig case (default 8)
  --large <KiB>         profile package size of the large case (default 1024)
  --node-option <flag>  node flag for the measured agent (repeatable), e.g. --max-semi-space-size=1
  --bin <file>          the agent's entry point to measure (default dist/src/cli/bin.cjs), e.g. an
                        unpacked release bundle's lib/lpa-agent.cjs
  --svg <file>          where the per-phase plot goes (default docs/bench-phases.svg; "" = none)
  --keep-env            keep NODE_EXTRA_CA_CERTS for the measured processes (removed by default:
                        lpa-agent does not use it and Node parses it at every start)
  --no-footprint        skip start-up times, dependency and bundle sizes
  --cpu-profile <file>  also profile one AT download with --enable (node --cpu-prof): where its CPU
                        time goes into the JSON, the flame graph into <file> (an SVG), the
                        profile beside it (<file> with .cpuprofile, for Chrome DevTools)`;

function parse(argv) {
  const o = {
    runs: 5,
    cases: [...CASES],
    link: { ...DEFAULT_LINK },
    rttMs: 50,
    serverLatencyMs: 0,
    vendor: 'generic',
    profile: 'TS48V2-SAIP2-1-BERTLV-UNIQUE',
    footprint: true,
    nodeOptions: [],
    rig: 8,
    largeKiB: 1024,
    svg: join(ROOT, 'docs', 'bench-phases.svg'),
  };
  const linkKeys = { baud: 'baud', latency: 'latency', apdu: 'apdu', auth: 'auth', prepare: 'prepare', bpp: 'bpp', install: 'install' };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const name = a.startsWith('--') ? a.slice(2).split('=')[0] : a;
    const inline = a.includes('=') ? a.slice(a.indexOf('=') + 1) : undefined;
    const value = () => {
      const v = inline ?? argv[++i];
      if (v === undefined) fail(`--${name} needs a value`);
      return v;
    };
    const num = () => {
      const v = value();
      if (!/^\d+$/.test(v)) fail(`--${name} must be a whole number, got "${v}"`);
      return Number(v);
    };
    const list = (allowed) => {
      const l = value().split(',').map((t) => t.trim()).filter(Boolean);
      if (l.length === 0 || l.some((t) => !allowed.includes(t))) fail(`--${name} takes ${allowed.join(', ')}, comma-separated`);
      return l;
    };
    if (name === 'help' || a === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else if (name === 'runs') o.runs = Math.max(1, num());
    else if (name === 'cases') o.cases = list(CASES);
    else if (name === 'transports') o.cases = list(['at', 'qmi', 'mbim']);
    else if (name === 'link') o.link = parseLinkSpec(value(), o.link);
    else if (Object.hasOwn(linkKeys, name)) o.link = parseLinkSpec(`${linkKeys[name]}=${num()}`, o.link);
    else if (name === 'rtt') o.rttMs = num();
    else if (name === 'server-latency') o.serverLatencyMs = num();
    else if (name === 'modem') o.vendor = value();
    else if (name === 'profile') o.profile = value();
    else if (name === 'rig') o.rig = Math.max(1, num());
    else if (name === 'large') o.largeKiB = Math.max(16, num());
    else if (name === 'svg') {
      const v = value();
      o.svg = v === '' ? undefined : resolve(v);
    }
    else if (name === 'no-footprint') o.footprint = false;
    else if (name === 'cpu-profile') o.cpuProfile = resolve(value());
    else if (name === 'keep-env') o.keepEnv = true;
    else if (name === 'node-option') o.nodeOptions.push(value());
    else if (name === 'bin') o.bin = resolve(value());
    else fail(`unknown argument "${a}"`);
  }
  return o;
}

function fail(msg) {
  process.stderr.write(`bench: ${msg}\n${USAGE}\n`);
  process.exit(2);
}

const opts = parse(process.argv.slice(2));
if (opts.bin) setMeasuredBin(opts.bin);
keepCallerEnv(opts.keepEnv === true);
opts.simResetMs = { ...defaultQuirks(), ...vendorProfile(opts.vendor).quirks }.simResetMs;
const log = (line) => process.stderr.write(`bench: ${line}\n`);

/** The medians of the runs' memory breakdowns at peak RSS (MiB, one decimal). */
const memoryMedians = (runs) => Object.fromEntries(Object.entries(medians(runs.map((r) => r.peakMemory ?? {}))).map(([k, v]) => [k, round(v, 1)]));

/** Per phase: the median of each field over the runs. */
function phaseMedians(runs) {
  return Object.fromEntries(
    PHASES.map((p) => {
      const m = medians(runs.map((r) => r.phases[p]));
      return [p, { wallMs: round(m.wallMs), floorMs: round(m.floorMs), overMs: round(m.overMs), moduleMs: round(m.moduleMs), networkMs: round(m.networkMs), commands: m.commands, requests: m.requests }];
    }),
  );
}

/** The medians of one case's runs, as the JSON reports them. */
function summary(runs) {
  const m = medians(runs.map(({ phases: _p, ...r }) => r));
  return {
    ...(m.atCommands != null ? { atCommands: m.atCommands } : { messages: m.messages }),
    apdus: m.apdus,
    storeDataBlocks: m.storeDataBlocks,
    bppStoreDataBlocks: m.bppBlocks,
    bppMinStoreDataBlocks: m.bppMinBlocks,
    bppSequences: m.bppSequences,
    bytesToModule: m.bytesToModule,
    bytesFromModule: m.bytesFromModule,
    httpsRequests: m.httpsRequests,
    tlsHandshakes: m.tlsHandshakes,
    smdpRequests: m.smdpRequests,
    smdpTlsConnections: m.smdpTlsConnections,
    wallMs: round(m.wallMs),
    agentWallMs: round(m.agentWallMs),
    idealFloorMs: round(m.idealFloorMs),
    overheadMs: round(m.overheadMs),
    floorMs: round(m.floorMs),
    floor: { moduleMs: round(m.floorModuleMs), networkMs: round(m.floorNetworkMs), idealNetworkMs: round(m.idealNetworkMs), simResetMs: round(m.floorSimResetMs) },
    modemDelayMs: round(m.modemDelayMs),
    firstCommandMs: round(m.firstCommandMs),
    wallOverFloor: round(median(runs.map((r) => r.wallMs / r.floorMs)), 3),
    cpuMs: round(m.cpuMs),
    peakRssMb: round(m.peakRssMb, 1),
    // at the highest RSS sample: V8 heap, Buffers (arrayBuffers), other external memory
    peakMemory: memoryMedians(runs),
    phases: phaseMedians(runs),
  };
}

/** The download cases: name in the JSON, transport, link changes, --enable. */
const DOWNLOADS = {
  at: { key: 'download', transport: 'at', enable: true },
  'at-noenable': { key: 'downloadNoEnable', transport: 'at', enable: false },
  usb: { key: 'downloadUsb', transport: 'at', enable: true, link: 'baud=0' },
  'usb-noenable': { key: 'downloadUsbNoEnable', transport: 'at', enable: false, link: 'baud=0' },
  qmi: { key: 'downloadQmi', transport: 'qmi', enable: true },
  mbim: { key: 'downloadMbim', transport: 'mbim', enable: true },
};

const selected = Object.entries(DOWNLOADS).filter(([name]) => opts.cases.includes(name));
const runs = Object.fromEntries(selected.map(([, c]) => [c.key, []]));
const caseOpts = (c) => ({ ...opts, enable: c.enable, link: c.link ? parseLinkSpec(c.link, opts.link) : opts.link });
for (let i = 0; i < opts.runs; i++) {
  for (const [name, c] of selected) {
    const r = await downloadRun(caseOpts(c), c.transport);
    const commands = c.transport === 'at' ? `${r.atCommands} AT commands` : `${r.messages} ${c.transport.toUpperCase()} messages`;
    const over = Object.entries(r.phases).filter(([, p]) => Math.abs(p.overMs) >= 10).map(([p, v]) => `${p} ${v.overMs.toFixed(0)}`).join(', ');
    log(`run ${i + 1}/${opts.runs} ${name}: wall ${r.wallMs.toFixed(0)} ms, ideal floor ${r.idealFloorMs.toFixed(0)} ms (over ${r.overheadMs.toFixed(0)}: ${over}; first command at ${r.firstCommandMs?.toFixed(0)} ms), ${commands}, CPU ${r.cpuMs.toFixed(0)} ms, RSS ${r.peakRssMb.toFixed(1)} MB`);
    runs[c.key].push(r);
  }
}
const result = {
  settings: {
    runs: opts.runs,
    cases: opts.cases,
    link: formatLinkSpec(opts.link),
    rttMs: opts.rttMs,
    serverLatencyMs: opts.serverLatencyMs,
    modem: opts.vendor,
    profile: opts.profile,
    simResetMs: opts.simResetMs,
    node: process.version,
    cpus: (await import('node:os')).availableParallelism(),
    ...(opts.nodeOptions.length ? { nodeOptions: opts.nodeOptions } : {}),
    ...(opts.bin ? { bin: relative(ROOT, opts.bin) } : {}),
    ...(removedEnv().length ? { removedEnv: removedEnv() } : {}),
  },
};
for (const [, c] of selected) result[c.key] = { ...(c.link ? { link: formatLinkSpec(parseLinkSpec(c.link, opts.link)) } : {}), enable: c.enable, ...summary(runs[c.key]) };

if (opts.cases.includes('rig')) {
  // the single-run wall to compare with: this run's AT case when it ran, else measured here
  const single = runs.download?.length ? runs.download : [];
  if (single.length === 0) {
    for (let i = 0; i < opts.runs; i++) single.push(await downloadRun({ ...opts, enable: true }, 'at'));
  }
  const singleWall = median(single.map((r) => r.wallMs));
  const singleCpu = median(single.map((r) => r.cpuMs));
  const rigRuns = [];
  for (let i = 0; i < opts.runs; i++) {
    const r = await rigRun({ ...opts, enable: true }, opts.rig);
    const walls = r.records.map((x) => x.wallMs);
    log(`run ${i + 1}/${opts.runs} rig (${opts.rig} agents): walls ${walls.map((w) => w.toFixed(0)).join(' ')} ms (single ${singleWall.toFixed(0)}), agents' CPU ${r.records.reduce((n, x) => n + x.cpuMs, 0).toFixed(0)} ms, SM-DP+ CPU ${r.smdpCpuMs.toFixed(0)} ms`);
    rigRuns.push(r);
  }
  const all = rigRuns.flatMap((r) => r.records);
  // per rig run: the slowest agent against the single run; reported as the median over the runs
  const worst = rigRuns.map((r) => Math.max(...r.records.map((x) => x.wallMs)) / singleWall);
  result.rig = {
    agents: opts.rig,
    singleWallMs: round(singleWall),
    singleCpuMs: round(singleCpu),
    wallMs: round(median(all.map((r) => r.wallMs))),
    maxWallMs: round(median(rigRuns.map((r) => Math.max(...r.records.map((x) => x.wallMs))))),
    wallOverSingle: round(median(all.map((r) => r.wallMs / singleWall)), 3),
    worstWallOverSingle: round(median(worst), 3),
    cpuMs: round(median(all.map((r) => r.cpuMs))),
    peakRssMb: round(median(all.map((r) => r.peakRssMb)), 1),
    smdpCpuMs: round(median(rigRuns.map((r) => r.smdpCpuMs))),
    overheadMs: round(median(all.map((r) => r.overheadMs))),
    phases: phaseMedians(all),
  };
}

if (opts.cases.includes('large')) {
  const dir = mkdtempSync(join(tmpdir(), 'lpa-bench-large-'));
  try {
    const large = { ...opts, enable: false, link: parseLinkSpec(LARGE_LINK, opts.link) };
    const sizes = [0, Math.round((opts.largeKiB * 1024) / 4), opts.largeKiB * 1024];
    const profiles = sizes.map((s) => writeLargeProfile(dir, opts.profile, s));
    const ids = profiles.map((p) => p.id);
    const bySize = sizes.map(() => []);
    for (let i = 0; i < opts.runs; i++) {
      for (let k = 0; k < sizes.length; k++) {
        const r = await downloadRun({ ...large, profile: ids[k], profilesDir: profiles[k].folder }, 'at');
        log(`run ${i + 1}/${opts.runs} large ${ids[k]} (${r.bppBytes} profile bytes): wall ${r.wallMs.toFixed(0)} ms, ideal floor ${r.idealFloorMs.toFixed(0)} ms, CPU ${r.cpuMs.toFixed(0)} ms, RSS ${r.peakRssMb.toFixed(1)} MB`);
        bySize[k].push(r);
      }
    }
    const rows = bySize.map((rs, k) => {
      const m = medians(rs.map(({ phases: _p, ...r }) => r));
      return { profile: ids[k], packageBytes: m.bppBytes, bppStoreDataBlocks: m.bppBlocks, atCommands: m.atCommands, wallMs: round(m.wallMs), idealFloorMs: round(m.idealFloorMs), overheadMs: round(m.overheadMs), cpuMs: round(m.cpuMs), peakRssMb: round(m.peakRssMb, 1), peakMemory: memoryMedians(rs) };
    });
    const [small, mid, big] = rows;
    const perMiB = (a, b) => ((b.overheadMs - a.overheadMs) / (b.packageBytes - a.packageBytes)) * 1024 * 1024;
    result.largeProfile = {
      link: formatLinkSpec(large.link),
      sizes: rows,
      rssGrowthMb: round(big.peakRssMb - small.peakRssMb, 1),
      // wall above the floor per MiB of package, between the small and the middle size, and between the middle and the large one: equal when linear
      overheadMsPerMiB: [round(perMiB(small, mid)), round(perMiB(mid, big))],
      cpuMsPerMiB: round(((big.cpuMs - small.cpuMs) / (big.packageBytes - small.packageBytes)) * 1024 * 1024),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

if (opts.footprint) {
  log('start-up times');
  // start-ups are short and noisy: at least 21 of each
  const st = await startupTimes(Math.max(21, opts.runs));
  result.startup = { nodeBareMs: round(st.nodeBareMs), ...(st.nodeBareCallerEnvMs ? { nodeBareCallerEnvMs: round(st.nodeBareCallerEnvMs) } : {}), versionMs: round(st.versionMs), versionOverNode: round(st.versionMs / st.nodeBareMs, 3), eidVirtualMs: round(st.eidVirtualMs) };
  log('dependency and bundle sizes');
  const deps = prodDependencyBytes();
  const bundle = await bundleSize();
  result.footprint = { prodDependencies: deps.packages, prodDependencyBytes: deps.bytes, bundle };
}
if (opts.cpuProfile) {
  const dir = mkdtempSync(join(tmpdir(), 'lpa-bench-prof-'));
  try {
    log('CPU profile of one AT download with --enable');
    await downloadRun({ ...opts, enable: true, nodeOptions: [...opts.nodeOptions, '--cpu-prof', `--cpu-prof-dir=${dir}`] }, 'at');
    const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
    if (!file) throw new Error('the agent wrote no CPU profile');
    const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    writeFileSync(opts.cpuProfile, flameSvg(profile, `lpa-agent download --enable, AT at the default link (${process.version})`));
    // the profile itself beside it, for Chrome DevTools or speedscope
    writeFileSync(opts.cpuProfile.replace(/(\.svg)?$/, '.cpuprofile'), JSON.stringify(profile));
    result.cpuProfile = { svg: relative(ROOT, opts.cpuProfile), ...summarize(profile, 12) };
    log(`flame graph: ${relative(process.cwd(), opts.cpuProfile)}`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
result.targets = targets(result);
if (opts.svg) {
  const cases = selected.map(([name, c]) => ({ name, phases: result[c.key].phases, wallMs: result[c.key].wallMs, floorMs: result[c.key].idealFloorMs }));
  if (result.rig) cases.push({ name: `rig (${opts.rig} at once)`, phases: result.rig.phases, wallMs: result.rig.wallMs, floorMs: null });
  if (cases.length > 0) {
    writePhasePlot(opts.svg, cases, `lpa-agent download: wall vs ideal floor per phase (median of ${opts.runs} runs, ${process.version}, ${result.settings.cpus} CPUs)`);
    log(`plot: ${relative(process.cwd(), opts.svg)}`);
  }
}
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
