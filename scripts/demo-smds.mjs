#!/usr/bin/env node
// `npm run demo:smds`: credential-free provisioning on the simulated peers, no cloud at all.
//
// Starts, on 127.0.0.1 only: the local SM-DS (ES11, its own DSauth/DS TLS certificates issued from the
// SGP.26 test CI key) and the local SM-DP+ beside it. The SM-DP+ takes an order for the virtual eUICC's
// EID with the SM-DS flag, so an event (event id = the order's matching id) waits at the SM-DS. The
// virtual eUICC (state in .lpa-agent/demo-smds/) has that SM-DS as its root SM-DS. Then
// `lpa-agent provision --cloud smds` runs as a separate process: it asks the root SM-DS for events,
// downloads the profile from the SM-DP+ the event names, enables it and delivers the notifications,
// with the same progress a real device prints. Run it again to see the resume path ("already
// provisioned"); delete .lpa-agent/demo-smds/ to start from a factory-fresh eUICC.
import { mkdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { dist, note, runAgent } from './demo/common.mjs';

const { startSmdp } = await import(join(dist, 'sim', 'smdp', 'index.js'));
const { startSmds } = await import(join(dist, 'sim', 'smds', 'index.js'));
const { EuiccStateStore } = await import(join(dist, 'sim', 'euicc', 'index.js'));

const stateDir = resolve(process.env.LPA_AGENT_DEMO_DIR ?? '.lpa-agent/demo-smds');
mkdirSync(stateDir, { recursive: true });
const statePath = join(stateDir, 'euicc.json');

const smds = await startSmds({ host: '127.0.0.1', port: 0 });
const smdp = await startSmdp({ host: '127.0.0.1', port: 0, smds: smds.registrar });

// the virtual eUICC's root SM-DS (set at manufacturing on a real card) is the local SM-DS
const store = EuiccStateStore.open(statePath);
if (store.state.rootDsAddress !== smds.address) {
  store.state.rootDsAddress = smds.address;
  store.save();
}
note(`demo: local SM-DS ${smds.address} on ${smds.url}, local SM-DP+ ${smdp.address} on ${smdp.url}, state in ${stateDir}`);
// the operator's side: a profile ordered for this EID, announced at the SM-DS (once: a rerun finds it installed)
const PROFILE = 'TS48V2-SAIP2-1-BERTLV-UNIQUE';
const iccid = smdp.admin.profiles().find((p) => p.id === PROFILE)?.iccid;
const order = store.state.profiles.some((p) => p.iccid === iccid) ? undefined : smdp.admin.createOrder({ eid: store.state.eid, profile: PROFILE, smds: true });
if (order) note(`demo: order ${order.id} for EID ${order.eid} (${order.profile}), SM-DS event ${order.smdsEventId}; no cloud account, no credentials`);
else note(`demo: the eUICC already holds ${PROFILE} (ICCID ${iccid}): no new order`);

const args = [
  '--device', `virtual:${statePath}`,
  '--ca', smdp.caFile,
  '--connect-to', smdp.connectTo,
  '--connect-to', smds.connectTo,
  ...process.argv.slice(2),
  'provision',
  '--cloud', 'smds',
  '--journal', join(stateDir, 'journal-{eid}.json'),
  '--lock-file', join(stateDir, 'agent.lock'),
];
const code = await runAgent(args);
if (order) {
  const o = smdp.admin.getOrder(order.id);
  note(`demo: SM-DP+ order ${o.id} ${o.state}; SM-DS events pending ${smds.events().length}, deleted after install ${smds.deletedEvents().length}; ES11 retrievals ${smds.stats().retrievals}`);
}
await smdp.close();
await smds.close();
process.exit(code);
