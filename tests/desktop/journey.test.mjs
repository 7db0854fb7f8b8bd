// The desktop journeys in the real window: first run, admin adds accounts and
// the S10 range, a clerk sees the queues, a counter agent sees only the
// lookup field; then a day's work: a clerk takes two envelopes in (typed
// paths and the scanner folder), corrects a field, approves, prints the batch
// and hands it to La Poste; the counter agent scans the letter's S10 and
// verifies the ID; the manager's dashboard shows what the database holds.
// Needs: PARCOURS_APP (the binary built with custom-protocol), TAURI_DRIVER,
// PARCOURS_DB (a fresh temp file), a DISPLAY (xvfb-run). See run.sh.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { remote } from "webdriverio";
import { startDriver } from "./driver.mjs";

const APP = required("PARCOURS_APP");
const DRIVER = required("TAURI_DRIVER");
required("PARCOURS_DB");
const SEED = process.env.PARCOURS_SEED; // optional: target/debug/examples/seed
const SHOTS = process.env.SHOTS_DIR || "/tmp/shots";
const DRIVER_LOG = process.env.DRIVER_LOG || path.join(SHOTS, "tauri-driver.log");
// Two envelopes (PDF + its expected.json): one typed into the intake form,
// one dropped into the scanner folder. Optional: the work journey is skipped without them.
const ENVELOPES = (process.env.PARCOURS_ENVELOPES || "").split(":").filter(Boolean);
const SCANNER = process.env.PARCOURS_SCANNER_DIR;
mkdirSync(SHOTS, { recursive: true });

function required(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run tests/desktop/run.sh`);
  return v;
}

let driver;

before(async () => {
  driver = await startDriver(DRIVER, DRIVER_LOG);
});

after(async () => {
  await driver?.stop();
});

async function openApp() {
  return remote({
    hostname: "127.0.0.1",
    port: driver.port,
    logLevel: "error",
    connectionRetryCount: 0,
    capabilities: {
      "tauri:options": { application: APP },
      "wdio:enforceWebDriverClassic": true,
    },
  });
}

// Resolves once the webview has produced two frames since the last change.
async function painted(b) {
  await b.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(() => done())));
}

// When the first screen was drawn, from `t0` (before the session, which
// starts the process): the page's own mark (App.svelte), without WebDriver's
// polling; null without the mark.
async function drawnAt(b, t0) {
  const [origin, drawn] = await b.execute(() => [performance.timeOrigin, performance.getEntriesByName("parcours:first-screen")[0]?.startTime]);
  return drawn == null ? null : Math.round(origin + drawn - t0);
}

async function shot(b, name) {
  await painted(b);
  await b.pause(150);
  // WebKitWebDriver may hand back the previous frame once: take two.
  await b.takeScreenshot();
  await b.saveScreenshot(path.join(SHOTS, `${name}.png`));
}

async function typeInto(b, selector, text) {
  const el = await b.$(selector);
  await el.waitForDisplayed({ timeout: 10000 });
  await el.clearValue();
  await el.setValue(text);
  return el;
}

async function login(b, name, password) {
  await b.$("#login-title").waitForDisplayed({ timeout: 10000 });
  await typeInto(b, "#login-name", name);
  const pw = await typeInto(b, "#login-password", password);
  await pw.addValue("\uE007"); // Enter submits
}

async function logout(b) {
  await b.$("#logout").click();
  await b.$("#login-title").waitForDisplayed({ timeout: 10000 });
}

async function focused(b, id) {
  let last = "";
  const where = () =>
    b.execute(() => {
      const a = document.activeElement;
      return a ? `${a.tagName.toLowerCase()}#${a.id}` : "none";
    });
  try {
    await b.waitUntil(async () => (last = await where()) === `${last.split("#")[0]}#${id}`, {
      timeout: 5000,
    });
  } catch {
    throw new Error(`focus is on ${last}, not on #${id}`);
  }
}

async function bodyText(b) {
  return b.execute(() => document.body.innerText);
}

