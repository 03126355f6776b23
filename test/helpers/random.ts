// One seeded generator (mulberry32) for the project, so a failing random test reproduces.
export { mulberry32 as seededRandom } from '../../src/cli/eval/negatives';
