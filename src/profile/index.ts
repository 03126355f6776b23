export { EVENT_TYPES, type BehaviourEvent, type EventType, type EventContext, type ItemAttributes, type ItemSpace, type Profile, type ProfileSettings, type RecentEvent, type DecayedSum } from './types';
export { createProfile, foldEvent, eventStrength, ratingWeight, DEFAULT_PROFILE_SETTINGS, type FoldInputs } from './fold-event';
export { addDecayed, createDecayedSum, massAt } from './decayed-sum';
export { validateEvent, validateContext, isReplayable } from './validate-event';
export { contextKeys, daypart, type Daypart } from './context';
