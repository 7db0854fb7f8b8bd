import { expect, test } from "vitest";
import { formatS10, readScan, reasonNeeded, sameDocument } from "./counter";

test("a scanner's S10 and a typed reference are recognised", () => {
  expect(readScan(" ra 123 456 785 fr")).toEqual({ value: "RA123456785FR", kind: "s10" });
  expect(readScan("pa-2026-000012")).toEqual({ value: "PA-2026-000012", kind: "reference" });
  expect(readScan("12345").kind).toBe("unknown");
});

test("S10 numbers are printed in groups", () => {
  expect(formatS10("RA123456785FR")).toBe("RA 123 456 785 FR");
  expect(formatS10("abc")).toBe("ABC");
});

test("document numbers compare without spaces and case; a difference needs a reason", () => {
  expect(sameDocument("x4rt 56 7", "X4RT567")).toBe(true);
  expect(sameDocument("", "")).toBe(false);
  expect(reasonNeeded("X4RT567", "X4RT567")).toBe(false);
  expect(reasonNeeded("X4RT568", "X4RT567")).toBe(true);
  expect(reasonNeeded("X4RT568", null)).toBe(true);
});
