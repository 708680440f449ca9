#!/usr/bin/env node
// `npm start`: the whole provisioning job on the simulated peers, no hardware, no accounts.
//
// Starts, on 127.0.0.1 only: the local SM-DP+ (ES9+ over TLS with the SGP.26 test PKI) and the local
// Super SIM double (attached to that SM-DP+), then runs `lpa-agent provision` as a separate process
// against the virtual module + eUICC whose state lives in .lpa-agent/demo/. The agent prints the same
// progress a real device prints. Run it again to see the resume path ("already provisioned");
// delete .lpa-agent/demo/ to start from a factory-fresh eUICC.
import { spawn } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist', 'src');
const { startSmdp } = await import(join(dist, 'sim', 'smdp', 'index.js'));
const { startCloudDouble } = await import(join(dist, 'sim', 'cloud', 'index.js'));

const stateDir = resolve(process.env.LPA_AGENT_DEMO_DIR ?? '.lpa-agent/demo');
mkdirSync(stateDir, { recursive: true });

const smdp = await startSmdp({ host: '127.0.0.1', port: 0 });
const cloud = await startCloudDouble({ host: '127.0.0.1', port: 0, smdpHook: smdp.hook, reserveDelayMs: 300 });
const creds = cloud.credentials;

// dim on a terminal; plain text in logs and pipes, or when NO_COLOR is set (https://no-color.org)
const colour = process.stderr.isTTY === true && !process.env.NO_COLOR;
const note = (line) => process.stderr.write(colour ? `\x1b[2m${line}\x1b[0m\n` : `${line}\n`);
note(`demo: local SM-DP+ ${smdp.address} on ${smdp.url}, Super SIM double on ${cloud.url}, state in ${stateDir}`);

const args = [
  join(dist, 'cli', 'bin.cjs'),
  '--device', `virtual:${join(stateDir, 'euicc.json')}`,
  '--ca', smdp.caFile,
  '--connect-to', smdp.connectTo,
  ...process.argv.slice(2),
  'provision',
  '--cloud', 'twilio',
  '--cloud-url', cloud.url,
  '--fleet', 'demo-fleet',
  '--journal', join(stateDir, 'journal-{eid}.json'),
  '--lock-file', join(stateDir, 'agent.lock'),
];
const child = spawn(process.execPath, args, {
  stdio: 'inherit',
  env: { ...process.env, TWILIO_ACCOUNT_SID: creds.accountSid, TWILIO_AUTH_TOKEN: creds.authToken, LPA_AGENT_CONFIG: '' },
});
const stop = () => child.kill('SIGTERM');
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
const code = await new Promise((r) => child.on('exit', (c, sig) => r(c ?? (sig ? 130 : 1))));
for (const p of cloud.profiles()) note(`demo: Super SIM double: ESimProfile ${p.sid} ${p.status}, Sim ${p.sim_sid ?? '-'}`);
for (const s of cloud.sims()) note(`demo: Super SIM double: Sim ${s.sid} ${s.status} in fleet ${s.fleet_sid ?? '-'}`);
await cloud.close();
await smdp.close();
process.exit(code);
