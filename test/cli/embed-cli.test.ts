import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { loadNodeEncoder } from '../../src/cli/model';

// Runs the built command line, as a user would: `npm test` builds before it tests.
describe('pocketrec embed', () => {
  it('prints one unit vector per input line, the same as the library computes', async () => {
    const lines = ['camping stove', '', 'Would buy again!'];
    const run = spawnSync(process.execPath, ['packages/cli/dist/pocketrec.js', 'embed'], { input: lines.join('\n') + '\n', encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    const vectors = run.stdout.trim().split('\n').map((l) => JSON.parse(l) as number[]);
    expect(vectors).toHaveLength(3);
    const encoder = (await loadNodeEncoder('models/build'))!;
    const expected = await encoder.embed(lines);
    await encoder.dispose();
    vectors.forEach((v, i) => {
      expect(v).toHaveLength(512);
      expect(Math.hypot(...v)).toBeCloseTo(1, 4);
      v.forEach((x, d) => expect(x).toBeCloseTo(expected[i]![d]!, 5));
    });
  }, 60_000);

  it('fails with a usage message for an unknown option', () => {
    const run = spawnSync(process.execPath, ['packages/cli/dist/pocketrec.js', 'embed', '--model', 'x'], { encoding: 'utf8' });
    expect(run.status).toBe(2);
    expect(run.stderr).toContain('unknown option --model');
  });
});
