// The list of files of one envelope on the intake screen: paths typed (one
// per line), chosen in the file chooser or dropped on the window all join
// the same list, in order, once each; files of another format are refused
// with a French message naming them. No Tauri here: tested with Vitest.
import { fileName } from "./format";

/** Extensions intake reads (as the shell's scanner folder, lower case). */
export const ACCEPTED_EXTENSIONS = ["pdf", "jpg", "jpeg", "png", "tif", "tiff"] as const;

/** The file chooser's filter. GTK matches patterns case-sensitively: both cases. */
export const CHOOSER_FILTERS = [
  {
    name: "Scans (PDF, JPEG, PNG, TIFF)",
    extensions: ACCEPTED_EXTENSIONS.flatMap((e) => [e, e.toUpperCase()]),
  },
];

/** The extension of a path, lower case, or "" without one. */
export function extensionOf(path: string): string {
  const name = fileName(path);
  const dot = name.lastIndexOf(".");
  return dot > 0 ? name.slice(dot + 1).toLowerCase() : "";
}

export function isAccepted(path: string): boolean {
  return (ACCEPTED_EXTENSIONS as readonly string[]).includes(extensionOf(path));
}

/** The French message of a refused file. */
export function refusedMessage(path: string): string {
  return `${fileName(path)} : format non pris en charge (PDF, JPEG, PNG ou TIFF attendu)`;
}

/** The paths of the text area, one per line, blanks dropped. */
export function splitPaths(text: string): string[] {
  return text
    .split(/\r?\n/)
    .map((p) => p.trim())
    .filter(Boolean);
}

export interface Merged {
  /** The list, in order: the current paths then the new accepted ones. */
  paths: string[];
  /** What was added. */
  added: string[];
  /** One French message per refused file. */
  refused: string[];
}

/** Adds `incoming` after `current`: accepted formats only, each path once
 * (a path already there, typed or chosen, is not added again). */
export function mergePaths(current: string[], incoming: string[]): Merged {
  const paths = [...current];
  const seen = new Set(current.map((p) => p.trim()));
  const added: string[] = [];
  const refused: string[] = [];
  for (const raw of incoming) {
    const p = raw.trim();
    if (!p || seen.has(p)) continue;
    if (!isAccepted(p)) {
      refused.push(refusedMessage(p));
      continue;
    }
    seen.add(p);
    paths.push(p);
    added.push(p);
  }
  return { paths, added, refused };
}

/** `mergePaths` on the text area's content; returns the new text. */
export function mergeIntoText(text: string, incoming: string[]): Merged & { text: string } {
  const m = mergePaths(splitPaths(text), incoming);
  return { ...m, text: m.paths.join("\n") };
}

/** "2 fichiers ajoutés", for the drop zone's status line. */
export function addedLabel(n: number): string {
  if (n === 0) return "Aucun fichier ajouté.";
  return `${n} fichier${n > 1 ? "s" : ""} ajouté${n > 1 ? "s" : ""} à l'enveloppe.`;
}
