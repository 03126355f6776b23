/**
 * Records every Worker the page constructs from now on, so that a test can kill one as a crash or a closed page
 * would. `restore()` puts the page's own Worker back.
 */
export function recordSpawnedWorkers(): { spawned: Worker[]; restore(): void } {
  const spawned: Worker[] = [];
  const RealWorker = globalThis.Worker;
  globalThis.Worker = class extends RealWorker {
    constructor(url: string | URL, options?: WorkerOptions) {
      super(url, options);
      spawned.push(this);
    }
  };
  return { spawned, restore: () => void (globalThis.Worker = RealWorker) };
}
