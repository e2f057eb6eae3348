import type { CaseInput, CaseStatus } from './case-follow-up.messages';
import type { Phase, Tier } from '../schemas/common';

/** The case's state and its transitions: plain code, so unit tests drive it without a server. */
export class CaseState {
  phase: Phase = 'pre_release';
  tier: Tier = 'stable';
  opening: 'pending' | 'recorded' | 'duplicate' = 'pending';
  duplicateOf: string | null = null;

  constructor(private readonly input: CaseInput) {}

  recorded(): void {
    this.opening = 'recorded';
  }

  rejectAsDuplicate(existingCaseId: string): void {
    this.opening = 'duplicate';
    this.duplicateOf = existingCaseId;
  }

  get closed(): boolean {
    return this.phase === 'closed';
  }

  status(): CaseStatus {
    return {
      caseId: this.input.caseId,
      phase: this.phase,
      tier: this.tier,
      recorded: this.opening === 'recorded',
      policyVersion: this.input.policy.version,
    };
  }
}
