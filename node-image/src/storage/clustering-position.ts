// Positions in a partition's clustering order: full clusterings and slice/range-tombstone bounds
// on prefixes. A bound sits just before or just after every clustering that starts with its
// prefix (its "side"); comparing positions this way orders bounds, prefixes and rows uniformly.
// An empty start bound is the bottom and an empty end bound the top, whatever `inclusive` says.
import type { ClusteringBound, Clustering, RangeTombstone, Slice } from './model.ts';
import type { TableLayout } from './table-layout.ts';

/** -1: before every clustering with the prefix; 0: the clustering itself; +1: after them. */
export type Side = -1 | 0 | 1;

export function startSide(bound: ClusteringBound): Side {
  return bound.values.length === 0 || bound.inclusive ? -1 : 1;
}

export function endSide(bound: ClusteringBound): Side {
  return bound.values.length === 0 || bound.inclusive ? 1 : -1;
}

/** Compares (a, sideA) with (b, sideB), where a and b may be prefixes. */
export function comparePositions(
  layout: TableLayout,
  a: readonly Buffer[],
  sideA: Side,
  b: readonly Buffer[],
  sideB: Side,
): number {
  const comparators = layout.clusteringValueComparators;
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const c = comparators[i]!(a[i]!, b[i]!);
    if (c !== 0) return c;
  }
  if (a.length === b.length) return sideA - sideB;
  // One is a strict prefix of the other: the prefix's side decides. A full clustering (side 0)
  // shorter than a bound cannot happen for rows; treat it as before (prefix sorts first).
  if (a.length < b.length) return sideA === 0 ? -1 : sideA;
  return sideB === 0 ? 1 : -sideB;
}

/** Is `clustering` at or after the start bound? */
export function isAfterStart(layout: TableLayout, clustering: Clustering, start: ClusteringBound): boolean {
  return comparePositions(layout, clustering, 0, start.values, startSide(start)) > 0;
}

/** Is `clustering` at or before the end bound? */
export function isBeforeEnd(layout: TableLayout, clustering: Clustering, end: ClusteringBound): boolean {
  return comparePositions(layout, clustering, 0, end.values, endSide(end)) < 0;
}

export function sliceContains(layout: TableLayout, slice: Slice, clustering: Clustering): boolean {
  return isAfterStart(layout, clustering, slice.start) && isBeforeEnd(layout, clustering, slice.end);
}

export function rangeTombstoneCovers(layout: TableLayout, rt: RangeTombstone, clustering: Clustering): boolean {
  return isAfterStart(layout, clustering, rt.start) && isBeforeEnd(layout, clustering, rt.end);
}

/** Does [start, end] of `a` intersect [start, end] of `b` (both start-before-end)? */
export function rangesIntersect(
  layout: TableLayout,
  a: { readonly start: ClusteringBound; readonly end: ClusteringBound },
  b: { readonly start: ClusteringBound; readonly end: ClusteringBound },
): boolean {
  return (
    comparePositions(layout, a.start.values, startSide(a.start), b.end.values, endSide(b.end)) < 0 &&
    comparePositions(layout, b.start.values, startSide(b.start), a.end.values, endSide(a.end)) < 0
  );
}

/** Is the slice empty (its start is not before its end)? */
export function isEmptySlice(layout: TableLayout, slice: Slice): boolean {
  return comparePositions(layout, slice.start.values, startSide(slice.start), slice.end.values, endSide(slice.end)) >= 0;
}

export function boundsEqual(a: ClusteringBound, b: ClusteringBound): boolean {
  if (a.inclusive !== b.inclusive || a.values.length !== b.values.length) return false;
  for (let i = 0; i < a.values.length; i++) if (!a.values[i]!.equals(b.values[i]!)) return false;
  return true;
}

/** The slice selecting exactly one clustering. */
export function sliceOfClustering(clustering: Clustering): Slice {
  return { start: { values: clustering, inclusive: true }, end: { values: clustering, inclusive: true } };
}

export const FULL_SLICE: Slice = { start: { values: [], inclusive: true }, end: { values: [], inclusive: true } };
