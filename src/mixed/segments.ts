/**
 * onnxconverter-common's bisection (SegmentList), decision for decision: one segment of all
 * candidates; repeatedly take the largest segment neither good nor bad (the first on ties), try
 * converting it with every segment that is not good kept float32; success marks it good, failure
 * marks a one-node segment bad and splits a larger one into size//2 and the rest, left first.
 * What stays float32 at the end is every node outside a good segment.
 */

export interface Segment {
  readonly start: number;
  readonly size: number;
  good: boolean;
  bad: boolean;
}

/** Runs the bisection over `candidates` with `passes(blocked)`; returns the nodes to keep float32. */
export async function bisect<T>(
  candidates: readonly T[],
  passes: (blocked: readonly T[], segments: readonly Segment[], current: Segment) => Promise<boolean>,
  alwaysBlocked: readonly T[] = [],
): Promise<T[]> {
  const segments: Segment[] = candidates.length > 0 ? [{ start: 0, size: candidates.length, good: false, bad: false }] : [];
  const nodesOf = (segment: Segment) => candidates.slice(segment.start, segment.start + segment.size);
  for (;;) {
    let current: Segment | undefined;
    for (const segment of segments) {
      if (!segment.good && !segment.bad && (!current || segment.size > current.size)) current = segment;
    }
    if (!current) break;
    const blocked = [...alwaysBlocked, ...segments.filter((s) => s !== current && !s.good).flatMap(nodesOf)];
    if (await passes(blocked, segments, current)) {
      current.good = true;
    } else if (current.size === 1) {
      current.bad = true;
    } else {
      const half = Math.floor(current.size / 2);
      const index = segments.indexOf(current);
      segments.splice(index, 1, { start: current.start, size: half, good: false, bad: false }, { start: current.start + half, size: current.size - half, good: false, bad: false });
    }
  }
  return [...alwaysBlocked, ...segments.filter((s) => !s.good).flatMap(nodesOf)];
}

/**
 * How many candidate nodes are converted (good), kept (bad) and still undecided; with `decided`,
 * as they will be once the attempt on that segment has passed or failed.
 */
export function segmentCounts(segments: readonly Segment[], decided?: { segment: Segment; passed: boolean }): { converted: number; kept: number; pending: number } {
  let converted = 0;
  let kept = 0;
  let pending = 0;
  for (const s of segments) {
    const good = s.good || (decided?.segment === s && decided.passed);
    const bad = s.bad || (decided?.segment === s && !decided.passed && s.size === 1);
    if (good) converted += s.size;
    else if (bad) kept += s.size;
    else pending += s.size;
  }
  return { converted, kept, pending };
}
