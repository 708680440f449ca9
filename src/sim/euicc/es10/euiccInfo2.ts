/** ES10b GetEUICCInfo2 (BF22): versions, capabilities, free memory, CI key identifiers. */

import { tlv } from '../../../es10/der.js';
import { decodeEuiccInfo2Request, encodeEuiccInfo2Response, TAG_EUICC_INFO2 } from '../../../es10/euiccInfo2.js';
import {
  EUICC_CI_PKIDS,
  EUICC_FIRMWARE_VERSION,
  EUICC_GLOBALPLATFORM_VERSION,
  EUICC_JAVACARD_VERSION,
  EUICC_NV_MEMORY,
  EUICC_PP_VERSION,
  EUICC_PROFILE_FOOTPRINT,
  EUICC_PROFILE_VERSION,
  EUICC_SAS_ACCREDITATION,
  EUICC_SVN,
  EUICC_VOLATILE_MEMORY,
} from '../capabilities.js';
import type { EuiccState } from '../state.js';
import type { Es10Handler } from './context.js';
import { versionString } from './euiccInfo1.js';

function uint(n: number, bytes: number): Uint8Array {
  const out = new Uint8Array(bytes);
  for (let i = bytes - 1, v = Math.max(0, n); i >= 0; i--, v = Math.floor(v / 256)) out[i] = v % 256;
  return out;
}

/** ETSI TS 102 226 extended card resource: 81 installed applications, 82 free NVM, 83 free RAM. */
export function extCardResource(state: EuiccState): Uint8Array {
  const profiles = state.profiles.length;
  return Uint8Array.from([
    ...tlv(0x81, uint(profiles, 1)),
    ...tlv(0x82, uint(EUICC_NV_MEMORY - profiles * EUICC_PROFILE_FOOTPRINT, 4)),
    ...tlv(0x83, uint(EUICC_VOLATILE_MEMORY, 2)),
  ]);
}

export const euiccInfo2Handler: Es10Handler = {
  name: 'GetEUICCInfo2',
  tag: TAG_EUICC_INFO2,
  handle(request, ctx) {
    decodeEuiccInfo2Request(request);
    return encodeEuiccInfo2Response({
      profileVersion: versionString(EUICC_PROFILE_VERSION),
      svn: versionString(EUICC_SVN),
      euiccFirmwareVer: versionString(EUICC_FIRMWARE_VERSION),
      extCardResource: extCardResource(ctx.store.state),
      uiccCapability: [
        'usimSupport',
        'isimSupport',
        'csimSupport',
        'akaMilenage',
        'akaCave',
        'akaTuak128',
        'akaTuak256',
        'gbaAuthenUsim',
        'gbaAuthenISim',
        'eapClient',
        'javacard',
        'multipleUsimSupport',
        'multipleIsimSupport',
      ],
      javacardVersion: versionString(EUICC_JAVACARD_VERSION),
      globalplatformVersion: versionString(EUICC_GLOBALPLATFORM_VERSION),
      rspCapability: ['additionalProfile', 'testProfileSupport'],
      euiccCiPKIdListForVerification: [...EUICC_CI_PKIDS],
      euiccCiPKIdListForSigning: [...EUICC_CI_PKIDS],
      euiccCategory: 'basicEuicc',
      ppVersion: versionString(EUICC_PP_VERSION),
      sasAcreditationNumber: EUICC_SAS_ACCREDITATION,
    });
  },
};
