/**
 * Profile Policy Rules before PrepareDownload: a profile carrying PPR1/PPR2 that the eUICC's Rules
 * Authorisation Table does not allow, or allows only with the end user's consent, is refused early
 * (the session is cancelled with pprNotAllowed) unless the operator accepts it (`--accept-ppr`,
 * which stands for the end user's consent on a device without a screen). GetRAT is read only when
 * the profile has rules, so ordinary downloads cost nothing.
 */

import { LpaError } from '../errors.js';
import type { Es10Client } from '../es10/client.js';
import { authorisePprs, policyRulesToAuthorise } from '../es10/ppr.js';
import type { StoreMetadata } from '../es10/storeMetadata.js';

const MEANING: Record<string, string> = { ppr1: 'PPR1: it cannot be disabled', ppr2: 'PPR2: it cannot be deleted' };
const meaning = (ppr: string): string => MEANING[ppr] ?? ppr;

export async function checkPolicyRules(
  es10: Es10Client,
  metadata: Partial<StoreMetadata> | undefined,
  options: { accept: boolean; progress: (message: string, data?: Record<string, unknown>) => void },
): Promise<void> {
  const pprs = policyRulesToAuthorise(metadata?.profilePolicyRules);
  if (!metadata || pprs.length === 0) return;
  let rat;
  try {
    rat = await es10.getRat();
  } catch (e) {
    options.progress(`cannot read the eUICC's rules table (${(e as Error).message}); the eUICC checks the policy rules itself`);
    return;
  }
  const verdict = authorisePprs(rat, pprs, metadata.profileOwner);
  const problems = [
    ...verdict.notAllowed.map((p) => `${meaning(p)}, and the eUICC's rules table does not allow it for this operator`),
    ...verdict.needConsent.map((p) => `${meaning(p)}, which needs the end user's consent`),
  ];
  if (problems.length === 0) {
    options.progress(`profile policy rules ${pprs.join(', ')} are allowed by the eUICC's rules table`, { ppr: pprs });
    return;
  }
  if (options.accept) {
    options.progress(`profile policy rules accepted (--accept-ppr): ${problems.join('; ')}`, { ppr: pprs, ...verdict });
    return;
  }
  throw new LpaError(
    'PPR_NOT_ALLOWED',
    `profile ${metadata.iccid ?? ''} carries policy rules: ${problems.join('; ')}. Not downloaded; accept them with --accept-ppr (or acceptPpr in the config)`,
    { cancelReason: 'pprNotAllowed', ppr: pprs, notAllowed: verdict.notAllowed, needConsent: verdict.needConsent },
  );
}
