/**
 * Maps `items` with at most `limit` calls in flight, keeping their order: a page of 100 runs is
 * 100 reads of Kestra, which must not all leave at once.
 */
export async function mapLimit<T, R>(
  items: readonly T[],
  limit: number,
  map: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await map(items[i] as T, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/** Reads of Kestra (or Slack) one listing may have in flight at once. */
export const FAN_OUT = 8;
