import { afterEach, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LpaError } from '../../../src/errors.js';
import { AtEngine, isEcho } from '../../../drivers/at/engine.js';
import { SerialAtPort } from '../../../drivers/at/port.js';
import { AtTrace } from '../../../drivers/at/trace.js';
import { urcPrefixesFor, getVendor } from '../../../drivers/at/vendors.js';
import { ScriptedModem, type Responder } from './scriptedModem.js';
import { lpaRejection } from '../../util/lpaError.js';

const engines: AtEngine[] = [];

afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
});

async function setup(respond: Responder, opts: { echo?: boolean; timeoutMs?: number; trace?: AtTrace } = {}) {
  const modem = new ScriptedModem(respond, { echo: opts.echo });
  const port = await SerialAtPort.open({ path: modem.path, binding: modem.binding });
  const engine = new AtEngine(port, {
    defaultTimeoutMs: opts.timeoutMs ?? 2000,
    resyncTimeoutMs: 500,
    trace: opts.trace,
    urcPrefixes: urcPrefixesFor(getVendor('quectel')),
  });
  engines.push(engine);
  const urcs: string[] = [];
  engine.on('urc', (l: string) => urcs.push(l));
  return { modem, engine, urcs };
}


describe('isEcho', () => {
  it('recognises full and partial echo, not answers', () => {
    const cmd = 'AT+CGLA=1,10,"80E2910000"';
    expect(isEcho(cmd, cmd)).toBe(true);
    expect(isEcho('AT+CG', cmd)).toBe(true);
    expect(isEcho('"80E2910000"', cmd)).toBe(true);
    expect(isEcho('1', 'AT+CCHO="A0000005591010FFFFFFFF8900000100"')).toBe(false);
    expect(isEcho('000000000385a7cf', 'AT+CCHO="A0000005591010FFFFFFFF8900000100"')).toBe(false);
  });
});

