export { autoInit } from './auto-init';
export { definePocketRecsElement, type PocketRecsErrorDetail } from './pocket-recs-element';
export { fetchSurface, parseKind, RECOMMENDATION_KINDS, type RecommendationKind, type SurfaceRequest } from './surfaces';
export { entryForKey } from './keyboard';
export { followAfterTracking, safeHref } from './links';
