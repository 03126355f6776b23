import { createElement, useEffect, useRef, type KeyboardEvent, type MouseEvent, type ReactElement } from 'react';
import type { Recommendation, RankFilter } from '../index';
import { entryForKey, followAfterTracking, safeHref, type RecommendationKind } from '../embed';
import { useSurface, useTrack } from './hooks';

export interface RecommendationsProps {
  /** @defaultValue 'for-you' */
  kind?: RecommendationKind;
  /** Seeds of `related` and `bought-together`; `for-you` leaves them out of its results. */
  itemIds?: readonly string[];
  /** @defaultValue the recommender's `defaultK` */
  k?: number;
  filter?: RankFilter;
  className?: string;
  /** After the click is tracked. Call `event.preventDefault()` to route the visit yourself (the link is not followed). */
  onSelect?: (recommendation: Recommendation, event: MouseEvent<HTMLAnchorElement>) => void;
  /** Why nothing renders: a start-up failure or an `invalid-option` (a kind without seeds, a bad `k`). */
  onError?: (error: Error) => void;
}

/**
 * A list of recommendations of one kind, the React counterpart of `<pocket-recs>`: `<ol>` of links with image,
 * title and reason (`data-item-id` on each `<li>`), walked with Tab or the arrow keys, clicks tracked. It renders
 * nothing until there is something to show, or when the kind cannot be computed (then `onError` says why).
 *
 * @example <Recommendations kind="related" itemIds={[product.id]} k={4} onSelect={(r, e) => { e.preventDefault(); navigate(r.item.url); }} />
 */
export function Recommendations(props: RecommendationsProps): ReactElement | null {
  const { kind = 'for-you', itemIds = [], k, filter, className, onSelect } = props;
  const { data, status, error } = useSurface(kind, itemIds, { ...(k ? { k } : {}), ...(filter ? { filter } : {}) });
  const track = useTrack();
  const list = useRef<HTMLOListElement>(null);
  const onError = useRef(props.onError);
  // Each error is reported once, though StrictMode runs the effect twice on mount.
  const reported = useRef<Error | null>(null);
  useEffect(() => {
    onError.current = props.onError;
  });
  useEffect(() => {
    if (!error || reported.current === error) return;
    reported.current = error;
    onError.current?.(error);
  }, [error]);

  if (status === 'error' || !data?.length) return null;

  const onKeyDown = (event: KeyboardEvent<HTMLOListElement>) => {
    const links = [...(list.current?.querySelectorAll('a') ?? [])];
    const target = entryForKey(links, document.activeElement, event.key);
    if (!target) return;
    event.preventDefault();
    target.focus();
  };
  const base = typeof document === 'undefined' ? 'http://localhost/' : document.baseURI;

  return createElement(
    'ol',
    { ref: list, className, 'data-kind': kind, onKeyDown },
    data.map((r) => {
      const onClick = (event: MouseEvent<HTMLAnchorElement>) => {
        const tracked = track({ type: 'click', itemId: r.id });
        tracked.catch((cause: unknown) => console.warn('PocketRec: a click on a recommendation could not be recorded.', cause));
        onSelect?.(r, event);
        followAfterTracking(event.nativeEvent, event.currentTarget, tracked);
      };
      const href = safeHref(r.item.url, base);
      const image = typeof r.item.imageUrl === 'string' && r.item.imageUrl ? createElement('img', { src: r.item.imageUrl, alt: '', loading: 'lazy' }) : null;
      return createElement(
        'li',
        { key: r.id, 'data-item-id': r.id },
        createElement(
          'a',
          // Without a URL the entry stays reachable from the keyboard and activatable with Enter.
          href ? { href, onClick } : { role: 'button', tabIndex: 0, onClick, onKeyDown: clickOnEnter },
          image,
          createElement('span', null, r.item.title),
          createElement('small', null, r.reason),
        ),
      );
    }),
  );
}

/** Links follow Enter natively; an entry without a URL is a button and needs Enter and Space handled. */
function clickOnEnter(event: KeyboardEvent<HTMLAnchorElement>): void {
  if (event.key !== 'Enter' && event.key !== ' ') return;
  event.preventDefault();
  event.currentTarget.click();
}
