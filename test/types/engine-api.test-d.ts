// Compile-time checks, run by `npm run typecheck`: a violation is a type error, not a runtime failure.
import type { Remote } from 'comlink';
import type { Recommender } from '../../src';
import type { CatalogChange, EngineApi, EngineConfig, Recommendation, Status, Update } from '../../src/worker';

type Assert<T extends true> = T;
// `unknown` appears only in items' free-form fields, which come from JSON and so clone fine.
type IsPlainData<T> = unknown extends T
  ? true
  : T extends (...args: never[]) => unknown
  ? false
  : T extends Map<unknown, unknown> | Set<unknown> | Promise<unknown> | Date | RegExp
    ? false
    : T extends ArrayBufferView | string | number | boolean | null | undefined
      ? true
      : T extends readonly (infer E)[]
        ? IsPlainData<E>
        : T extends object
          ? false extends { [K in keyof T]-?: IsPlainData<T[K]> }[keyof T]
            ? false
            : true
          : false;

// Everything that crosses the worker boundary must survive structured cloning unchanged.
export type ConfigIsPlain = Assert<IsPlainData<EngineConfig>>;
export type StatusIsPlain = Assert<IsPlainData<Status>>;
export type RecommendationIsPlain = Assert<IsPlainData<Recommendation>>;
export type UpdateIsPlain = Assert<IsPlainData<Update>>;
export type CatalogChangeIsPlain = Assert<IsPlainData<CatalogChange> & IsPlainData<Parameters<EngineApi['updateCatalog']>[0]>>;
export type UpdateCatalogMatches = Assert<ReturnType<Remote<EngineApi>['updateCatalog']> extends ReturnType<Recommender['updateCatalog']> ? true : false>;
export type ArgsArePlain = Assert<IsPlainData<Parameters<EngineApi['track']>[0]> & IsPlainData<Parameters<EngineApi['recommend']>[0]>>;
export type SurfaceArgsArePlain = Assert<IsPlainData<Parameters<EngineApi['related']>[1]> & IsPlainData<Parameters<EngineApi['trending']>[0]> & IsPlainData<Parameters<EngineApi['search']>[2]>>;
// And the check itself must be able to fail.
export type DetectsFunctions = Assert<IsPlainData<{ a: () => void }> extends false ? true : false>;
export type DetectsSets = Assert<IsPlainData<{ a: Set<number> }> extends false ? true : false>;

// The client's surface is the remote engine's, promise for promise.
export type RecommendMatches = Assert<ReturnType<Remote<EngineApi>['recommend']> extends ReturnType<Recommender['recommend']> ? true : false>;
