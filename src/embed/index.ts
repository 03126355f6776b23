export { autoInit } from './auto-init';
export { definePocketRecsElement } from './pocket-recs-element';