describe('AtEngine over binding-mock', () => {
  it('returns the answer lines and counts commands and bytes', async () => {
    const { engine, modem } = await setup((cmd) => (cmd === 'AT+CGLA=1,10,"80E2910000"' ? ['+CGLA: 4,"9000"', 'OK'] : ['ERROR']));
    const res = await engine.send('AT+CGLA=1,10,"80E2910000"', { prefix: '+CGLA' });
    expect(res.lines).toEqual(['+CGLA: 4,"9000"']);
    expect(modem.written).toBe('AT+CGLA=1,10,"80E2910000"\r');
    const s = engine.stats();
    expect(s.commands).toBe(1);
    expect(s.bytesToModule).toBe(26);
    expect(s.bytesFromModule).toBe('\r\n+CGLA: 4,"9000"\r\n\r\nOK\r\n'.length);
  });

  it('ignores the echo and partial echo fragments', async () => {
    const { engine, urcs } = await setup(
      (cmd) => ({ raw: `${cmd}\r\r\nAT+CG\r\n+CGLA: 4,"9000"\r\n\r\nOK\r\n` }),
    );
    const res = await engine.send('AT+CGLA=1,10,"80E2910000"', { prefix: '+CGLA' });
    expect(res.lines).toEqual(['+CGLA: 4,"9000"']);
    expect(urcs).toEqual([]);
  });

  it('copes with echo on (ATE1) until ATE0', async () => {
    const { engine } = await setup(() => ['OK'], { echo: true });
    await engine.send('ATE0');
    expect((await engine.send('AT+CMEE=1')).lines).toEqual([]);
  });

  it('takes URCs between the answer and OK as URCs, not answers', async () => {
    const { engine, urcs } = await setup(() => ['+CPIN: READY', '+CGLA: 4,"9000"', '+QIND: PB DONE', 'RDY', 'OK']);
    const res = await engine.send('AT+CGLA=1,10,"80E2910000"', { prefix: '+CGLA' });
    expect(res.lines).toEqual(['+CGLA: 4,"9000"']);
    expect(urcs).toEqual(['+CPIN: READY', '+QIND: PB DONE', 'RDY']);
  });

  it('emits lines outside any command as URCs', async () => {
    const { engine, modem, urcs } = await setup(() => ['OK']);
    await engine.send('AT');
    const got = new Promise<string>((r) => engine.once('urc', r));
    modem.emitLines('+CPIN: NOT READY');
    expect(await got).toBe('+CPIN: NOT READY');
    expect(urcs).toEqual(['+CPIN: NOT READY']);
  });

  it('handles bare CR line ends and bare LF', async () => {
    const { engine } = await setup(() => ({ raw: '+CSIM: 4,"9000"\rOK\r' }));
    expect((await engine.send('AT+CSIM=10,"0070000001"', { prefix: '+CSIM' })).lines).toEqual(['+CSIM: 4,"9000"']);
    const e2 = await setup(() => ({ raw: '\n+CSIM: 4,"9000"\nOK\n' }));
    expect((await e2.engine.send('AT+CSIM=10,"0070000001"', { prefix: '+CSIM' })).lines).toEqual(['+CSIM: 4,"9000"']);
  });

  it('accepts bare answers only when asked, never URCs', async () => {
    const { engine, urcs } = await setup(() => ['RDY', 'Quectel', 'EC25', 'Revision: EC25EFAR06A06M4G', 'OK']);
    const res = await engine.send('ATI', { bare: true });
    expect(res.lines).toEqual(['Quectel', 'EC25', 'Revision: EC25EFAR06A06M4G']);
    expect(urcs).toEqual(['RDY']);
  });

  it('maps CME numbers and texts, CMS, ERROR and COMMAND NOT SUPPORT', async () => {
    const answers: Record<string, string> = {
      'AT+A': '+CME ERROR: 13',
      'AT+B': '+CME ERROR: SIM busy',
      'AT+C': '+CMS ERROR: 321',
      'AT+D': 'ERROR',
      'AT+E': 'COMMAND NOT SUPPORT',
    };
    const { engine } = await setup((cmd) => [answers[cmd] ?? 'OK']);
    const a = await lpaRejection(engine.send('AT+A'));
    expect(a.code).toBe('AT_CME_ERROR');
    expect(a.details.cme).toBe(13);
    const b = await lpaRejection(engine.send('AT+B'));
    expect(b.details.cme).toBe('SIM busy');
    expect((await lpaRejection(engine.send('AT+C'))).code).toBe('AT_CMS_ERROR');
    expect((await lpaRejection(engine.send('AT+D'))).code).toBe('AT_ERROR');
    expect((await lpaRejection(engine.send('AT+E'))).code).toBe('AT_NOT_SUPPORTED');
  });

  it('times out a silent command, then resynchronises so a late OK completes nothing', async () => {
    let late = false;
    const { engine, modem } = await setup((cmd) => {
      if (cmd === 'AT+SLOW') {
        late = true;
        return null;
      }
      if (cmd === 'AT+CMEE?') {
        // the slow command's late answer arrives first, then the resync answer
        return late ? ['+CGLA: 4,"6F00"', 'OK', '+CMEE: 1', 'OK'] : ['+CMEE: 1', 'OK'];
      }
      if (cmd === 'AT+NEXT') return ['+NEXT: 7', 'OK'];
      return ['ERROR'];
    });
    const e = await lpaRejection(engine.send('AT+SLOW', { timeoutMs: 100 }));
    expect(e.code).toBe('AT_TIMEOUT');
    expect(e.message).toContain('AT+SLOW');
    const res = await engine.send('AT+NEXT', { prefix: '+NEXT' });
    expect(res.lines).toEqual(['+NEXT: 7']);
    expect(modem.commands).toEqual(['AT+SLOW', 'AT+CMEE?', 'AT+NEXT']);
  });

  it('queues commands: one on the wire at a time, answers in order', async () => {
    const inFlight: string[] = [];
    const { engine, modem } = await setup((cmd, m) => {
      inFlight.push(cmd);
      setTimeout(() => m.emitLines(`+X: ${cmd.slice(5)}`, 'OK'), 5);
      return null;
    });
    const results = await Promise.all([1, 2, 3, 4, 5].map((n) => engine.send(`AT+X=${n}`, { prefix: '+X' })));
    expect(results.map((r) => r.lines[0])).toEqual(['+X: 1', '+X: 2', '+X: 3', '+X: 4', '+X: 5']);
    expect(modem.commands).toEqual(['AT+X=1', 'AT+X=2', 'AT+X=3', 'AT+X=4', 'AT+X=5']);
  });

  it('fails the pending and queued commands with PORT_CLOSED when the port vanishes', async () => {
    const { engine, modem } = await setup(() => null);
    const closed = new Promise<LpaError>((r) => engine.once('close', r));
    const a = engine.send('AT+CGLA=1,10,"80E2910000"', { prefix: '+CGLA', timeoutMs: 20_000 });
    const b = engine.send('AT');
    setTimeout(() => modem.vanish(), 10);
    expect((await lpaRejection(a)).code).toBe('PORT_CLOSED');
    expect((await lpaRejection(b)).code).toBe('PORT_CLOSED');
    expect((await closed).code).toBe('PORT_CLOSED');
    expect((await lpaRejection(engine.send('AT'))).code).toBe('PORT_CLOSED');
  });

  it('fails pending commands when closed locally', async () => {
    const { engine } = await setup(() => null);
    const a = engine.send('AT', { timeoutMs: 20_000 });
    await engine.close();
    expect((await lpaRejection(a)).code).toBe('PORT_CLOSED');
  });

  it('rejects malformed commands without sending them', async () => {
    const { engine, modem } = await setup(() => ['OK']);
    expect((await lpaRejection(engine.send('AT\r+CFUN=0'))).code).toBe('INTERNAL');
    expect(modem.commands).toEqual([]);
  });

  it('drops an endless line and fails the command with AT_BAD_RESPONSE', async () => {
    const { engine } = await setup(() => ({ raw: 'A'.repeat(40_000) }));
    expect((await lpaRejection(engine.send('AT+CGLA=1,4,"80CA"', { prefix: '+CGLA' }))).code).toBe('AT_BAD_RESPONSE');
  });

  it('writes a trace with directions and timestamps', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'attrace-'));
    const file = join(dir, 'at.trace');
    const trace = await AtTrace.open(file);
    const { engine } = await setup(() => ['+CPIN: NOT READY', '+CGLA: 4,"9000"', 'OK'], { trace });
    await engine.send('AT+CGLA=1,4,"80CA"', { prefix: '+CGLA' });
    await engine.close();
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(4);
    expect(lines[0]).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z >> AT\+CGLA=1,4,"80CA"$/);
    expect(lines[1]).toMatch(/ !! \+CPIN: NOT READY$/);
    expect(lines[2]).toMatch(/ << \+CGLA: 4,"9000"$/);
    expect(lines[3]).toMatch(/ << OK$/);
    // append mode
    const again = await AtTrace.open(file);
    again.write('>>', 'AT');
    await again.close();
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(5);
  });
});
