import { describe, expect, test } from "vitest";
import type { CaseDto, CheckDto, FieldDto } from "../bindings";
import {
  editValue,
  firstToReview,
  formatNir,
  isChanged,
  isUncertain,
  mrzName,
  reasonRequired,
  proofReading,
  reviewOrder,
  withoutCliOptions,
} from "./review";

function f(key: string, value: string | null, kind = "text", extra: Partial<FieldDto> = {}): FieldDto {
  return { key, label: key, mandatory: true, value, is_date: kind === "date", kind, confidence: 0.9, ...extra };
}
function k(code: string, field: string | null, blocking = false): CheckDto {
  return { code, field, blocking, sentence: code };
}

const fields = [
  f("civility", "madame", "choice"),
  f("last_name", "DUPONT", "name"),
  f("birth_name", "DUPONT", "name"),
  f("first_names", "ÉLODIE MARIE", "names"),
  f("birth_date", "1984-02-24", "date"),
  f("nir", "284022A00412345", "nir"),
  f("signature", "Oui", "signature"),
];

describe("review order", () => {
  test("uncertain readings come first, then fields with a check, then the rest", () => {
    const checks = [k("NIR_INVALID", "nir", true), k("FIELD_UNCERTAIN", "birth_date"), k("FIELD_UNCERTAIN", "last_name")];
    expect(reviewOrder(fields, checks).slice(0, 3)).toEqual(["last_name", "birth_date", "nir"]);
    expect(firstToReview(fields, checks)).toBe("last_name");
    expect(isUncertain("birth_date", checks)).toBe(true);
    expect(isUncertain("nir", checks)).toBe(false);
  });
  test("without checks the form's order is kept", () => {
    expect(reviewOrder(fields, [])).toEqual(fields.map((x) => x.key));
    expect(firstToReview([], [])).toBeNull();
  });
});

describe("inputs", () => {
  test("dates show as JJ/MM/AAAA, boxes as Oui/Non, empty as nothing", () => {
    expect(editValue(fields[4])).toBe("24/02/1984");
    expect(editValue(f("motive_other", null, "checkbox"))).toBe("Non");
    expect(editValue(f("phone", null))).toBe("");
  });
  test("a change ignores case and spacing", () => {
    expect(isChanged(fields[1], " dupont ")).toBe(false);
    expect(isChanged(fields[1], "DUPOND")).toBe(true);
    expect(isChanged(fields[4], "24/02/1984")).toBe(false);
  });
});

describe("decisions", () => {
  test("reasons are required as review::decide requires them", () => {
    expect(reasonRequired("approve", 0)).toBe(false);
    expect(reasonRequired("approve", 2)).toBe(true);
    expect(reasonRequired("reject", 0)).toBe(true);
    expect(reasonRequired("incomplete", 1)).toBe(false);
    expect(reasonRequired("incomplete", 0)).toBe(true);
  });
});

describe("proofs beside the form", () => {
  const c = {
    fields,
    id_document: {
      kind: "passport",
      surname: "DUPON",
      given_names: ["ELODIE", "MARIE"],
      birth_date: "1984-02-25",
      expiry_date: null,
      document_number: "X",
      sex: "F",
      mrz_valid: true,
    },
    ssn_proof: { kind: "carte_vitale", nir: "284022A00412345" },
  } as unknown as CaseDto;
  test("MRZ names drop accents and separators", () => {
    expect(mrzName("Élodie-Marie d'Arc")).toBe("ELODIE<MARIE<D<ARC");
  });
  test("the ID document agrees, truncated names included", () => {
    expect(proofReading(c, "birth_name")).toEqual({ source: "Pièce d'identité", value: "DUPON", agrees: "yes" });
    expect(proofReading(c, "first_names")?.agrees).toBe("yes");
    expect(proofReading(c, "first_names")?.value).toBe("ELODIE MARIE");
    expect(proofReading(c, "birth_date")).toEqual({ source: "Pièce d'identité", value: "25/02/1984", agrees: "no" });
    expect(proofReading(c, "postcode")).toBeNull();
  });
  test("the NIR of the proof is compared and printed in groups", () => {
    expect(proofReading(c, "nir")).toEqual({ source: "Carte Vitale", value: "2 84 02 2A 004 123 45", agrees: "yes" });
    expect(formatNir("12")).toBe("12");
    expect(proofReading({ ...c, ssn_proof: null, id_document: null } as CaseDto, "nir")).toBeNull();
    expect(proofReading({ ...c, ssn_proof: null, id_document: null } as CaseDto, "birth_name")).toBeNull();
  });
});

test("command-line options are not shown in the window", () => {
  expect(withoutCliOptions("un rejet doit être motivé (--reason) : le motif figure")).toBe(
    "un rejet doit être motivé : le motif figure",
  );
  expect(withoutCliOptions("indiquez le motif avec --reason (pièce renouvelée)")).toBe(
    "indiquez le motif dans le champ « Motif » (pièce renouvelée)",
  );
});
