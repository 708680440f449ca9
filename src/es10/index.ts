/** ES10a/b/c codecs, the ES10 client and the SGP.22 result enums. */

export * from '../util/tlv.js';
export * from './der.js';
export * from './results.js';
export * from './common.js';
export * from './notificationMetadata.js';
export * from './getEid.js';
export * from './euiccInfo1.js';
export * from './euiccInfo2.js';
export * from './euiccChallenge.js';
export * from './configuredAddresses.js';
export * from './setDefaultDpAddress.js';
export * from './profilesInfo.js';
export * from './enableProfile.js';
export * from './disableProfile.js';
export * from './deleteProfile.js';
export * from './setNickname.js';
export * from './memoryReset.js';
export * from './listNotification.js';
export * from './profileInstallationResult.js';
export * from './retrieveNotificationsList.js';
export * from './removeNotification.js';
export * from './authenticateServer.js';
export * from './prepareDownload.js';
export * from './cancelSession.js';
export * from './getRat.js';
export * from './client.js';
