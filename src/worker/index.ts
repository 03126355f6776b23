export type { EngineApi, EngineConfig, EngineEvents, Progress, Recommendation, RecommendRequest, Status, TrackEvent, Update } from './api';
