/**
 * The table of ES10 functions the virtual eUICC implements, by request tag. A new function is a new
 * file exporting an `Es10Handler` plus one line here; the dispatcher does not change.
 */

import { authenticateServerHandler } from './authenticateServer.js';
import { cancelSessionHandler } from './cancelSession.js';
import { configuredAddressesHandler } from './configuredAddresses.js';
import type { Es10Handler } from './context.js';
import { deleteProfileHandler } from './deleteProfile.js';
import { disableProfileHandler } from './disableProfile.js';
import { enableProfileHandler } from './enableProfile.js';
import { euiccChallengeHandler } from './euiccChallenge.js';
import { euiccInfo1Handler } from './euiccInfo1.js';
import { euiccInfo2Handler } from './euiccInfo2.js';
import { getEidHandler } from './getEid.js';
import { getRatHandler } from './getRat.js';
import { listNotificationHandler } from './listNotification.js';
import { loadBoundProfilePackageHandler } from './loadBoundProfilePackage.js';
import { memoryResetHandler } from './memoryReset.js';
import { prepareDownloadHandler } from './prepareDownload.js';
import { profilesInfoHandler } from './profilesInfo.js';
import { removeNotificationHandler } from './removeNotification.js';
import { retrieveNotificationsListHandler } from './retrieveNotificationsList.js';
import { setDefaultDpAddressHandler } from './setDefaultDpAddress.js';
import { setNicknameHandler } from './setNickname.js';

export const ES10_HANDLERS: readonly Es10Handler[] = [
  // ES10a
  configuredAddressesHandler,
  setDefaultDpAddressHandler,
  // ES10b
  euiccInfo1Handler,
  euiccInfo2Handler,
  euiccChallengeHandler,
  listNotificationHandler,
  retrieveNotificationsListHandler,
  getRatHandler,
  cancelSessionHandler,
  authenticateServerHandler,
  prepareDownloadHandler,
  loadBoundProfilePackageHandler,
  removeNotificationHandler,
  // ES10c
  getEidHandler,
  profilesInfoHandler,
  enableProfileHandler,
  disableProfileHandler,
  deleteProfileHandler,
  setNicknameHandler,
  memoryResetHandler,
];
