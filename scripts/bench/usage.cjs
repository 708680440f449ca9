// Preloaded into the measured agent process (`node --require <this> ...`: CommonJS, so a CommonJS
// entry point is still loaded as CommonJS, as without the preload): at exit, writes the
// process's own resource usage (CPU time, peak RSS and where the memory was then) and when it wrote each JSON event line (ms since
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
  // where the memory is when RSS is highest (sampled every 50 ms): V8 heap, Buffers, the rest native
  let peak = { rss: 0 };
  const sample = () => {
    const m = process.memoryUsage();
    if (m.rss > peak.rss) peak = m;
  };
  setInterval(sample, 50).unref();
  process.on('exit', () => {
    sample();
    const mb = (n) => Math.round((n / 1048576) * 10) / 10;
    const peakMemory = { rssMb: mb(peak.rss), heapTotalMb: mb(peak.heapTotal), heapUsedMb: mb(peak.heapUsed), externalMb: mb(peak.external), arrayBuffersMb: mb(peak.arrayBuffers) };
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
      JSON.stringify({ userCpuUs: u.userCPUTime, systemCpuUs: u.systemCPUTime, maxRssKb: u.maxRSS, vmHwmKb, peakMemory, startedAt: performance.timeOrigin, exitAt: now(), events }),
    );
  });
}
