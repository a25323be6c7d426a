/**
 * "Did you mean": the known name a misspelt one most likely meant. One rule serves option keys
 * ("keep_io_types" -> keepIoTypes), command-line flags (--keep-io-type -> --keep-io-types),
 * commands, and node, operator and graph input names.
 */

/** Case, `-` and `_` do not count: "keep_io_types", "--keep-io-types" and "keepIoTypes" are one spelling. */
function fold(name: string): string {
  return name.replace(/[-_]/g, '').toLowerCase();
}

/**
 * The known name `name` most likely meant: one spelt the same but for case, `-` and `_`; else the
 * only one it abbreviates; else the nearest within a few edits (2, or a third of its length, and fewer than its letters).
 * Undefined when none is that close.
 */
export function closestName(name: string, known: readonly string[]): string | undefined {
  const wanted = fold(name);
  const folded = known.map(fold);
  const same = folded.indexOf(wanted);
  if (same >= 0) return known[same];
  if (wanted !== '') {
    const extending = known.filter((_, i) => folded[i]!.startsWith(wanted));
    if (extending.length === 1) return extending[0];
  }
  let best: string | undefined;
  // Fewer edits than the name has letters: "-x" is not a typo of "--to".
  let bestDistance = Math.min(Math.max(2, Math.floor(wanted.length / 3)), wanted.length - 1) + 1;
  folded.forEach((candidate, i) => {
    const distance = editDistance(wanted, candidate);
    if (distance < bestDistance) {
      best = known[i];
      bestDistance = distance;
    }
  });
  return best;
}

/** Levenshtein distance (insertions, deletions, substitutions). */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      current[j] = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    previous = current;
  }
  return previous[b.length]!;
}
