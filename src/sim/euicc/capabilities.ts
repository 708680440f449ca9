/**
 * Fixed capabilities the virtual eUICC reports (EUICCInfo1/2, the ISD-R FCI): a plausible SGP.22
 * v2.2.2 consumer/IoT eUICC that trusts only the SGP.26 test CI.
 */

import { fromHex } from '../../util/hex.js';
import { TEST_CI_PKID } from './identity.js';
import { ISD_R_AID } from './state.js';

/** GSMA SGP.22 version supported (SVN), major/minor/revision. */
export const EUICC_SVN = Uint8Array.of(2, 2, 2);
/** SIMalliance (TCA) profile package version supported. */
export const EUICC_PROFILE_VERSION = Uint8Array.of(2, 3, 1);
export const EUICC_FIRMWARE_VERSION = Uint8Array.of(1, 0, 0);
export const EUICC_JAVACARD_VERSION = Uint8Array.of(3, 0, 5);
export const EUICC_GLOBALPLATFORM_VERSION = Uint8Array.of(2, 3, 0);
export const EUICC_PP_VERSION = Uint8Array.of(1, 0, 0);
export const EUICC_SAS_ACCREDITATION = 'LPA-AGENT-VIRTUAL-0001';
/** CI public key identifiers (SubjectKeyIdentifier values) for verification and for signing. */
export const EUICC_CI_PKIDS: readonly Uint8Array[] = [fromHex(TEST_CI_PKID)];

/** Free non-volatile memory the eUICC claims (bytes), minus a nominal size per installed profile. */
export const EUICC_NV_MEMORY = 512 * 1024;
export const EUICC_PROFILE_FOOTPRINT = 48 * 1024;
export const EUICC_VOLATILE_MEMORY = 12 * 1024;

/**
 * FCI the ISD-R answers SELECT with: 6F { 84 AID, A5 { 9F65 max command data length,
 * E0 ISDRProprietaryApplicationTemplate { 82 svn } } }.
 */
export const ISD_R_FCI = fromHex(`6F1F8410${ISD_R_AID}A50B9F6501FFE0058203${Buffer.from(EUICC_SVN).toString('hex')}`);