test("first run, accounts, clerk queue, counter agent", { timeout: 300000 }, async () => {
  const t0 = Date.now();
  const b = await openApp();
  try {
    await b.$("#first-title").waitForDisplayed({ timeout: 30000 });
    await painted(b);
    console.log(`first paint (first-run screen): ${Date.now() - t0} ms as seen by WebDriver, drawn at ${await drawnAt(b, t0)} ms`);
    await focused(b, "fr-name");
    await shot(b, "01-first-run");

    // A mismatch is said in French, and nothing is created.
    await typeInto(b, "#fr-name", "admin");
    await typeInto(b, "#fr-password", "motdepasse-admin");
    const confirm = await typeInto(b, "#fr-confirm", "autre-chose");
    await confirm.addValue("\uE007");
    await b.$(".error").waitForDisplayed({ timeout: 5000 });
    assert.match(await b.$(".error").getText(), /pas identiques/);
    await shot(b, "02-first-run-error");
    const ok = await typeInto(b, "#fr-confirm", "motdepasse-admin");
    await ok.addValue("\uE007");

    // Admin: accounts screen.
    await b.$("#users-title").waitForDisplayed({ timeout: 15000 });
    assert.equal(await b.$(".shell").getAttribute("data-role"), "admin");
    await b.$("tr[data-user='admin']").waitForDisplayed({ timeout: 5000 });
    await shot(b, "03-admin-users");

    for (const [name, role] of [
      ["alice", "clerk"],
      ["bob", "counter_agent"],
      ["carole", "manager"],
    ]) {
      await typeInto(b, "#u-name", name);
      await b.$("#u-role").selectByAttribute("value", role);
      const pw = await typeInto(b, "#u-password", `motdepasse-${name}`);
      await pw.addValue("\uE007");
      await b.$(`tr[data-user='${name}']`).waitForDisplayed({ timeout: 10000 });
    }
    // A duplicate is refused with a French message.
    await typeInto(b, "#u-name", "alice");
    const dup = await typeInto(b, "#u-password", "motdepasse-alice");
    await dup.addValue("\uE007");
    await b.$("#add-user .error").waitForDisplayed({ timeout: 5000 });
    assert.match(await b.$("#add-user .error").getText(), /existe déjà/);
    const users = await bodyText(b);
    assert.match(users, /alice\s+Agent de traitement/);
    assert.match(users, /bob\s+Guichetier/);
    await shot(b, "04-admin-users-added");

    // Settings: list, refuse a bad value, accept a good one.
    await b.$("[data-view='settings']").click();
    await b.$("#settings-title").waitForDisplayed({ timeout: 10000 });
    await shot(b, "05-admin-settings");
    const retention = await typeInto(b, "#s-retention-days", "-3");
    await retention.addValue("\uE007");
    const err = await b.$("form[data-key='retention.days'] .error");
    await err.waitForDisplayed({ timeout: 5000 });
    await err.scrollIntoView({ block: "center" });
    await shot(b, "06-admin-settings-refused");
    const good = await typeInto(b, "#s-retention-days", "200");
    await good.addValue("\uE007");
    await b.$("form[data-key='retention.days'] .success").waitForDisplayed({ timeout: 5000 });
    // The registered-item range La Poste allotted: needed to print letters.
    for (const [key, value] of [
      ["s10.service", "RA"],
      ["s10.first", "12345670"],
      ["s10.last", "12349999"],
    ]) {
      const input = await typeInto(b, `#s-${key.replace(/\./g, "-")}`, value);
      await input.addValue("\uE007");
      await b.$(`form[data-key='${key}'] .success`).waitForDisplayed({ timeout: 5000 });
    }

    await logout(b);
    await shot(b, "07-login");

    // A wrong password is refused in French.
    await login(b, "alice", "pas-le-bon");
    await b.$("#login .error").waitForDisplayed({ timeout: 10000 });
    assert.match(await b.$("#login .error").getText(), /incorrect/);

    // Clerk: the work queues, empty.
    await login(b, "alice", "motdepasse-alice");
    await b.$("#queue-title").waitForDisplayed({ timeout: 15000 });
    assert.equal(await b.$(".shell").getAttribute("data-role"), "clerk");
    assert.equal(await b.$("#queue-title").getText(), "En instruction");
    await b.$("#queue-empty").waitForDisplayed({ timeout: 10000 });
    const queue = await bodyText(b);
    for (const label of ["Reçu", "Incomplet", "En instance au guichet", "Identité vérifiée"]) {
      assert.ok(queue.includes(label), `queue shows ${label}`);
    }
    await shot(b, "08-clerk-queue");

    // Checking a number on the phone, in French.
    await b.$("[data-view='check']").click();
    await b.$("#check-title").waitForDisplayed({ timeout: 10000 });
    const nirField = await typeInto(b, "#c-nir", "1 84 12 76 451 089 46");
    await nirField.addValue("\uE007");
    await b.waitUntil(async () => /Numéro valide/.test(await b.$("#check-nir").getText()), { timeout: 5000 });
    const s10Field = await typeInto(b, "#c-s10", "RA 123 456 784 FR");
    await s10Field.addValue("\uE007");
    await b.waitUntil(async () => /Numéro non valide/.test(await b.$("#check-s10").getText()), { timeout: 5000 });
    await shot(b, "08b-clerk-check");
    await logout(b);

    // Counter agent: one field, focused; no NIR anywhere; no case access.
    await login(b, "bob", "motdepasse-bob");
    await b.$("#counter-code").waitForDisplayed({ timeout: 15000 });
    assert.equal(await b.$(".shell").getAttribute("data-role"), "counter_agent");
    await focused(b, "counter-code");
    assert.equal((await b.$$("input")).length, 1, "a single input");
    const counter = await bodyText(b);
    assert.doesNotMatch(counter, /NIR|sécurité sociale|\b[12478]\s?\d{2}\s?\d{2}\s?(\d{2}|2A|2B)\s?\d{3}\s?\d{3}\s?\d{2}\b/i);
    const code = await typeInto(b, "#counter-code", "RA123456785FR");
    await code.addValue("\uE007");
    await b.$("#counter-error").waitForDisplayed({ timeout: 10000 });
    assert.match(await b.$("#counter-error").getText(), /Aucune lettre recommandée n° RA 123 456 785 FR/);
    await shot(b, "09-counter");
    const refused = await b.executeAsync((done) => {
      window.__TAURI_INTERNALS__
        .invoke("list_cases", { status: null, offset: 0, limit: 10 })
        .then(() => done("allowed"), (e) => done(e.code));
    });
    assert.equal(refused, "FORBIDDEN", "the session, not the UI, decides");
    await logout(b);

    // Cases arrive (as intake records them); the clerk pages through and opens one.
    if (SEED) {
      execFileSync(SEED, [process.env.PARCOURS_DB, "120", "alice", "motdepasse-alice"], { stdio: "inherit" });
      await login(b, "alice", "motdepasse-alice");
      await b.$("table.cases").waitForDisplayed({ timeout: 15000 });
      await b.waitUntil(async () => /1–50 sur 120/.test(await bodyText(b)), { timeout: 10000 });
      assert.match(await b.$("button[data-status='in_review']").getText(), /En instruction\s*120/);
      assert.match(await bodyText(b), /\d{2}\/\d{2}\/2026/, "dates as JJ/MM/AAAA");
      await shot(b, "11-clerk-queue-cases");
      const next = await b.$("button=Suivants");
      await next.scrollIntoView({ block: "center" });
      await next.click();
      await b.waitUntil(async () => /51–100 sur 120/.test(await bodyText(b)), { timeout: 10000 });
      const first = await b.$("table.cases button.link");
      const ref = await first.getText();
      await first.click();
      await b.$("section.case h1").waitForDisplayed({ timeout: 10000 });
      assert.equal(await b.$("section.case h1").getText(), `Dossier ${ref}`);
      const caseText = await bodyText(b);
      assert.match(caseText, /Contrôles/);
      assert.equal(await b.$("#f-birth_date").getValue(), "24/02/1984", "dates as JJ/MM/AAAA in the review form");
      await shot(b, "12-clerk-case");
      await b.execute(() => document.querySelector(".content").scrollTo(0, 1e6));
      await shot(b, "12b-clerk-case-end");
      await b.$("button.back").click();
      await b.$("table.cases").waitForDisplayed({ timeout: 10000 });
      await logout(b);

      // Manager: the same list, read-only.
      await login(b, "carole", "motdepasse-carole");
      await b.$("#dash-title").waitForDisplayed({ timeout: 15000 });
      await b.$("[data-view='queue']").click();
      await b.$("#queue-title").waitForDisplayed({ timeout: 15000 });
      assert.equal(await b.$(".shell").getAttribute("data-role"), "manager");
      assert.equal(await b.$("#queue-title").getText(), "Tous les dossiers");
      assert.match(await bodyText(b), /Consultation seule/);
      await b.waitUntil(async () => /1–50 sur 120/.test(await bodyText(b)), { timeout: 10000 });
      await shot(b, "13-manager-list");
      await logout(b);
    }
  } finally {
    await b.deleteSession();
  }
});

