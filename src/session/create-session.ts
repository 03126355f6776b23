import { PocketRecError } from '../errors';
import { createProfile, foldEvent, isReplayable, type BehaviourEvent, type Profile } from '../profile';
import { isCovered, type LanguageCoverage } from '../encoder/languages';
import { boughtTogether, explain, lookingSimilar, recommend, related, searchItems, tasteVector, trending, type Ranked } from '../rank';
import { relativeProbabilities, sequenceHistory } from '../sequence';
import { createSerial } from './serial';
import { resolveSeeds, resolveSurface, resolveThreshold, resolveTrending } from './surface-request';
import type { BrowsingSession, Recommendation, RecommendRequest, Session, SessionDeps, SessionEvent, SessionStatus, Update } from './types';

/** The cached sequence-model answer and the history it belongs to. */
interface SequenceCache {
  history: readonly number[];
  probabilities: Float32Array | undefined;
}

const textOf = (event: BehaviourEvent) => (event.type === 'search' ? event.query : event.type === 'review' ? event.text : undefined);

const sameHistory = (a: readonly number[], b: readonly number[]) => a.length === b.length && a.every((index, i) => index === b[i]);

/**
 * One visitor's session over a catalogue: the profile, browsing-session rollover, the sequence model's cached
 * answer and the calls into ranking. It does no I/O of its own: writes, texts and the model come in as functions.
 */
