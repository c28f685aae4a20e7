// Page arithmetic shared by every paged list (the App Home, `/autofix list`).

/** Pages needed for `total` items; an empty list still has its one (empty) page. */
export function pageCount(total: number, perPage: number): number {
  return Math.max(1, Math.ceil(total / perPage));
}

/** A requested page clamped into the existing ones (lists shrink between clicks). */
export function clampPage(requested: number, total: number, perPage: number): number {
  return Math.min(Math.max(1, requested), pageCount(total, perPage));
}
