import { expect, test } from "vitest";
import {
  CHOOSER_FILTERS,
  addedLabel,
  extensionOf,
  isAccepted,
  mergeIntoText,
  mergePaths,
  refusedMessage,
  splitPaths,
} from "./intakeFiles";

test("scans are accepted whatever the case of their extension", () => {
  for (const p of ["/a/b.pdf", "/a/b.PDF", "c.jpg", "c.JPEG", "d.png", "e.tif", "e.Tiff", "C:\\scans\\x.pdf"]) {
    expect(isAccepted(p), p).toBe(true);
  }
  for (const p of ["/a/fichier.docx", "/a/notes.txt", "/a/sans-extension", "/a/.pdf", "/a.pdf/dossier"]) {
    expect(isAccepted(p), p).toBe(false);
  }
  expect(extensionOf("/x/y.tar.GZ")).toBe("gz");
  expect(extensionOf("/x.d/y")).toBe("");
});

test("a refused file is named, in French, without its folder", () => {
  expect(refusedMessage("/home/agent/fichier.docx")).toBe(
    "fichier.docx : format non pris en charge (PDF, JPEG, PNG ou TIFF attendu)",
  );
});

test("new files join the typed ones, in order, once each", () => {
  const m = mergePaths(["/s/a.pdf"], ["/s/b.png", "/s/a.pdf", "/s/b.png", " /s/c.tiff ", "", "/s/d.docx"]);
  expect(m.paths).toEqual(["/s/a.pdf", "/s/b.png", "/s/c.tiff"]);
  expect(m.added).toEqual(["/s/b.png", "/s/c.tiff"]);
  expect(m.refused).toEqual(["d.docx : format non pris en charge (PDF, JPEG, PNG ou TIFF attendu)"]);
});

test("the text area keeps one path per line", () => {
  expect(splitPaths("  /a.pdf\r\n\n/b.pdf  \n")).toEqual(["/a.pdf", "/b.pdf"]);
  const m = mergeIntoText("/a.pdf\n\n", ["/b.jpg", "/a.pdf"]);
  expect(m.text).toBe("/a.pdf\n/b.jpg");
  expect(mergeIntoText("", ["/x.txt"]).text).toBe("");
});

test("the chooser filter lists both cases for GTK", () => {
  expect(CHOOSER_FILTERS[0].extensions).toContain("pdf");
  expect(CHOOSER_FILTERS[0].extensions).toContain("TIFF");
  expect(CHOOSER_FILTERS[0].name).toMatch(/PDF, JPEG, PNG, TIFF/);
});

test("the status line agrees in number", () => {
  expect(addedLabel(0)).toBe("Aucun fichier ajouté.");
  expect(addedLabel(1)).toBe("1 fichier ajouté à l'enveloppe.");
  expect(addedLabel(3)).toBe("3 fichiers ajoutés à l'enveloppe.");
});
