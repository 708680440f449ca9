// The performance targets of issue 12, checked against one bench result (reported, never asserted).

/** `{ value, limit, ok }` for a value that must stay at or under `limit`; undefined when not measured. */
const atMost = (value, limit) => (value === undefined || value === null ? undefined : { value, limit, ok: value <= limit });

export function targets(r) {
  const t = {};
  const downloads = ['download', 'downloadNoEnable', 'downloadUsb', 'downloadUsbNoEnable', 'downloadQmi', 'downloadMbim'].filter((k) => r[k]);
  for (const k of downloads) {
    t[k] = {
      overheadMs: atMost(r[k].overheadMs, 250),
      cpuMs: atMost(r[k].cpuMs, 300),
      peakRssMb: atMost(r[k].peakRssMb, 60),
    };
  }
  if (r.startup) {
    t.startup = {
      versionOverNode: atMost(r.startup.versionOverNode, 1.2),
      eidVirtualMs: atMost(r.startup.eidVirtualMs, 200),
    };
  }
  if (r.rig) t.rig = { worstWallOverSingle: atMost(r.rig.worstWallOverSingle, 1.15) };
  if (r.largeProfile) {
    const [a, b] = r.largeProfile.overheadMsPerMiB;
    // linear: the cost per MiB between the middle and the large size is no more than 25 % above
    // the one between the small and the middle size (a super-linear cost grows it)
    t.largeProfile = {
      rssGrowthMb: { value: r.largeProfile.rssGrowthMb, limit: 4, ok: r.largeProfile.rssGrowthMb < 4 },
      slopeRatio: atMost(Math.round((b / Math.max(1, a)) * 100) / 100, 1.25),
    };
  }
  const all = Object.values(t).flatMap((g) => Object.values(g)).filter(Boolean);
  t.allMet = all.every((x) => x.ok);
  t.missed = Object.entries(t)
    .filter(([, g]) => g && typeof g === 'object')
    .flatMap(([k, g]) => Object.entries(g).filter(([, x]) => x && x.ok === false).map(([f, x]) => `${k}.${f} ${x.value} > ${x.limit}`));
  return t;
}
