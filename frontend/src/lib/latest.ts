// Search as you type: each keystroke schedules a query after a short pause,
// and only the newest query's answer is ever shown, even when answers come
// back out of order.

export interface Latest<Q, R> {
  /** schedule runs fn(q) after the pause, replacing any query not yet started. */
  schedule(q: Q): void;
  /** now runs fn(q) immediately. */
  now(q: Q): void;
  /** cancel drops pending and in-flight queries. */
  cancel(): void;
}

export function latest<Q, R>(
  fn: (q: Q) => Promise<R>,
  onResult: (r: R, q: Q) => void,
  onError: (e: unknown, q: Q) => void,
  delayMs = 120,
): Latest<Q, R> {
  let seq = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = (q: Q) => {
    const mine = ++seq;
    fn(q).then(
      (r) => {
        if (mine === seq) onResult(r, q);
      },
      (e) => {
        if (mine === seq) onError(e, q);
      },
    );
  };
  return {
    schedule(q) {
      clearTimeout(timer);
      seq++; // anything in flight is now stale
      timer = setTimeout(() => run(q), delayMs);
    },
    now(q) {
      clearTimeout(timer);
      run(q);
    },
    cancel() {
      clearTimeout(timer);
      seq++;
    },
  };
}
