export type { EngineApi, EngineConfig, EngineEvents, Progress, Recommendation, RecommendRequest, SequenceStatus, Status, TrackEvent, Update } from './api';
