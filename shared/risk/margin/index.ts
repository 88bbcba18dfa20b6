import type { Book } from '../book.ts';
import type { MarginModel } from './model.ts';
import { portfolioMarginModel } from './portfolio.ts';
import { standardMarginModel } from './standard.ts';

export type {
  AccountState,
  LinearMargin,
  MaxGroup,
  Reduction,
  MarginBreakdown,
  MarginModel,
  MarginSession,
  PositionChange,
  Requirement,
  UnderlyingMargin,
  WorstScenario,
} from './model.ts';

/** The margin model the book's profile asks for. */
export function marginModelFor(book: Book): MarginModel {
  return book.profile.marginModel === 'portfolio' ? portfolioMarginModel(book) : standardMarginModel(book);
}
