/**
 * The guided search: given the candidates ranked most suspicious first, find a minimal block list.
 *
 * 1. The smallest passing prefix of the ranking, by galloping (1, 2, 4, ... nodes) then bisection.
 *    Its last node is needed: without it the prefix fails.
 * 2. Then, repeatedly, the last node still needed below the current limit: keep what is known to be
 *    needed, and drop ever longer tails of the remaining prefix (1, 2, 4, ... nodes, then bisection)
 *    until dropping fails; the node whose removal first fails is needed. When the needed nodes
 *    alone pass, the search ends.
 *
 * When blocking more nodes never hurts (monotonicity), the result is minimal: removing any one
 * node fails. With a good ranking the needed nodes lead it, and each costs about one run.
 * `passes([])` must be known false before the call, and `passes(ranked)` true (the caller's
 * first two attempts) unless `wholePasses` is given: then whether the whole ranking passes is
 * asked only once the prefixes of 1 and 2 nodes have failed (with a good ranking they often
 * pass, and the question is saved; where it is not, few runs are spent before asking), and
 * where it does not pass the search returns undefined. Attempts are memoized by the caller.
 */
export async function guidedSearch<T>(
  ranked: readonly T[],
  passes: (blocked: readonly T[]) => Promise<boolean>,
  onMinimise?: () => void,
  wholePasses?: () => Promise<boolean>,
): Promise<T[] | undefined> {
  if (ranked.length === 0) return wholePasses && !(await wholePasses()) ? undefined : [];
  // 1. Smallest passing prefix: prefix `failing` fails, prefix `passing` passes.
  let failing = 0;
  let passing = ranked.length;
  let wholeKnown = !wholePasses;
  const wholeFails = async () => {
    if (wholeKnown) return false;
    wholeKnown = true;
    return !(await wholePasses!());
  };
  for (let k = 1; k < ranked.length; k *= 2) {
    if (k > 2 && (await wholeFails())) return undefined;
    if (await passes(ranked.slice(0, k))) {
      passing = k;
      break;
    }
    failing = k;
  }
  if (passing === ranked.length && (await wholeFails())) return undefined;
  while (passing - failing > 1) {
    const middle = (failing + passing) >>> 1;
    if (await passes(ranked.slice(0, middle))) passing = middle;
    else failing = middle;
  }
  const needed: T[] = [ranked[passing - 1]!];
  onMinimise?.();
  // 2. `needed` plus the prefix of length `limit` passes; find the last needed node below `limit`.
  let limit = passing - 1;
  while (limit > 0) {
    // Keeping `keep` nodes of the prefix: `keepPassing` passes, `keepFailing` fails.
    let keepPassing = limit;
    let keepFailing = -1;
    for (let drop = 1; ; drop *= 2) {
      const keep = Math.max(0, limit - drop);
      if (await passes([...needed, ...ranked.slice(0, keep)])) {
        keepPassing = keep;
        if (keep === 0) break;
      } else {
        keepFailing = keep;
        break;
      }
    }
    if (keepFailing < 0) break; // the needed nodes alone pass
    while (keepPassing - keepFailing > 1) {
      const middle = (keepFailing + keepPassing) >>> 1;
      if (await passes([...needed, ...ranked.slice(0, middle)])) keepPassing = middle;
      else keepFailing = middle;
    }
    // Keeping keepPassing nodes passes, one fewer fails: node keepPassing - 1 is needed.
    needed.push(ranked[keepPassing - 1]!);
    limit = keepPassing - 1;
  }
  return needed;
}
