// The phases of one measured download: wall time from the agent's own progress events (time-stamped
// in the agent process by usage.mjs), modelled time from what the virtual module charged per command
// (its link timeline) and what the SM-DP+ charged per request, both on the same clock (ms since the
// epoch, one machine).

export const PHASES = ['open', 'eid', 'authenticate', 'prepare', 'bppFetch', 'bppLoad', 'install', 'notifications', 'enable', 'exit'];

/**
 * Where each phase starts. `open`: spawn to the first STORE DATA the module sees (process start,
 * imports, module and channel set-up); `eid`: GetEID, the journal, the target; `authenticate`: the
 * challenge, EUICCInfo1, initiateAuthentication, AuthenticateServer, authenticateClient;
 * `prepare`: PrepareDownload; `bppFetch`: getBoundProfilePackage; `bppLoad`: the BPP's STORE DATA
 * series up to the block that installs; `install`: that block; `notifications`: every notification
 * sent; `enable`: EnableProfile and the SIM restart; `exit`: the result line to the process's end.
 */
function boundaries({ spawnAt, exitAt, events, moduleTimeline }) {
  const marks = [[spawnAt, 'open']];
  const firstStoreData = moduleTimeline.find((e) => e[2] !== undefined);
  if (firstStoreData) marks.push([firstStoreData[0], 'eid']);
  const install = moduleTimeline.find((e) => e[2] === 'install');
  if (install) marks.push([install[0], 'install']);
  let loadSeen = false;
  for (const [at, type, step, message] of events) {
    if (type === 'result') marks.push([at, 'exit']);
    if (type !== 'progress') continue;
    if (step === 'challenge') marks.push([at, 'authenticate']);
    else if (step === 'prepareDownload') marks.push([at, 'prepare']);
    else if (step === 'getBoundProfilePackage') marks.push([at, 'bppFetch']);
    else if (step === 'loadBoundProfilePackage' && !loadSeen) {
      loadSeen = true;
      marks.push([at, 'bppLoad']);
    } else if (step === 'notify' || ((step === 'enable' || step === 'notifications') && message.startsWith('sending '))) marks.push([at, 'notifications']);
    else if (step === 'enable' && message.startsWith('enable ')) marks.push([at, 'enable']);
  }
  marks.sort((a, b) => a[0] - b[0]);
  marks.push([exitAt, 'end']);
  return marks;
}

/** The phase under way at `t`. */
function phaseAt(marks, t) {
  let p = marks[0][1];
  for (const [at, name] of marks) {
    if (at > t) break;
    if (name !== 'end') p = name;
  }
  return p;
}

/**
 * Wall and modelled time per phase (ms). `floorMs` = the module's charges + 1 RTT (+ server
 * latency) per HTTPS request (+ the SIM restart window in `enable`): the ideal floor, in which a
 * TLS handshake costs nothing because it overlaps module work.
 */
export function phaseTimes({ spawnAt, exitAt, events, moduleTimeline, smdpTimeline, rttMs, serverLatencyMs, simResetMs }) {
  const marks = boundaries({ spawnAt, exitAt, events, moduleTimeline });
  const out = Object.fromEntries(PHASES.map((p) => [p, { wallMs: 0, moduleMs: 0, networkMs: 0, floorMs: 0, commands: 0, requests: 0 }]));
  for (let i = 0; i < marks.length - 1; i++) {
    const [at, name] = marks[i];
    if (name !== 'end') out[name].wallMs += marks[i + 1][0] - at;
  }
  for (const [at, ms] of moduleTimeline) {
    const p = out[phaseAt(marks, at)];
    p.moduleMs += ms;
    p.commands += 1;
  }
  for (const [at] of smdpTimeline) {
    const p = out[phaseAt(marks, at)];
    p.networkMs += rttMs + serverLatencyMs;
    p.requests += 1;
  }
  if (simResetMs > 0) out.enable.moduleMs += simResetMs;
  for (const p of Object.values(out)) {
    p.floorMs = p.moduleMs + p.networkMs;
    p.overMs = p.wallMs - p.floorMs;
  }
  return out;
}
