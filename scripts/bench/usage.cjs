// Preloaded into the measured agent process (`node --require <this> ...`: CommonJS, so a CommonJS
// entry point is still loaded as CommonJS, as without the preload): at exit, writes the
// process's own resource usage (CPU time, peak RSS) and when it wrote each JSON event line (ms since
// the epoch, for the bench's phases) as JSON to $LPA_BENCH_USAGE. Writes nothing when the variable
// is unset. Peak RSS comes from /proc/self/status VmHWM where available.
'use strict';
const { readFileSync, writeFileSync } = require('node:fs');

const target = process.env.LPA_BENCH_USAGE;
if (target) {
  delete process.env.LPA_BENCH_USAGE;
  const now = () => performance.timeOrigin + performance.now();
  /** [ms since the epoch, event type, step, first words of the message] per JSON line on stdout. */
  const events = [];
  const write = process.stdout.write;
  process.stdout.write = function (chunk, ...rest) {
    if (typeof chunk === 'string' && chunk.startsWith('{"type":"')) {
      const type = /^\{"type":"(\w+)"/.exec(chunk)?.[1];
      const step = /"step":"(\w+)"/.exec(chunk)?.[1] ?? '';
      const message = /"message":"([^"]{0,40})/.exec(chunk)?.[1] ?? '';
      events.push([now(), type, step, message]);
    }
    return write.call(this, chunk, ...rest);
  };
  process.on('exit', () => {
    const u = process.resourceUsage();
    let vmHwmKb;
    try {
      const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
      if (m) vmHwmKb = Number(m[1]);
    } catch {
      // not Linux: maxRSS alone
    }
    writeFileSync(
      target,
      JSON.stringify({ userCpuUs: u.userCPUTime, systemCpuUs: u.systemCPUTime, maxRssKb: u.maxRSS, vmHwmKb, startedAt: performance.timeOrigin, exitAt: now(), events }),
    );
  });
}
