import { z } from 'zod';
import { AssessmentSummarySchema } from '../../../shared/schemas/summaries.ts';
import { listOf } from './lists.ts';

/** Recorded assessments: their listing and their ids. */

export const AssessmentListSchema = listOf(AssessmentSummarySchema, 'AssessmentList', {
  description: 'One page of an account\'s recorded assessments, newest first.',
  data: 'Summaries of the account\'s recorded assessments, newest first',
});

export const AssessmentIdParams = z.object({
  id: z.string().regex(/^asm_[0-9A-Z]{26}$/, 'must be an assessment id (asm_…)').meta({ param: { name: 'id', in: 'path' }, example: 'asm_01JDZ8X7Q4M5V2N9T3K6P8R1WC' }),
});