test("a restart opens on the login screen", { timeout: 60000 }, async () => {
  const t0 = Date.now();
  const b = await openApp();
  try {
    await b.$("#login-title").waitForDisplayed({ timeout: 30000 });
    await painted(b);
    const ms = Date.now() - t0;
    console.log(`first paint (login screen, from process start): ${ms} ms as seen by WebDriver, drawn at ${await drawnAt(b, t0)} ms`);
    // Keyboard: Tab goes from the login to the password, then the button.
    await focused(b, "login-name");
    await b.pause(300); // let the first paint settle before typing
    await b.keys(["Tab"]);
    await focused(b, "login-password");
    await b.keys(["Tab"]);
    await focused(b, "login-submit");
    await shot(b, "10-login-focus");
  } finally {
    await b.deleteSession();
  }
});

function truthOf(pdf) {
  return JSON.parse(readFileSync(pdf.replace(/\.pdf$/, ".expected.json"), "utf8"));
}

function frDate(iso) {
  const [y, m, d] = iso.split("-");
  return `${d}/${m}/${y}`;
}

function dbCounts() {
  return JSON.parse(execFileSync(SEED, [process.env.PARCOURS_DB, "--counts"], { encoding: "utf8" }));
}

/** Ticks a radio button, clicking again until it is ticked: a click that
 * lands while the page still scrolls to the first field is lost. */
