/** ES10b GetEUICCInfo1 (BF20): SVN and the CI key identifiers. */

import { decodeEuiccInfo1Request, encodeEuiccInfo1Response, TAG_EUICC_INFO1 } from '../../../es10/euiccInfo1.js';
import { EUICC_CI_PKIDS, EUICC_SVN } from '../capabilities.js';
import type { Es10Handler } from './context.js';

export function versionString(v: Uint8Array): string {
  return Array.from(v).join('.');
}

export const euiccInfo1Handler: Es10Handler = {
  name: 'GetEUICCInfo1',
  tag: TAG_EUICC_INFO1,
  handle(request) {
    decodeEuiccInfo1Request(request);
    return encodeEuiccInfo1Response({
      svn: versionString(EUICC_SVN),
      euiccCiPKIdListForVerification: [...EUICC_CI_PKIDS],
      euiccCiPKIdListForSigning: [...EUICC_CI_PKIDS],
    });
  },
};
