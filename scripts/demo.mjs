#!/usr/bin/env node
// `npm start`: the whole provisioning job on the simulated peers, no hardware, no accounts.
//
// Starts, on 127.0.0.1 only: the local SM-DP+ (ES9+ over TLS with the SGP.26 test PKI) and the local
// Super SIM double (attached to that SM-DP+), then runs `lpa-agent provision` as a separate process
// against the virtual module + eUICC whose state lives in .lpa-agent/demo/. The agent prints the same
// progress a real device prints. Run it again to see the resume path ("already provisioned");
// delete .lpa-agent/demo/ to start from a factory-fresh eUICC.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { dist, note, runAgent } from './demo/common.mjs';

const { startSmdp } = await import(join(dist, 'sim', 'smdp', 'index.js'));
const { startCloudDouble } = await import(join(dist, 'sim', 'cloud', 'index.js'));

const stateDir = resolve(process.env.LPA_AGENT_DEMO_DIR ?? '.lpa-agent/demo');
mkdirSync(stateDir, { recursive: true });

const smdp = await startSmdp({ host: '127.0.0.1', port: 0 });
const cloud = await startCloudDouble({ host: '127.0.0.1', port: 0, smdpHook: smdp.hook, reserveDelayMs: 300 });
const creds = cloud.credentials;

note(`demo: local SM-DP+ ${smdp.address} on ${smdp.url}, Super SIM double on ${cloud.url}, state in ${stateDir}`);

const args = [
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
const code = await runAgent(args, { TWILIO_ACCOUNT_SID: creds.accountSid, TWILIO_AUTH_TOKEN: creds.authToken });
for (const p of cloud.profiles()) note(`demo: Super SIM double: ESimProfile ${p.sid} ${p.status}, Sim ${p.sim_sid ?? '-'}`);
for (const s of cloud.sims()) note(`demo: Super SIM double: Sim ${s.sid} ${s.status} in fleet ${s.fleet_sid ?? '-'}`);
await cloud.close();
await smdp.close();
process.exit(code);
