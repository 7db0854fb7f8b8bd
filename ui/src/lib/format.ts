// Presentation rules of the UI: dates JJ/MM/AAAA, French labels.
import type { RoleDto, StatusDto } from "../bindings";

/** `2026-03-05` (or an ISO date-time) → `05/03/2026`; other text unchanged. */
export function formatDate(iso: string | null | undefined): string {
  if (!iso) return "";
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso.trim());
  if (!m) return iso;
  return `${m[3]}/${m[2]}/${m[1]}`;
}

/** Status labels of SPEC §5, as `parcours_domain::lifecycle::Status::label_fr`. */
export const STATUS_LABELS: Record<StatusDto, string> = {
  received: "Reçu",
  in_review: "En instruction",
  incomplete: "Incomplet",
  approved: "Approuvé",
  rejected: "Rejeté",
  letter_printed: "Lettre imprimée",
  dispatched: "Expédié",
  awaiting_pickup: "En instance au guichet",
  returned: "Retourné",
  verified: "Identité vérifiée",
  closed: "Clos",
};

/** The order of the work queues, as a clerk works through them. */
export const QUEUE_ORDER: StatusDto[] = [
  "in_review",
  "received",
  "incomplete",
  "approved",
  "letter_printed",
  "dispatched",
  "awaiting_pickup",
  "returned",
  "verified",
  "rejected",
  "closed",
];

export function statusLabel(s: StatusDto): string {
  return STATUS_LABELS[s] ?? s;
}

export const ROLE_LABELS: Record<RoleDto, string> = {
  clerk: "Agent de traitement",
  counter_agent: "Guichetier",
  manager: "Responsable",
  admin: "Administrateur",
};

export const ROLES: RoleDto[] = ["clerk", "counter_agent", "manager", "admin"];

export function roleLabel(r: RoleDto): string {
  return ROLE_LABELS[r] ?? r;
}

const DOC_KINDS: Record<string, string> = {
  cni_old: "Carte d'identité (ancien modèle)",
  cni: "Carte d'identité",
  passport: "Passeport",
  residence_permit: "Titre de séjour",
  other: "Autre document",
};

export function documentLabel(kind: string): string {
  return DOC_KINDS[kind] ?? kind;
}

const PAGE_KINDS: Record<string, string> = {
  form_page_1: "Formulaire, page 1",
  form_page_2: "Formulaire, page 2",
  id_proof: "Justificatif d'identité",
  ssn_proof: "Justificatif de sécurité sociale",
  notice: "Notice",
  blank: "Page blanche",
  unknown: "Page non reconnue",
};

export function pageLabel(kind: string): string {
  return PAGE_KINDS[kind] ?? kind;
}

/** `1 234` with a narrow no-break space, as French writes numbers. */
export function formatCount(n: number): string {
  return new Intl.NumberFormat("fr-FR").format(n);
}

/** `1–50 sur 1 234`, or `Aucun dossier`. */
export function pageRange(offset: number, shown: number, total: number): string {
  if (total === 0 || shown === 0) return "Aucun dossier";
  return `${formatCount(offset + 1)}–${formatCount(offset + shown)} sur ${formatCount(total)}`;
}

/** `0.934` → `93 %`. */
export function formatConfidence(c: number | null | undefined): string {
  if (c === null || c === undefined) return "";
  return `${Math.round(c * 100)} %`;
}

/** A message from the shell as a sentence: capital first, final full stop. */
export function sentence(s: string): string {
  const t = s.trim();
  if (!t) return t;
  return t[0].toUpperCase() + t.slice(1) + (/[.!?…]$/.test(t) ? "" : ".");
}

/** `24/02/1984` (or `24-02-1984`, or ISO) → `1984-02-24`; null when it is not
 * a real date. */
export function parseDateFr(s: string): string | null {
  const t = s.trim();
  let y: number, m: number, d: number;
  let r = /^(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})$/.exec(t);
  if (r) {
    [d, m, y] = [Number(r[1]), Number(r[2]), Number(r[3])];
  } else if ((r = /^(\d{4})-(\d{2})-(\d{2})$/.exec(t))) {
    [y, m, d] = [Number(r[1]), Number(r[2]), Number(r[3])];
  } else {
    return null;
  }
  const dt = new Date(Date.UTC(y, m - 1, d));
  if (dt.getUTCFullYear() !== y || dt.getUTCMonth() !== m - 1 || dt.getUTCDate() !== d) return null;
  return `${String(y).padStart(4, "0")}-${String(m).padStart(2, "0")}-${String(d).padStart(2, "0")}`;
}

/** Today as JJ/MM/AAAA (local time). */
export function todayFr(now: Date = new Date()): string {
  const p = (n: number) => String(n).padStart(2, "0");
  return `${p(now.getDate())}/${p(now.getMonth() + 1)}/${now.getFullYear()}`;
}

/** `3 jours de retard`, `reste 1 jour`, `échéance aujourd'hui`. */
export function daysLeftLabel(days: number): string {
  if (days === 0) return "échéance aujourd'hui";
  const n = Math.abs(days);
  const unit = n > 1 ? "jours" : "jour";
  return days < 0 ? `${n} ${unit} de retard` : `reste ${n} ${unit}`;
}

/** The file name of a path (`/a/b/lot-3.pdf` → `lot-3.pdf`). */
export function fileName(p: string): string {
  return p.split(/[\\/]/).pop() ?? p;
}
