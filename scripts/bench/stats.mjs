// Small numeric helpers of the bench.

export function median(values) {
  const v = values.filter((x) => typeof x === 'number' && Number.isFinite(x)).sort((a, b) => a - b);
  if (v.length === 0) return null;
  const mid = Math.floor(v.length / 2);
  return v.length % 2 ? v[mid] : (v[mid - 1] + v[mid]) / 2;
}

export const round = (x, digits = 0) => (x === null || x === undefined ? x : Number(x.toFixed(digits)));

/** Median of each numeric field over a list of flat records. */
export function medians(records) {
  const keys = new Set(records.flatMap((r) => Object.keys(r)));
  const out = {};
  for (const k of keys) out[k] = median(records.map((r) => r[k]));
  return out;
}

/** Network part of the floor (ms): 1 RTT + server latency per request, 2 RTT per TLS handshake. */
export function networkFloorMs({ requests, tlsHandshakes }, { rttMs, serverLatencyMs }) {
  return requests * (rttMs + serverLatencyMs) + tlsHandshakes * 2 * rttMs;
}
