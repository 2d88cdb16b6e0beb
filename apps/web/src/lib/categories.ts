import type { AnalysisCategory } from './types';

/** The SDK's ANALYSIS_CATEGORIES (categories.spec.ts keeps them equal), with words for people. */
export const CATEGORIES: readonly { value: AnalysisCategory; label: string }[] = [
  { value: 'social', label: 'Social' },
  { value: 'writing', label: 'Writing' },
  { value: 'personality', label: 'Personality' },
  { value: 'health', label: 'Health' },
  { value: 'finance', label: 'Finance' },
  { value: 'productivity', label: 'Productivity' },
  { value: 'other', label: 'Other' },
];