export function createSession(deps: SessionDeps): Session {
  const { model, profileSettings, rankSettings } = deps;
  const now = deps.now ?? Date.now;
  const clock = deps.clock ?? Date.now;
  const schedulePush = deps.schedulePush ?? ((run: () => void) => void Promise.resolve().then(run));
  const serial = createSerial();

  let profile: Profile = createProfile(model.dim);
  let browsing: BrowsingSession = { id: deps.newSessionId(), lastTs: 0 };
  let historySize = 0;
  // The store position folded up to: events are folded in store order, each once.
  let lastSeq = 0;
  let syncQueued: Promise<void> | null = null;
  let sequence = deps.sequence;
  let cache: SequenceCache = { history: [], probabilities: undefined };
  let listener: ((update: Update) => void) | null = null;
  // The latest event not yet pushed to the listener, and whether a push is already on its way.
  let unpushed: BehaviourEvent | null = null;
  let pushScheduled = false;
  const stats = { lastRecommendMs: null as number | null, lastSequenceMs: null as number | null, sequenceRuns: 0, pushes: 0, lexicalOnlyTexts: 0, lastRankUsedSequence: false };
  // Null: texts are never embedded (a lazily loaded encoder whose vectors do not match the ranking rows).
  let languages: LanguageCoverage | null = deps.languages ?? 'any';
  let textPrepared: Promise<void> | null = deps.prepareText ? null : Promise.resolve();
  const prepareText = () =>
    (textPrepared ??= deps.prepareText!().then((coverage) => {
      languages = coverage;
    }));

  /**
   * Vectors for the texts the encoder covers; `undefined` for the others, which then count on words alone (a
   * vector of an unseen script would be noise that still pulls ranking somewhere).
   */
  const embedCovered = async (texts: readonly string[]): Promise<Array<Float32Array | undefined>> => {
    if (texts.length === 0) return [];
    await prepareText();
    const coverage = languages;
    const covered = texts.map((t) => coverage !== null && isCovered(t, coverage));
    stats.lexicalOnlyTexts += covered.filter((c) => !c).length;
    const wanted = texts.filter((_, i) => covered[i]);
    const vectors = wanted.length > 0 ? await deps.embed(wanted) : [];
    let next = 0;
    return covered.map((c) => (c ? vectors[next++] : undefined));
  };

  const fold = (event: SessionEvent, textVector: Float32Array | undefined) => {
    foldEvent(profile, event, { space: model, attributesOf: (i) => model.attributesOf(i), ...(textVector ? { textVector } : {}) }, profileSettings);
    historySize++;
  };
  /**
   * Folds stored events in order (start-up, other tabs, this tab); their texts are embedded in one batched call, not
   * one model run per event. An event an older validator let through (a NaN rating) is passed over, not folded, so a
   * poisoned history recovers; `lastSeq` still moves past it.
   */
  const foldAll = async (stored: readonly SessionEvent[]) => {
    for (const e of stored) if (e.seq !== undefined) lastSeq = Math.max(lastSeq, e.seq);
    const events = stored.filter(isReplayable);
    const texts = events.map(textOf);
    const vectors = await embedCovered(texts.filter((t): t is string => !!t));
    let next = 0;
    for (const [i, event] of events.entries()) fold(event, texts[i] ? vectors[next++] : undefined);
  };

  /**
   * The sequence model's answer for the current history. It runs only when a ranking needs it and the history
   * changed since its last run, so a burst of events costs one run; the cache is replaced only when the new answer
   * is there, so no ranking ever sees it half-updated. A model that throws is dropped, not fatal.
   */
  const sequenceProbabilities = async (): Promise<Float32Array | undefined> => {
    if (!sequence || rankSettings.sequenceWeight === 0) return undefined;
    const history = sequenceHistory(profile);
    if (sameHistory(history, cache.history)) return cache.probabilities;
    if (history.length === 0) {
      cache = { history, probabilities: undefined };
      return undefined;
    }
    const started = clock();
    try {
      const probabilities = relativeProbabilities(await sequence.score(history));
      stats.lastSequenceMs = clock() - started;
      stats.sequenceRuns++;
      cache = { history, probabilities };
      return probabilities;
    } catch (error) {
      sequence = null;
      cache = { history: [], probabilities: undefined };
      deps.onSequenceFailed?.(error);
      return undefined;
    }
  };

  // Display records may still be in the cache (a warm start reads none): the results' and their reasons' first.
  const toResults = async (ranked: Ranked[]): Promise<Recommendation[]> => {
    await deps.records.load(ranked.flatMap((r) => ('source' in r.reason ? [r.index, r.reason.source] : [r.index])));
    return ranked.map((r) => ({ id: model.ids[r.index]!, item: deps.records.get(r.index), score: r.score, reason: explain(model, r.reason) }));
  };

  const rank = async (request: RecommendRequest): Promise<Recommendation[]> => {
    const probabilities = await sequenceProbabilities();
    stats.lastRankUsedSequence = probabilities !== undefined;
    const started = clock();
    const toIndexes = (ids: string[] | undefined) => (ids ?? []).map((id) => model.indexOf(id)).filter((i): i is number => i !== undefined);
    const ranked = recommend(
      model,
      profile,
      {
        k: request.k ?? deps.defaultK,
        now: request.now ?? now(),
        exclude: new Set(toIndexes(request.exclude)),
        pinned: toIndexes(request.pinned),
        ...(request.filter ? { filter: request.filter } : {}),
        ...(request.context ? { context: request.context } : {}),
        ...(request.explore ? { explore: true } : {}),
        ...(probabilities ? { sequence: probabilities } : {}),
        threshold: resolveThreshold('recommend', request.threshold),
      },
      rankSettings,
      profileSettings,
    );
    stats.lastRecommendMs = clock() - started;
    return toResults(ranked);
  };

  // A push is queued behind the calls already waiting, so it ranks once after the whole burst they make up.
  const push = () => {
    pushScheduled = false;
    void serial.run(async () => {
      const cause = unpushed;
      unpushed = null;
      if (!listener || !cause) return;
      const recommendations = await rank({});
      stats.pushes++;
      listener({ recommendations, cause });
    });
  };
  const folded = (event: BehaviourEvent) => {
    if (!listener) return;
    unpushed = event;
    if (pushScheduled) return;
    pushScheduled = true;
    schedulePush(push);
  };

  const roll = (ts: number) => {
    if (ts - browsing.lastTs > deps.sessionTimeoutMinutes * 60_000) browsing = { id: deps.newSessionId(), lastTs: ts };
    browsing = { id: browsing.id, lastTs: Math.max(browsing.lastTs, ts) };
  };
  /** Folds every durable event after `lastSeq`; returns the last one. */
  const catchUp = async (): Promise<SessionEvent | undefined> => {
    const fresh = (await deps.readAfter!(lastSeq)).filter((e) => e.seq === undefined || e.seq > lastSeq);
    await foldAll(fresh);
    const last = fresh[fresh.length - 1];
    if (last) browsing = { id: last.sessionId, lastTs: Math.max(browsing.lastTs, last.ts) };
    return last;
  };
  const reset = () => {
    profile = createProfile(model.dim);
    historySize = 0;
    cache = { history: [], probabilities: undefined };
  };

  return {
    load: (history, stored) =>
      serial.run(async () => {
        reset();
        const last = history[history.length - 1];
        browsing = stored ?? { id: deps.newSessionId(), lastTs: last?.ts ?? 0 };
        lastSeq = 0;
        await foldAll(history);
        // The model runs now rather than in the first ranking, which then only reads its answer.
        await sequenceProbabilities();
        if (last) folded(last);
      }),

    track: (event, persist) =>
      serial.run(async () => {
        const before = browsing;
        roll(event.ts);
        let stored: SessionEvent;
        try {
          stored = await persist({ ...event, sessionId: browsing.id }, browsing);
        } catch (error) {
          browsing = before;
          throw error;
        }
        // The store numbers events consecutively: when this one follows the last folded, no other tab stored one
        // in between, and nothing needs reading back.
        if (deps.readAfter && stored.seq !== undefined && stored.seq !== lastSeq + 1) {
          // Other tabs' events stored before this one are folded first, as every tab folds them.
          const own = browsing;
          await catchUp();
          browsing = own;
        } else {
          await foldAll([stored]);
        }
        folded(stored);
        return stored;
      }),

    sync() {
      if (!deps.readAfter) return Promise.resolve();
      if (syncQueued) return syncQueued;
      const queued = serial.run(async () => {
        syncQueued = null;
        const last = await catchUp();
        if (last) folded(last);
      });
      syncQueued = queued;
      return queued;
    },

    recommend: (request = {}) => serial.run(() => rank(request)),

    similar: (itemId, k, filter) =>
      serial.run(async () => {
        const index = model.indexOf(itemId);
        if (index === undefined) throw new PocketRecError('invalid-option', `similar: itemId "${itemId}" is not in the catalogue.`, { details: { itemId } });
        return toResults(related(model, [index], { k, threshold: -Infinity, fallback: 'none', ...(filter ? { filter } : {}) }));
      }),

    search: (query, k, options = {}) =>
      serial.run(async () => {
        if (typeof query !== 'string' || query.trim() === '') throw new PocketRecError('invalid-option', 'search: query must be a non-empty string.', { details: { query: String(query) } });
        const threshold = resolveThreshold('search', options.threshold);
        const [[vector]] = await Promise.all([embedCovered([query]), deps.loadSearchIndex?.()]);
        return toResults(searchItems(model, { query, vector: vector ?? null, k, taste: tasteVector(profile, rankSettings), threshold, ...(options.filter ? { filter: options.filter } : {}) }));
      }),

    // The surfaces read no profile, but run in the queue all the same: their answers follow the calls made before.
    related: (itemIds, options) => serial.run(async () => toResults(related(model, resolveSeeds('related', itemIds, model), resolveSurface('related', options, model, deps.defaultK)))),

    boughtTogether: (itemIds, options) =>
      serial.run(async () => toResults(boughtTogether(model, resolveSeeds('boughtTogether', itemIds, model), resolveSurface('boughtTogether', options, model, deps.defaultK)))),

    lookingSimilar: (itemId, options) =>
      serial.run(async () => {
        const [seed] = resolveSeeds('lookingSimilar', [itemId], model);
        return toResults(lookingSimilar(model, seed!, resolveSurface('lookingSimilar', options, model, deps.defaultK)));
      }),

    trending: (options) =>
      serial.run(async () => {
        const { request, category, trend } = resolveTrending(options as Parameters<typeof resolveTrending>[0], model, deps.defaultK);
        return toResults(trending(model, category, trend, request));
      }),

    forget: (erase) =>
      serial.run(async () => {
        await erase?.();
        reset();
        browsing = { id: deps.newSessionId(), lastTs: 0 };
        // What the store holds now was written after the erase (by any tab, this one included when the erase was
        // another tab's): it is the new history.
        lastSeq = 0;
        if (deps.readAfter) await catchUp();
      }),

    setListener(next) {
      listener = next;
      if (!next) unpushed = null;
    },

    setSequence(next) {
      sequence = next;
      // The cache belongs to the model that made it; the next ranking asks the new one.
      cache = { history: [], probabilities: undefined };
    },

    noteRemoved(count) {
      historySize = Math.max(0, historySize - count);
    },

    idle: () => serial.idle(),

    status: (): SessionStatus => ({
      historySize,
      sessionId: browsing.id,
      lastRecommendMs: stats.lastRecommendMs,
      lastSequenceMs: stats.lastSequenceMs,
      hasSequence: sequence !== null,
      lastRankUsedSequence: stats.lastRankUsedSequence,
      sequenceRuns: stats.sequenceRuns,
      pushes: stats.pushes,
      lexicalOnlyTexts: stats.lexicalOnlyTexts,
    }),
  };
}
