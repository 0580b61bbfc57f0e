// What the inspection service's verdict on a unit's scan (verifyCode) means to the unit, in its language, and
// whether the rules let it refuse the visit. The service's own `reason` texts are English and for developers; the
// unit reads these.
import type { VerifyCodeQuery } from './gql/graphql';
import { chinaTime, t } from './i18n';

export type ScanOutcome = VerifyCodeQuery['verifyCode'];
export interface Verdict {
  tone: 'wr-good' | 'wr-bad' | 'wr-wait';
  title: string;
  note: string;
}

/** The unit may refuse every inspection the code does not allow (无码不督, 频次限制) and one that cannot be checked
 * in now (Unavailable: it would go uncounted), but not as an account the service does not know as a unit
 * (NotAllowed): the API would not record that refusal either. */
export function unitMayRefuse(outcome: ScanOutcome | null): boolean {
  return !!outcome && outcome.__typename !== 'CodeValid' && outcome.__typename !== 'NotAllowed';
}

/** The verdict in words, and why; null for a valid code, which the page shows as genuine (or admitted). */
export function verdictOf(outcome: ScanOutcome): Verdict | null {
  const refusable = (title: string) => `${title} · ${t('youMayRefuse')}`;
  switch (outcome.__typename) {
    case 'CapReached':
      return { tone: 'wr-bad', title: refusable(t('capReached')), note: t('capReachedNote') };
    case 'OutOfScope':
      return { tone: 'wr-bad', title: refusable(t('outOfScope')), note: t('outOfScopeNote') };
    case 'CodeForged':
      return { tone: 'wr-bad', title: t('forged'), note: t('forgedNote') };
    case 'CodeRevoked':
      // The reason is the revoking office's own words.
      return { tone: 'wr-bad', title: t('revoked'), note: outcome.reason ? t('revokedNote', { reason: outcome.reason }) : t('invalidNote') };
    case 'CodeExpired':
      return { tone: 'wr-bad', title: t('expired'), note: t('expiredNote', { at: chinaTime(outcome.expiredAt) }) };
    case 'CodeNotYetValid':
      return { tone: 'wr-bad', title: t('notYetValid'), note: t('notYetValidNote', { at: chinaTime(outcome.validFrom) }) };
    case 'Unavailable':
      return { tone: 'wr-wait', title: t('scanUnavailable'), note: t('scanUnavailableNote') };
    case 'NotAllowed':
      return { tone: 'wr-wait', title: t('scanNotAllowed'), note: t('scanNotAllowedNote') };
    default:
      return null;
  }
}
