/**
 * `eid`, `info`, `profiles`, `enable`, `download` and `provision` over `qmi:` and `mbim:` on the
 * virtual module, opening the ports directly (LPA_AGENT_WWAN_PROXY=never), and SIGINT in the
 * middle of a download giving back client ids, channels and the MBIM session. Through the
 * proxies: test/integration/proxies.test.ts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonLines, startCli } from '../cli/run.js';
import { WwanBench, endToEnd } from './wwanBench.js';

describe('end to end over QMI, direct', () => {
  const bench = new WwanBench();
  beforeAll(() => bench.start());
  afterAll(() => bench.stop());
  endToEnd(() => bench, 'qmi', 'direct');

  it('SIGINT during a download over QMI: exit 8, client id and channel given back', async () => {
    const { child, output } = await startCli(
      ['--json', '--device', bench.device('qmi'), '--ca', bench.smdp.caFile, '--connect-to', bench.smdp.connectTo, 'download', '--smdp', bench.smdp.address, '--matching-id', 'TS48V2-SAIP2-3-BERTLV-UNIQUE'],
      (o) => o.includes('"step":"authenticateClient"'),
      { env: bench.env('direct') },
    );
    child.kill('SIGINT');
    const code = await new Promise<number | null>((r) => child.on('exit', (c) => r(c)));
    expect(code).toBe(8);
    expect((jsonLines(output()).at(-1) as { error: { code: string } }).error.code).toBe('INTERRUPTED');
    bench.expectReleased('qmi', 'direct');
  });
});

describe('end to end over MBIM, direct', () => {
  const bench = new WwanBench();
  beforeAll(() => bench.start());
  afterAll(() => bench.stop());
  endToEnd(() => bench, 'mbim', 'direct');

  it('SIGINT during a download over MBIM: exit 8, channel closed, session closed', async () => {
    const { child } = await startCli(
      ['--json', '--device', bench.device('mbim'), '--ca', bench.smdp.caFile, '--connect-to', bench.smdp.connectTo, 'download', '--smdp', bench.smdp.address, '--matching-id', 'TS48V2-SAIP2-3-BERTLV-UNIQUE'],
      (o) => o.includes('"step":"authenticateClient"'),
      { env: bench.env('direct') },
    );
    child.kill('SIGINT');
    expect(await new Promise<number | null>((r) => child.on('exit', (c) => r(c)))).toBe(8);
    bench.expectReleased('mbim', 'direct');
  });
});
