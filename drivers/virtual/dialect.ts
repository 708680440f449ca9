import { parseLine, type AtCommand } from './lines.js';
import { ccho, cchc, cgla, crsm, csim, iccidCommand } from './simCommands.js';
import { answer, cme, ERROR, OK, SILENT, type AfterAction, type Answer, type Final, type ModemState } from './state.js';
import type { IccidCommand } from './vendors.js';

/**
 * The AT interpreter of the virtual module: one command line in, one answer out (info lines,
 * final result, and what the module does next). No I/O and no timers here: the module
 * (modem.ts) owns echo, URCs, delays and the SIM-reset sequence.
 */

/** Commands that reach the card: refused while the SIM restarts or is powered off. */
const CARD_COMMANDS = new Set(['+CCHO', '+CGLA', '+CCHC', '+CSIM', '+CRSM', '+QCCID', '+CICCID', '%XICCID', '+CCID', '#CCID']);
const CHANNEL_COMMANDS = new Set(['+CCHO', '+CGLA', '+CCHC']);
const ICCID_COMMANDS = new Set<string>(['+QCCID', '+CICCID', '%XICCID', '+CCID', '#CCID']);
const GENERAL = new Set(['+CGMI', '+GMI', '+CGMM', '+GMM', '+CGMR', '+GMR', '+CGSN', '+GSN', '+CMEE', '+CPIN', '+CFUN', '+WS46']);
const BASIC = new Set(['E', 'V', 'Q', 'Z', 'I', '&F', '&C', '&D', '&W', 'X']);

/** True if this module (vendor + quirks) implements the extended command `name`. */
export function supports(state: ModemState, name: string): boolean {
  const q = state.quirks;
  if (GENERAL.has(name) || name === '+CSIM' || name === '+CRSM') return true;
  if (CHANNEL_COMMANDS.has(name)) return !q.csimOnly && !(name === '+CCHC' && q.noCchc);
  if (ICCID_COMMANDS.has(name)) return state.vendor.iccidCommands.includes(name as IccidCommand);
  return false;
}

function unknown(state: ModemState): Answer {
  return answer([], state.quirks.commandNotSupport ? { kind: 'not-support' } : ERROR);
}

/** Card commands refused while the SIM is not ready: the final result to answer, or undefined. */
function simGate(state: ModemState): Final | undefined {
  if (state.sim === 'resetting') return cme(state.quirks.simResetCme);
  if (state.sim === 'off') return cme(13);
  return undefined;
}

/** Executes one line: all its `;`-chained commands, stopping at the first failure. */
export function executeLine(state: ModemState, line: string): Answer {
  const cmds = parseLine(line);
  if (!cmds) return unknown(state);
  const out: Answer = { info: [], final: OK };
  for (const cmd of cmds) {
    const a = executeCommand(state, cmd);
    out.info.push(...a.info);
    if (a.after) out.after = a.after;
    if (a.apduBytes !== undefined) out.apduBytes = (out.apduBytes ?? 0) + a.apduBytes;
    if (a.storeData) out.storeData = true;
    if (a.final.kind !== 'ok') {
      out.final = a.final;
      break;
    }
  }
  return out;
}

/** Whether a line contains a card command (the target of counted injected failures). */
export function isCardLine(line: string): boolean {
  const cmds = parseLine(line);
  return !!cmds && cmds.some((c) => CARD_COMMANDS.has(c.name) && c.kind !== 'test');
}

function executeCommand(state: ModemState, cmd: AtCommand): Answer {
  if (BASIC.has(cmd.name)) return basic(state, cmd);
  if (!supports(state, cmd.name)) return unknown(state);
  if (cmd.kind === 'test') return testCommand(state, cmd.name);
  if (CARD_COMMANDS.has(cmd.name)) {
    const gate = simGate(state);
    if (gate) return answer([], gate);
    // slow SIM: the module says ready, the card is still busy
    if ((CHANNEL_COMMANDS.has(cmd.name) || cmd.name === '+CSIM') && state.busyUntil > Date.now()) return answer([], cme(14));
  }
  const v = state.vendor;
  switch (cmd.name) {
    case '+CGMI':
    case '+GMI':
      return exec(cmd, [v.manufacturer]);
    case '+CGMM':
    case '+GMM':
      return exec(cmd, [v.model]);
    case '+CGMR':
    case '+GMR':
      return exec(cmd, [`${v.cgmrPrefix}${v.revision}`]);
    case '+CGSN':
    case '+GSN':
      return exec(cmd, [v.imei]);
    case '+CMEE':
      return cmee(state, cmd);
    case '+WS46':
      return ws46(state, cmd);
    case '+CPIN':
      return cpin(state, cmd);
    case '+CFUN':
      return cfun(state, cmd);
    case '+CCHO':
      return cmd.kind === 'set' ? ccho(state, cmd) : answer([], ERROR);
    case '+CGLA':
      return cmd.kind === 'set' ? cgla(state, cmd) : answer([], ERROR);
    case '+CCHC':
      return cmd.kind === 'set' ? cchc(state, cmd) : answer([], ERROR);
    case '+CSIM':
      return cmd.kind === 'set' ? csim(state, cmd) : answer([], ERROR);
    case '+CRSM':
      return cmd.kind === 'set' ? crsm(state, cmd) : answer([], ERROR);
    default:
      // vendor ICCID commands: exec form, some clients use the read form
      return cmd.kind === 'exec' || cmd.kind === 'read' ? iccidCommand(state, cmd.name) : answer([], ERROR);
  }
}

