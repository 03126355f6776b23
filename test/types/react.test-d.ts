// Compile-time checks of pocketrec/react, run by `npm run typecheck`: a violation is a type error.
import { expectTypeOf } from 'vitest';
import type { ComponentProps } from 'react';
import type { PocketRecError, Progress, Recommendation, Recommender, TrackEvent } from '../../src';
import { PocketRecProvider, Recommendations, useRecommendations, useRecommender, useSearch, useSimilar, useSurface, useTrack, type QueryState, type QueryStatus, type RecommendationKind } from '../../src/react';

// Every hook returns { data, status, progress, error }, with data typed by what it answers.
expectTypeOf(useRecommendations).returns.toEqualTypeOf<QueryState<Recommendation[]>>();
expectTypeOf(useSimilar).returns.toEqualTypeOf<QueryState<Recommendation[]>>();
expectTypeOf(useSearch).returns.toEqualTypeOf<QueryState<Recommendation[]>>();
expectTypeOf(useSurface).returns.toEqualTypeOf<QueryState<Recommendation[]>>();
expectTypeOf(useRecommender).returns.toEqualTypeOf<QueryState<Recommender>>();
expectTypeOf<QueryState<Recommendation[]>>().toEqualTypeOf<{ data: Recommendation[] | null; status: QueryStatus; progress: Progress | null; error: Error | null }>();
expectTypeOf<QueryStatus>().toEqualTypeOf<'idle' | 'loading' | 'ready' | 'error'>();
// A PocketRecError is what arrives in `error`.
expectTypeOf<PocketRecError>().toExtend<NonNullable<QueryState<unknown>['error']>>();
expectTypeOf(useTrack).returns.toEqualTypeOf<(event: TrackEvent) => Promise<void>>();

// Hook arguments are the recommender's own request types.
expectTypeOf(useRecommendations).parameter(0).toEqualTypeOf<Parameters<Recommender['recommend']>[0]>();
expectTypeOf(useSimilar).parameter(0).toEqualTypeOf<string | null | undefined>();
// @ts-expect-error k is a number
useSimilar('a', { k: '4' });
// @ts-expect-error a filter field that does not exist
useRecommendations({ filter: { colour: 'red' } });

// The provider takes options or a recommender, never both and never neither.
type ProviderProps = ComponentProps<typeof PocketRecProvider>;
expectTypeOf<{ options: { catalog: string } }>().toExtend<ProviderProps>();
expectTypeOf<{ recommender: Promise<Recommender> }>().toExtend<ProviderProps>();
expectTypeOf<{ options: { catalog: string }; recommender: Recommender }>().not.toExtend<ProviderProps>();
expectTypeOf<{ children: 'x' }>().not.toExtend<ProviderProps>();

// Widget kinds are a closed union.
expectTypeOf<RecommendationKind>().toEqualTypeOf<'for-you' | 'related' | 'bought-together' | 'trending'>();
expectTypeOf<{ kind: 'popular' }>().not.toExtend<ComponentProps<typeof Recommendations>>();
expectTypeOf<{ kind: 'related'; itemIds: string[]; k: number }>().toExtend<ComponentProps<typeof Recommendations>>();
