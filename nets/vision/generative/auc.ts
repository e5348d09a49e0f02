// Area under the ROC curve, as the Mann–Whitney statistic: the probability that a random positive
// scores above a random negative (ties count one half). Hanley & McNeil 1982.

/** AUC of `positive` scores against `negative` ones, in O((n + m) log(n + m)). */
export function rocAuc(positive: ArrayLike<number>, negative: ArrayLike<number>): number {
  const n = positive.length;
  const m = negative.length;
  if (n === 0 || m === 0) throw new RangeError('rocAuc: needs at least one positive and one negative score');
  const all: { v: number; pos: boolean }[] = [];
  for (let i = 0; i < n; i++) all.push({ v: positive[i]!, pos: true });
  for (let i = 0; i < m; i++) all.push({ v: negative[i]!, pos: false });
  if (all.some((s) => Number.isNaN(s.v))) throw new RangeError('rocAuc: scores must not be NaN');
  all.sort((a, b) => a.v - b.v);
  // Sum of the positives' ranks (1-based, ties get their average rank).
  let rankSum = 0;
  for (let i = 0; i < all.length; ) {
    let j = i;
    while (j < all.length && all[j]!.v === all[i]!.v) j++;
    const avg = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (all[k]!.pos) rankSum += avg;
    i = j;
  }
  return (rankSum - (n * (n + 1)) / 2) / (n * m);
}