function exec(cmd: AtCommand, lines: string[]): Answer {
  return cmd.kind === 'exec' ? answer(lines) : answer([], ERROR);
}

function testCommand(state: ModemState, name: string): Answer {
  switch (state.quirks.testCommands) {
    case 'error':
      return answer([], ERROR);
    case 'silent':
      return answer([], SILENT);
    default:
      if (name === '+CMEE') return answer(['+CMEE: (0-2)']);
      if (name === '+CFUN') return answer(['+CFUN: (0,1,4),(0-1)']);
      if (name === '+WS46') return answer([`+WS46: (${state.vendor.ws46.join(',')})`]);
      return answer([]);
  }
}

function basic(state: ModemState, cmd: AtCommand): Answer {
  const n = cmd.argText === '' ? 0 : Number(cmd.argText);
  switch (cmd.name) {
    case 'E':
      if (n > 1) return answer([], ERROR);
      state.echo = n === 1;
      return answer([]);
    case 'V':
      // numeric result codes (V0) are not emulated
      return n === 1 ? answer([]) : answer([], ERROR);
    case 'Q':
      return n === 0 ? answer([]) : answer([], ERROR);
    case 'Z':
    case '&F':
      state.echo = true;
      state.cmee = state.quirks.cmeeDefault;
      return answer([]);
    case 'I':
      return answer([...state.vendor.ati]);
    default:
      return answer([]);
  }
}

function cmee(state: ModemState, cmd: AtCommand): Answer {
  if (cmd.kind === 'read') return answer([`+CMEE: ${state.cmee}`]);
  if (cmd.kind !== 'set') return answer([], ERROR);
  const v = cmd.args[0]?.value;
  if (cmd.args.length !== 1 || (v !== '0' && v !== '1' && v !== '2')) return answer([], ERROR);
  state.cmee = Number(v) as 0 | 1 | 2;
  return answer([]);
}

/** AT+WS46 (TS 27.007 7.4): the read form answers the widest mode; any listed mode may be set. */
function ws46(state: ModemState, cmd: AtCommand): Answer {
  const modes = state.vendor.ws46;
  if (cmd.kind === 'read') return answer([`+WS46: ${modes[modes.length - 1] ?? 12}`]);
  if (cmd.kind === 'set' && cmd.args.length === 1 && modes.includes(Number(cmd.args[0]!.value))) return answer([]);
  return answer([], ERROR);
}

function cpin(state: ModemState, cmd: AtCommand): Answer {
  if (cmd.kind !== 'read') return answer([], cmd.kind === 'set' ? cme(3) : ERROR);
  const gate = simGate(state);
  return gate ? answer([], gate) : answer(['+CPIN: READY']);
}

function cfun(state: ModemState, cmd: AtCommand): Answer {
  if (cmd.kind === 'read') return answer([`+CFUN: ${state.cfun}`]);
  if (cmd.kind !== 'set') return answer([], ERROR);
  const [fun, rst] = cmd.args.map((a) => a.value);
  if ((fun !== '0' && fun !== '1' && fun !== '4') || (rst !== undefined && rst !== '0' && rst !== '1') || cmd.args.length > 2) {
    return answer([], ERROR);
  }
  const target = Number(fun) as 0 | 1 | 4;
  let after: AfterAction | undefined;
  if (rst === '1') after = 'reboot';
  else if (target === 0 && state.sim !== 'off') after = 'sim-off';
  else if (target !== 0 && state.sim === 'off') after = 'sim-reset';
  state.cfun = target;
  return after ? { info: [], final: OK, after } : answer([]);
}
