import { describe, expect, it } from "vitest";
import {
  daysLeftLabel,
  fileName,
  parseDateFr,
  todayFr,
  formatConfidence,
  formatDate,
  pageRange,
  QUEUE_ORDER,
  roleLabel,
  sentence,
  STATUS_LABELS,
  statusLabel,
} from "./format";

describe("formatDate", () => {
  it("writes ISO dates as JJ/MM/AAAA", () => {
    expect(formatDate("2026-03-05")).toBe("05/03/2026");
    expect(formatDate("1984-12-31")).toBe("31/12/1984");
    expect(formatDate("2026-03-05T10:00:00")).toBe("05/03/2026");
  });
  it("leaves what is not a date as it is, and empty as empty", () => {
    expect(formatDate("32 mars")).toBe("32 mars");
    expect(formatDate(null)).toBe("");
    expect(formatDate("")).toBe("");
  });
});

describe("status labels", () => {
  it("names every status of SPEC §5 in French", () => {
    expect(statusLabel("in_review")).toBe("En instruction");
    expect(statusLabel("awaiting_pickup")).toBe("En instance au guichet");
    expect(statusLabel("verified")).toBe("Identité vérifiée");
    expect(Object.keys(STATUS_LABELS)).toHaveLength(11);
  });
  it("orders every status once in the work queues", () => {
    expect(new Set(QUEUE_ORDER).size).toBe(11);
    for (const s of QUEUE_ORDER) expect(STATUS_LABELS[s]).toBeTruthy();
  });
});

describe("other labels", () => {
  it("names roles, ranges and confidences in French", () => {
    expect(roleLabel("counter_agent")).toBe("Guichetier");
    expect(pageRange(0, 0, 0)).toBe("Aucun dossier");
    expect(pageRange(50, 50, 1234)).toMatch(/^51–100 sur 1\s234$/);
    expect(formatConfidence(0.934)).toBe("93 %");
  });
});

describe("sentence", () => {
  it("capitalises and ends with a full stop, once", () => {
    expect(sentence("mot de passe trop court")).toBe("Mot de passe trop court.");
    expect(sentence("Déjà une phrase.")).toBe("Déjà une phrase.");
    expect(sentence("  ")).toBe("");
  });
});


it("receipt dates are typed JJ/MM/AAAA and must exist", () => {
  expect(parseDateFr("24/02/1984")).toBe("1984-02-24");
  expect(parseDateFr("1/3/2026")).toBe("2026-03-01");
  expect(parseDateFr("2026-03-01")).toBe("2026-03-01");
  expect(parseDateFr("31/02/2026")).toBeNull();
  expect(parseDateFr("demain")).toBeNull();
  expect(todayFr(new Date(2026, 2, 5))).toBe("05/03/2026");
});

it("days left and file names read naturally", () => {
  expect(daysLeftLabel(-3)).toBe("3 jours de retard");
  expect(daysLeftLabel(1)).toBe("reste 1 jour");
  expect(daysLeftLabel(0)).toBe("échéance aujourd'hui");
  expect(fileName("/tmp/x/lot-3.pdf")).toBe("lot-3.pdf");
});
