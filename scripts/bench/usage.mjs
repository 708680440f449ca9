// Preloaded into the measured agent process (`node --import <this> ...`): at exit, writes the
// process's own resource usage (CPU time, peak RSS) as JSON to $LPA_BENCH_USAGE. Writes nothing
// when the variable is unset. Peak RSS comes from /proc/self/status VmHWM where available.
import { readFileSync, writeFileSync } from 'node:fs';

const target = process.env.LPA_BENCH_USAGE;
if (target) {
  delete process.env.LPA_BENCH_USAGE;
  process.on('exit', () => {
    const u = process.resourceUsage();
    let vmHwmKb;
    try {
      const m = /^VmHWM:\s+(\d+)\s+kB/m.exec(readFileSync('/proc/self/status', 'utf8'));
      if (m) vmHwmKb = Number(m[1]);
    } catch {
      // not Linux: maxRSS alone
    }
    writeFileSync(target, JSON.stringify({ userCpuUs: u.userCPUTime, systemCpuUs: u.systemCPUTime, maxRssKb: u.maxRSS, vmHwmKb }));
  });
}
