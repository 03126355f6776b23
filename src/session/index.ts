export { createSession } from './create-session';
export type { BrowsingSession, Recommendation, RecommendRequest, SequenceScorer, Session, SessionDeps, SessionEvent, SessionStatus, Update } from './types';
