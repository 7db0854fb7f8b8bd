// The counter desk: what a barcode scanner types, and when a reason is due.

export type ScanKind = "s10" | "reference" | "unknown";

/** What was typed or scanned: upper case, no spaces (`ra 123 456 785 fr` →
 * `RA123456785FR`), and whether it looks like an S10 number or a reference. */
export function readScan(raw: string): { value: string; kind: ScanKind } {
  const value = raw.replace(/\s+/g, "").toUpperCase();
  if (/^[A-Z]{2}\d{9}[A-Z]{2}$/.test(value)) return { value, kind: "s10" };
  if (/^PA-\d{4}-\d{6}$/.test(value)) return { value, kind: "reference" };
  return { value, kind: "unknown" };
}

/** `RA123456785FR` → `RA 123 456 785 FR`. */
export function formatS10(s: string | null | undefined): string {
  const v = (s ?? "").replace(/\s+/g, "").toUpperCase();
  const m = /^([A-Z]{2})(\d{3})(\d{3})(\d{3})([A-Z]{2})$/.exec(v);
  return m ? `${m[1]} ${m[2]} ${m[3]} ${m[4]} ${m[5]}` : v;
}

/** Document numbers compared without spaces, dashes or case. */
export function sameDocument(a: string | null | undefined, b: string | null | undefined): boolean {
  const n = (s: string | null | undefined) => (s ?? "").replace(/[\s-]+/g, "").toUpperCase();
  return n(a) !== "" && n(a) === n(b);
}

/** A number that differs from the case's document needs a reason
 * (`counter::verify`), whatever the outcome. */
export function reasonNeeded(typed: string, expected: string | null | undefined): boolean {
  return !sameDocument(typed, expected);
}
