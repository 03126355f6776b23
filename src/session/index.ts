export { createSession } from './create-session';
export type { BrowsingSession, Recommendation, RecommendRequest, SearchOptions, SequenceScorer, Session, SessionDeps, SessionEvent, SessionStatus, SurfaceOptions, TrendingOptions, Update } from './types';
