/** Groups `items` by `key` into [key, items] pairs, sorted by key (numbers numerically, strings lexically). */
export function groupBy<T, K extends number | string>(items: readonly T[], key: (item: T) => K): Array<[K, T[]]> {
  const map = new Map<K, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = map.get(k);
    if (list) list.push(item);
    else map.set(k, [item]);
  }
  return [...map.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}
