/**
 * The indices of the `k` largest scores, largest first, ties in index order: the first `k` of a
 * stable descending sort, found by insertion into a list of `k`: the top one of 77 labels costs 77
 * comparisons instead of a sort (docs/decisions/performance.md).
 */
export function topIndices(scores: ArrayLike<number>, k: number): number[] {
  const top: number[] = [];
  // Indices within bounds throughout: `!` rather than checks in the per-label loop.
  for (let i = 0; i < scores.length; i++) {
    const score = scores[i]!;
    if (top.length === k && !(score > scores[top[k - 1]!]!)) continue;
    // After every index with a score at least as high: ties keep index order.
    let at = top.length === k ? k - 1 : top.length;
    while (at > 0 && scores[top[at - 1]!]! < score) at--;
    if (top.length === k) top.pop();
    top.splice(at, 0, i);
  }
  return top;
}
