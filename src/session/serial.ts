/** Runs async jobs one at a time, in the order they were submitted; a failed job does not stop the next. */
export interface Serial {
  run<T>(job: () => Promise<T>): Promise<T>;
  /** Resolves once every job submitted so far has settled. */
  idle(): Promise<void>;
}

export function createSerial(): Serial {
  let tail: Promise<unknown> = Promise.resolve();
  return {
    run(job) {
      const result = tail.then(job, job);
      tail = result.catch(() => {});
      return result;
    },
    idle: () => tail.then(() => {}),
  };
}
