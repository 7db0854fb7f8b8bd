// Rules of the review screen: which fields to look at first, what the input
// shows, when a decision needs a reason, how the proofs compare with the form.
import type { CaseDto, CheckDto, DecisionDto, FieldDto, IdDocumentDto } from "../bindings";
import { formatDate } from "./format";

/** The field was read with a confidence under the threshold (FIELD_UNCERTAIN). */
export function isUncertain(key: string, checks: CheckDto[]): boolean {
  return checks.some((c) => c.code === "FIELD_UNCERTAIN" && c.field === key);
}

/** The checks that concern one field. */
export function checksOf(key: string, checks: CheckDto[]): CheckDto[] {
  return checks.filter((c) => c.field === key);
}

/** Keys in the order a clerk goes through them: uncertain readings first,
 * then fields with another check, then the rest, each in the form's order. */
export function reviewOrder(fields: FieldDto[], checks: CheckDto[]): string[] {
  const rank = (f: FieldDto) =>
    isUncertain(f.key, checks) ? 0 : checksOf(f.key, checks).length > 0 ? 1 : 2;
  return fields
    .map((f, i) => ({ f, i }))
    .sort((a, b) => rank(a.f) - rank(b.f) || a.i - b.i)
    .map((x) => x.f.key);
}

/** The key to focus when the case opens: the first uncertain reading, else
 * the first field with a check, else the first field. */
export function firstToReview(fields: FieldDto[], checks: CheckDto[]): string | null {
  return reviewOrder(fields, checks)[0] ?? null;
}

/** Whether a field is a yes/no box (checkbox, signature). */
export function isBox(f: FieldDto): boolean {
  return f.kind === "checkbox" || f.kind === "signature";
}

/** The text the input shows: dates JJ/MM/AAAA, boxes Oui/Non, empty as "". */
export function editValue(f: FieldDto): string {
  if (f.value === null) return isBox(f) ? "Non" : "";
  return f.is_date ? formatDate(f.value) : f.value;
}

/** Whether the clerk typed something else than what is stored. */
export function isChanged(f: FieldDto, typed: string): boolean {
  const norm = (s: string) => s.trim().replace(/\s+/g, " ").toUpperCase();
  return norm(typed) !== norm(editValue(f));
}

/** Blocking checks still open. */
export function blockingCount(c: CaseDto): number {
  return c.checks.filter((k) => k.blocking).length;
}

/** Whether a decision needs a written reason (as `review::decide` requires). */
export function reasonRequired(d: DecisionDto, blocking: number): boolean {
  if (d === "reject") return true;
  if (d === "approve") return blocking > 0;
  return blocking === 0;
}

/** Names compared as an MRZ compares them: no accents, upper case, space,
 * hyphen and apostrophe alike. */
export function mrzName(s: string | null | undefined): string {
  return (s ?? "")
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .toUpperCase()
    .replace(/[\s'’-]+/g, "<")
    .replace(/^<+|<+$/g, "");
}

export type Agreement = "yes" | "no" | "unknown";

/** What a proof says about one field of the form. */
export interface ProofReading {
  /** Where it was read (`Pièce d'identité`, `Carte Vitale`). */
  source: string;
  /** As read on the proof, for display. */
  value: string;
  /** Whether it agrees with the form's value. */
  agrees: Agreement;
}

function field(c: CaseDto, key: string): string | null {
  return c.fields.find((f) => f.key === key)?.value ?? null;
}

function agree(a: string | null, b: string | null, same: (a: string, b: string) => boolean): Agreement {
  if (!a || !b) return "unknown";
  return same(a, b) ? "yes" : "no";
}

/** Names agree as the checks compare them with an MRZ: a truncated name
 * (a prefix) agrees. */
function sameName(a: string, b: string): boolean {
  const x = mrzName(a);
  const y = mrzName(b);
  return x === y || (y.length >= 2 && x.startsWith(y)) || (x.length >= 2 && y.startsWith(x));
}

/** `184127645108946` → `1 84 12 76 451 089 46` (as printed on a carte Vitale). */
export function formatNir(n: string | null | undefined): string {
  const s = (n ?? "").replace(/\s+/g, "");
  if (s.length !== 15) return s;
  return [s.slice(0, 1), s.slice(1, 3), s.slice(3, 5), s.slice(5, 7), s.slice(7, 10), s.slice(10, 13), s.slice(13)].join(" ");
}

/** The reading of a proof beside a form field: the ID document's surname,
 * given names and birth date; the social-security proof's NIR. */
export function proofReading(c: CaseDto, key: string): ProofReading | null {
  const d: IdDocumentDto | null = c.id_document;
  const mine = field(c, key);
  switch (key) {
    case "birth_name":
      if (!d) return null;
      return { source: "Pièce d'identité", value: d.surname || "—", agrees: agree(mine, d.surname, sameName) };
    case "first_names": {
      if (!d) return null;
      const first = (mine ?? "").split(/\s+/)[0] || null;
      return {
        source: "Pièce d'identité",
        value: d.given_names.join(" ") || "—",
        agrees: agree(first, d.given_names[0] ?? null, sameName),
      };
    }
    case "birth_date":
      if (!d) return null;
      return {
        source: "Pièce d'identité",
        value: formatDate(d.birth_date) || "—",
        agrees: agree(mine, d.birth_date, (a, b) => a === b),
      };
    case "nir": {
      const p = c.ssn_proof;
      if (!p) return null;
      return {
        source: p.kind === "carte_vitale" ? "Carte Vitale" : "Attestation de droits",
        value: formatNir(p.nir) || "—",
        agrees: agree(mine, p.nir, (a, b) => a.replace(/\s/g, "") === b.replace(/\s/g, "")),
      };
    }
    default:
      return null;
  }
}

/** Messages of `parcours-app` name the command-line options; the window has
 * fields instead. */
export function withoutCliOptions(message: string): string {
  return message
    .replace(/\s*\((?:--[a-z-]+)(?:[^)]*)\)/g, "")
    .replace(/\s+avec --reason\b/g, " dans le champ « Motif »")
    .replace(/\s*--[a-z-]+\b/g, "");
}
