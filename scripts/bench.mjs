#!/usr/bin/env node
// `npm run bench`: downloads and enables a TS.48 profile through the virtual module (pty, link
// model) over its AT, QMI and MBIM ports from the local SM-DP+ over TLS (RTT model), several runs,
// and prints ONE JSON object: medians of the counters per transport, wall time against the link
// floor, CPU and peak RSS of the agent, start-up times, dependency and bundle sizes. See docs/bench.md.
import { join } from 'node:path';
import { downloadRun } from './bench/download.mjs';
import { bundleSize, prodDependencyBytes } from './bench/footprint.mjs';
import { DIST } from './bench/paths.mjs';
import { median, medians, round } from './bench/stats.mjs';
import { startupTimes } from './bench/startup.mjs';

const { DEFAULT_LINK, parseLinkSpec, formatLinkSpec } = await import(join(DIST, 'drivers', 'virtual', 'link.js'));
const { defaultQuirks } = await import(join(DIST, 'drivers', 'virtual', 'quirks.js'));
const { vendorProfile } = await import(join(DIST, 'drivers', 'virtual', 'vendors.js'));

const USAGE = `usage: npm run bench -- [options]
  --runs <n>            downloads to run (default 5)
  --link <settings>     link model as serve-modem --link takes it (default: the defaults)
  --baud <bit/s>        UART speed (default 115200; 0 = USB-like, no serialisation cost)
  --latency <ms>        module latency per AT command (default ${DEFAULT_LINK.latencyMs})
  --apdu <ms>           eUICC time per APDU (default ${DEFAULT_LINK.apduMs})
  --auth <ms> --prepare <ms> --bpp <ms> --install <ms>   eUICC function times
  --rtt <ms>            network round trip to the SM-DP+ (default 50)
  --server-latency <ms> SM-DP+ processing per request (default 0)
  --modem <vendor>      dialect of the virtual module (default generic)
  --profile <id>        TS.48 matching id (default TS48V2-SAIP2-1-BERTLV-UNIQUE)
  --node-option <flag>  node flag for the measured agent (repeatable), e.g. --max-semi-space-size=1
  --transports <list>   module ports to download over: at,qmi,mbim (default all three)
  --no-footprint        skip start-up times, dependency and bundle sizes`;

function parse(argv) {
  const o = { runs: 5, link: { ...DEFAULT_LINK }, rttMs: 50, serverLatencyMs: 0, vendor: 'generic', profile: 'TS48V2-SAIP2-1-BERTLV-UNIQUE', footprint: true, nodeOptions: [], transports: ['at', 'qmi', 'mbim'] };
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
    if (name === 'help' || a === '-h') {
      process.stdout.write(`${USAGE}\n`);
      process.exit(0);
    } else if (name === 'runs') o.runs = Math.max(1, num());
    else if (name === 'link') o.link = parseLinkSpec(value(), o.link);
    else if (Object.hasOwn(linkKeys, name)) o.link = parseLinkSpec(`${linkKeys[name]}=${num()}`, o.link);
    else if (name === 'rtt') o.rttMs = num();
    else if (name === 'server-latency') o.serverLatencyMs = num();
    else if (name === 'modem') o.vendor = value();
    else if (name === 'profile') o.profile = value();
    else if (name === 'no-footprint') o.footprint = false;
    else if (name === 'transports') {
      o.transports = value().split(',').map((t) => t.trim()).filter(Boolean);
      if (o.transports.length === 0 || o.transports.some((t) => !['at', 'qmi', 'mbim'].includes(t))) fail('--transports takes at, qmi and/or mbim, comma-separated');
    } else if (name === 'node-option') o.nodeOptions.push(value());
    else fail(`unknown argument "${a}"`);
  }
  return o;
}

function fail(msg) {
  process.stderr.write(`bench: ${msg}\n${USAGE}\n`);
  process.exit(2);
}

const opts = parse(process.argv.slice(2));
opts.simResetMs = { ...defaultQuirks(), ...vendorProfile(opts.vendor).quirks }.simResetMs;
const log = (line) => process.stderr.write(`bench: ${line}\n`);

/** The medians of one transport's runs, as the JSON reports them. */
function summary(runs) {
  const m = medians(runs);
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
    floorMs: round(m.floorMs),
    floor: { moduleMs: round(m.floorModuleMs), networkMs: round(m.floorNetworkMs), simResetMs: round(m.floorSimResetMs) },
    modemDelayMs: round(m.modemDelayMs),
    wallOverFloor: round(median(runs.map((r) => r.wallMs / r.floorMs)), 3),
    cpuMs: round(m.cpuMs),
    peakRssMb: round(m.peakRssMb, 1),
  };
}

const runs = { at: [], qmi: [], mbim: [] };
for (let i = 0; i < opts.runs; i++) {
  for (const t of opts.transports) {
    const r = await downloadRun(opts, t);
    const commands = t === 'at' ? `${r.atCommands} AT commands` : `${r.messages} ${t.toUpperCase()} messages`;
    log(`run ${i + 1}/${opts.runs} ${t}: wall ${r.wallMs.toFixed(0)} ms, floor ${r.floorMs.toFixed(0)} ms, ${commands}, ${r.apdus} APDUs, RSS ${r.peakRssMb.toFixed(1)} MB`);
    runs[t].push(r);
  }
}
const result = {
  settings: { runs: opts.runs, transports: opts.transports, link: formatLinkSpec(opts.link), rttMs: opts.rttMs, serverLatencyMs: opts.serverLatencyMs, modem: opts.vendor, profile: opts.profile, simResetMs: opts.simResetMs, node: process.version, ...(opts.nodeOptions.length ? { nodeOptions: opts.nodeOptions } : {}) },
  ...(runs.at.length ? { download: summary(runs.at) } : {}),
  ...(runs.qmi.length ? { downloadQmi: summary(runs.qmi) } : {}),
  ...(runs.mbim.length ? { downloadMbim: summary(runs.mbim) } : {}),
};
if (opts.footprint) {
  log('start-up times');
  const st = await startupTimes(opts.runs);
  result.startup = { nodeBareMs: round(st.nodeBareMs), versionMs: round(st.versionMs), eidVirtualMs: round(st.eidVirtualMs) };
  log('dependency and bundle sizes');
  const deps = prodDependencyBytes();
  const bundle = await bundleSize();
  result.footprint = { prodDependencies: deps.packages, prodDependencyBytes: deps.bytes, bundle };
}
process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
