import type { ModuleInfo } from '../../apdu/channel.js';
import type { Command } from '../command.js';
import { withDevice } from '../device.js';
import { addressesView, euiccInfo1View, euiccInfo2View, memoryText, memoryView, ratRuleView, ratText } from '../format.js';

const command: Command = {
  name: 'info',
  summary: 'Show the EID, the module (maker, model, firmware, IMEI, radio), EUICCInfo1/2 with the free memory, and the configured SM-DP+/SM-DS addresses.',
  usage: 'info',
  options: {},
  help: [
    'The module facts come from the transport: AT+CGMI/+CGMM/+CGMR/+CGSN (ATI where those are missing)',
    'and AT+WS46=? on AT; the reader name on PC/SC. Free memory is EUICCInfo2\'s extCardResource',
    '(ETSI TS 102 226: installed applications, free non-volatile and volatile memory in bytes).',
  ].join('\n'),
  async run({ globals, out }) {
    const data = await withDevice(globals, async (d) => {
      const eid = await d.es10.getEid();
      const info1 = await d.es10.getEuiccInfo1();
      const info2 = await d.es10.getEuiccInfo2();
      const addresses = await d.es10.getConfiguredAddresses();
      // the Rules Authorisation Table: which policy rules (PPR) profiles may carry, for which operators
      const rat = await d.es10.getRat().then(
        (r) => r.map(ratRuleView),
        (e: unknown) => ({ error: (e as Error).message }),
      );
      const identity = (await d.transport.moduleInfo?.(['manufacturer', 'model', 'firmware', 'imei', 'radioAccess']).catch(() => ({}))) ?? {};
      const module = { device: d.label, vendor: d.vendor, transport: d.kind, path: d.choice.device, chosen: d.choice.by, how: d.choice.how, ...identity };
      return {
        eid,
        module,
        euiccInfo1: euiccInfo1View(info1.info),
        euiccInfo2: euiccInfo2View(info2.info),
        memory: memoryView(info2.info.extCardResource),
        addresses: addressesView(addresses),
        rat,
      };
    }, out);
    out.result(data, () => {
      const i2 = data.euiccInfo2 as Record<string, unknown>;
      const m = data.module as ModuleInfo;
      const radio = Array.isArray(m.radioAccess) ? (m.radioAccess as string[]).join(', ') : undefined;
      const model = [m.manufacturer, m.model, m.firmware && `firmware ${m.firmware}`].filter(Boolean).join(' ');
      const lines = [
        `EID:                 ${data.eid}`,
        `Module:              ${data.module.device} (${data.module.vendor}${model ? `: ${model}` : ''})`,
        `Transport:           ${data.module.transport.toUpperCase()} ${data.module.path}, ${data.module.how}`,
        ...(m.imei ? [`IMEI:                ${m.imei}`] : []),
        ...(radio ? [`Radio:               ${radio}`] : []),
        `SGP.22 version:      ${String(data.euiccInfo1.svn)}`,
        `Firmware:            ${String(i2.euiccFirmwareVer)}`,
        `Profile version:     ${String(i2.profileVersion)}`,
        `CI keys (verify):    ${(data.euiccInfo1.euiccCiPKIdListForVerification as string[]).join(', ') || '-'}`,
        `CI keys (sign):      ${(data.euiccInfo1.euiccCiPKIdListForSigning as string[]).join(', ') || '-'}`,
        `RSP capability:      ${(i2.rspCapability as string[]).join(', ') || '-'}`,
        `Free memory:         ${memoryText(data.memory)}`,
        `Default SM-DP+:      ${data.addresses.defaultDpAddress ?? '(none)'}`,
        `Root SM-DS:          ${data.addresses.rootDsAddress ?? '(none)'}`,
        `Policy rules (RAT):  ${ratText(data.rat)}`,
      ];
      return lines.join('\n');
    });
  },
};
export default command;
