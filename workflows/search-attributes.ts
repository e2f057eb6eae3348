import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

// What operators may filter cases by in Temporal. Never personal data (R21): no name, no ID
// number, no address — only the case's place in the process.
export const CasePhase = defineSearchAttributeKey('CasePhase', SearchAttributeType.KEYWORD);
export const CaseTier = defineSearchAttributeKey('CaseTier', SearchAttributeType.KEYWORD);
export const CaseJurisdiction = defineSearchAttributeKey('CaseJurisdiction', SearchAttributeType.KEYWORD);
export const CaseAssignee = defineSearchAttributeKey('CaseAssignee', SearchAttributeType.KEYWORD);
export const CaseNextDueAt = defineSearchAttributeKey('CaseNextDueAt', SearchAttributeType.DATETIME);

export const SEARCH_ATTRIBUTES = [CasePhase, CaseTier, CaseJurisdiction, CaseAssignee, CaseNextDueAt];