async function choose(b, selector) {
  const el = await b.$(selector);
  await el.waitForDisplayed({ timeout: 10000 });
  await b.waitUntil(
    async () => {
      if (await el.isSelected()) return true;
      await el.scrollIntoView({ block: "center" });
      await el.click();
      return el.isSelected();
    },
    { timeout: 10000, timeoutMsg: `${selector} never got ticked` },
  );
}

async function waitText(b, selector, re, timeout = 10000) {
  const el = await b.$(selector);
  await el.waitForDisplayed({ timeout });
  await b.waitUntil(async () => re.test(await el.getText()), {
    timeout,
    timeoutMsg: `${selector} never matched ${re}`,
  });
  return el.getText();
}

async function invokeCode(b, cmd, args) {
  return b.executeAsync(
    (cmd, args, done) => {
      window.__TAURI_INTERNALS__.invoke(cmd, args).then(
        () => done("allowed"),
        (e) => done(e.code),
      );
    },
    cmd,
    args,
  );
}

test("a day's work: intake, review, print, counter, dashboard", { timeout: 300000, skip: ENVELOPES.length < 2 || !SCANNER || !SEED ? "needs PARCOURS_ENVELOPES, PARCOURS_SCANNER_DIR and PARCOURS_SEED (run.sh)" : false }, async () => {
  const [typed, scanned] = ENVELOPES;
  const truth = truthOf(typed);
  const received = frDate(truth.received);
  mkdirSync(SCANNER, { recursive: true });
  copyFileSync(scanned, path.join(SCANNER, path.basename(scanned)));
  const t0 = Date.now();
  const lap = (what) => console.log(`${what}: ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  const b = await openApp();
  try {
    // Clerk: one envelope from its file paths.
    await login(b, "alice", "motdepasse-alice");
    await b.$("[data-view='intake']").click();
    await b.$("#intake-title").waitForDisplayed({ timeout: 10000 });
    // The drop zone and the file chooser's button (native dialogs and drags
    // from the file manager cannot be driven from WebDriver).
    assert.match(await b.$("#drop-zone").getText(), /Déposez ici les fichiers/);
    assert.equal(await b.$("#intake-choose").getText(), "Choisir des fichiers…");
    await shot(b, "19-intake");
    // What the zone looks like while files are dragged over the window.
    await b.execute(() => document.getElementById("drop-zone").classList.add("dragging"));
    await shot(b, "19b-intake-dragging");
    await b.execute(() => document.getElementById("drop-zone").classList.remove("dragging"));
    await typeInto(b, "#in-received", received);
    await typeInto(b, "#in-paths", typed);
    await b.$("#intake-submit").click();
    await b.$("#intake-progress").waitForDisplayed({ timeout: 10000 });
    await shot(b, "20-intake-progress");
    const created = await b.$("#intake-results button.link");
    await created.waitForDisplayed({ timeout: 90000 });
    const ref = await created.getAttribute("data-ref");
    assert.match(ref, /^PA-\d{4}-\d{6}$/);
    lap("typed envelope read");

    // Review the case: thumbnails with their kinds, crops, proofs.
    await created.click();
    await b.$("#case-title").waitForDisplayed({ timeout: 10000 });
    assert.equal(await b.$("#case-title").getText(), `Dossier ${ref}`);
    await b.waitUntil(async () => (await b.$$(".thumb img")).length === truth.pages.length, { timeout: 20000, timeoutMsg: "page thumbnails" });
    // The strip holds small images, not the scans.
    const thumbWidths = () => b.execute(() => [...document.querySelectorAll(".thumb img")].map((i) => (i.complete ? i.naturalWidth : 0)));
    await b.waitUntil(async () => (await thumbWidths()).every((w) => w > 0), { timeout: 10000, timeoutMsg: "thumbnails decoded" });
    for (const w of await thumbWidths()) assert.ok(w <= 200, `a thumbnail is ${w} px wide, not a full scan`);
    const kinds = await b.$$(".thumb").map((t) => t.getAttribute("data-kind"));
    assert.deepEqual([...kinds].sort(), truth.pages.map((p) => p.kind).sort(), "every page with its kind");
    await b.waitUntil(async () => (await b.$$(".crop img")).length >= 10, { timeout: 10000, timeoutMsg: "field crops" });
    assert.match(await b.$("#proofs").getText(), new RegExp(truth.id_document.document_number));
    // The first field to review has the focus: an uncertain reading if any.
    const first = await b.$(".rubric").getAttribute("data-key");
    await focused(b, `f-${first}`);
    await shot(b, "23-review");
    // Opening a page loads the full scan.
    await b.$("#thumb-1").click();
    const full = await b.$(".viewer img");
    await full.waitForDisplayed({ timeout: 10000 });
    await b.waitUntil(async () => (await b.execute(() => document.querySelector(".viewer img")?.naturalWidth ?? 0)) > 400, { timeout: 10000, timeoutMsg: "the full page in the viewer" });
    await shot(b, "23b-review-page");
    await b.keys(["Escape"]);
    await b.$(".viewer").waitForExist({ reverse: true, timeout: 5000 });

    // Typing corrects; Enter records and moves on.
    const place = await typeInto(b, "#f-birth_place", "Lille");
    await place.addValue("\uE007");
    await waitText(b, ".rubric[data-key='birth_place'] .r-conf", /corrigé/);
    assert.equal(await b.$("#f-birth_place").getValue(), "Lille");
    await shot(b, "24-review-corrected");

    // Approve (a blocking check, if OCR raised one, needs a reason).
    await choose(b, "#decision-approve");
    if ((await b.$$("header .badge.blocking")).length > 0) {
      await typeInto(b, "#decision-reason", "Pièces vérifiées sur les originaux");
    }
    await b.$("#decision-submit").click();
    await waitText(b, "#decided", /Approuvé/);
    assert.equal(await b.$("#case-status").getText(), "Approuvé");
    await shot(b, "25-review-approved");
    lap("reviewed and approved");

    await b.$("[data-view='intake']").click();
    await b.$("#intake-title").waitForDisplayed({ timeout: 10000 });
    await typeInto(b, "#in-received", received);
    // The scanner folder: the second envelope, with its progress.
    await typeInto(b, "#in-scanner", SCANNER);
    await b.$("#intake-scanner button").click();
    await b.$("#scanner-take").waitForDisplayed({ timeout: 10000 });
    await shot(b, "21-intake-scanner");
    await b.$("#scanner-take").click();
    await b.$("#intake-progress").waitForDisplayed({ timeout: 10000 });
    await b.waitUntil(async () => (await b.$$("#intake-results button.link")).length === 1 && !(await b.$("#intake-progress").isExisting()), { timeout: 90000 });
    const ref2 = await b.$("#intake-results button.link").getAttribute("data-ref");
    assert.notEqual(ref2, ref);
    await b.$("#scanner-empty").waitForDisplayed({ timeout: 10000 });
    assert.ok(existsSync(path.join(SCANNER, "traites", path.basename(scanned))), "the scan is filed under traites/");
    await shot(b, "22-intake-done");
    lap("scanner envelope read");

    // A refusal is said in French, without command-line options.
    await b.$(`#intake-results button[data-ref='${ref2}']`).click();
    await b.$("#case-title").waitForDisplayed({ timeout: 10000 });
    await choose(b, "#decision-reject");
    await b.$("#decision-submit").scrollIntoView({ block: "center" });
    await b.$("#decision-submit").click();
    const refusal = await waitText(b, "#decision .error", /motivé/);
    assert.doesNotMatch(refusal, /--/);
    // With a reason, the rejection is recorded and its letter printed.
    await typeInto(b, "#decision-reason", "Le formulaire a été envoyé deux fois.");
    await b.$("#decision-submit").click();
    await waitText(b, "#decided", /Rejeté/);
    await b.$("#ordinary-print").click();
    const rejection = await waitText(b, "#ordinary-file", /\.pdf$/);
    assert.ok(existsSync(rejection), `${rejection} is on disk`);
    await b.$("#ordinary-letter").scrollIntoView({ block: "center" });
    await shot(b, "25b-review-rejected-letter");

    // Print the batch into the default folder: the PDFs exist.
    await b.$("[data-view='letters']").click();
    await waitText(b, "#approved-count", /1 dossier approuvé/);
    await shot(b, "26-letters");
    await b.$("#print-submit").click();
    await b.$("#batch-result").waitForDisplayed({ timeout: 60000 });
    const files = [await b.$("#batch-combined").getText(), await b.$("#batch-slip").getText()];
    const row = await b.$("#batch-result tr[data-s10]");
    const s10 = await row.getAttribute("data-s10");
    assert.match(s10, /^RA\d{9}FR$/);
    const folder = (await b.$("#batch-result p.hint code").getText()).trim();
    files.push(path.join(folder, await row.$("code").getText()));
    for (const f of files) assert.ok(existsSync(f) && statSync(f).size > 1000, `${f} is a PDF on disk`);
    // Each PDF can be opened or saved elsewhere (the viewer and the save
    // dialog are native: the copy is checked through its command).
    for (const f of files) {
      assert.equal((await b.$$(`button.pdf-open[data-file="${f}"]`)).length, 1, `Ouvrir ${f}`);
      const saveButton = await b.$(`button.pdf-save[data-file="${f}"]`);
      assert.equal(await saveButton.getText(), "Enregistrer sous…");
    }
    const copy = path.join(path.dirname(process.env.PARCOURS_DB), "copie-bordereau.pdf");
    assert.equal(await invokeCode(b, "save_letter_copy", { file: files[1], dest: copy }), "allowed");
    assert.deepEqual(readFileSync(copy), readFileSync(files[1]), "the copy is the slip");
    for (const [cmd, args] of [
      ["save_letter_copy", { file: process.env.PARCOURS_DB, dest: copy.replace(/\.pdf$/, "-2.pdf") }],
      ["open_letter", { file: process.env.PARCOURS_DB }],
      ["save_letter_copy", { file: copy, dest: copy.replace(/\.pdf$/, "-3.pdf") }],
    ]) {
      assert.equal(await invokeCode(b, cmd, args), "INVALID", `${cmd} takes files of the letters folder only`);
    }
    await shot(b, "27-letters-printed");
    await b.$("#dispatch-submit").click();
    await waitText(b, "#dispatched", /1 dossier expédié/);
    lap("printed and dispatched");
    await logout(b);

    // Counter agent: the scanner types the S10 then Enter.
    await login(b, "bob", "motdepasse-bob");
    await focused(b, "counter-code");
    await b.keys([...s10, "Enter"]);
    await b.$("#counter-card").waitForDisplayed({ timeout: 10000 });
    const card = await b.$("#counter-card").getText();
    assert.match(card, new RegExp(truth.id_document.document_number));
    assert.match(card, new RegExp(truth.fields.last_name.value, "i"));
    const everything = await bodyText(b);
    const nir = truth.fields.nir.value;
    assert.ok(!everything.replace(/\s/g, "").includes(nir), "the counter never shows the NIR");
    assert.doesNotMatch(everything, /sécurité sociale/i);
    await focused(b, "counter-number");
    await shot(b, "28-counter-found");
    // A number that differs needs a reason.
    const other = await typeInto(b, "#counter-number", "ZZ0000000");
    await other.addValue("\uE007");
    await b.$("#counter-mismatch").waitForDisplayed({ timeout: 5000 });
    await b.$("#counter-error").waitForDisplayed({ timeout: 5000 });
    const good = await typeInto(b, "#counter-number", truth.id_document.document_number);
    await good.addValue("\uE007");
    await waitText(b, "#counter-recorded", /Identité vérifiée/);
    await focused(b, "counter-code");
    await shot(b, "29-counter-verified");
    // The session, not the window, keeps a counter agent away from case data.
    for (const [cmd, args] of [
      ["show_case", { reference: ref }],
      ["field_crops", { reference: ref }],
      ["page_image", { reference: ref, index: 1 }],
      ["page_thumbnail", { reference: ref, index: 1 }],
      ["save_letter_copy", { file: files[1], dest: copy.replace(/\.pdf$/, "-4.pdf") }],
      ["list_cases", { status: null, offset: 0, limit: 10 }],
      ["backlog", {}],
    ]) {
      assert.equal(await invokeCode(b, cmd, args), "FORBIDDEN", `${cmd} is refused to a counter agent`);
    }
    lap("verified at the counter");
    await logout(b);

    // Manager: the dashboard shows what the database holds.
    await login(b, "carole", "motdepasse-carole");
    await b.$("#chart-status").waitForDisplayed({ timeout: 15000 });
    const db = dbCounts();
    assert.equal(await b.$("#tile-total").getText(), new Intl.NumberFormat("fr-FR").format(db.total));
    for (const g of await b.$$("#chart-status g[data-status]")) {
      const status = await g.getAttribute("data-status");
      assert.equal(Number(await g.getAttribute("data-count")), db.by_status[status] ?? 0, `count of ${status}`);
    }
    assert.equal(db.by_status.verified, 1);
    await shot(b, "30-dashboard");
    await b.execute(() => document.querySelector(".content").scrollTo(0, 1e6));
    await shot(b, "31-dashboard-lists");
    // A late case opens from the list, read-only.
    const late = await b.$("#breached button[data-ref]");
    await late.waitForExist({ timeout: 5000 });
    const lateRef = await late.getAttribute("data-ref");
    await late.scrollIntoView({ block: "center" });
    await late.click();
    await b.$("#case-title").waitForDisplayed({ timeout: 10000 });
    assert.equal(await b.$("#case-title").getText(), `Dossier ${lateRef}`);
    assert.equal((await b.$$("#decision")).length, 0, "a manager reads, does not decide");
    await shot(b, "32-manager-case");
    await b.$("button.back").click();
    await b.$("#chart-status").waitForDisplayed({ timeout: 10000 });
    await b.$("#export-submit").click();
    const exported = await waitText(b, "#exported", /exporté/);
    const csv = exported.replace(/^.* dans /, "").trim();
    assert.ok(existsSync(csv), `${csv} exists`);
    assert.match(readFileSync(csv, "utf8"), new RegExp(ref));
    await shot(b, "33-dashboard-export");
    lap("dashboard checked");
    await logout(b);
  } finally {
    await b.deleteSession();
  }
});
