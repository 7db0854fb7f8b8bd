// The desktop journey in the real window: first run, admin adds accounts,
// a clerk sees the empty queue, a counter agent sees only the lookup field.
// Needs: PARCOURS_APP (the binary built with custom-protocol), TAURI_DRIVER,
// PARCOURS_DB (a fresh temp file), a DISPLAY (xvfb-run). See run.sh.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync } from "node:fs";
import net from "node:net";
import path from "node:path";
import { remote } from "webdriverio";

const APP = required("PARCOURS_APP");
const DRIVER = required("TAURI_DRIVER");
required("PARCOURS_DB");
const SEED = process.env.PARCOURS_SEED; // optional: target/debug/examples/seed
const SHOTS = process.env.SHOTS_DIR || "/tmp/shots";
mkdirSync(SHOTS, { recursive: true });

function required(name) {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is not set: run tests/desktop/run.sh`);
  return v;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

async function waitForPort(port, ms) {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    const ok = await new Promise((resolve) => {
      const s = net.connect(port, "127.0.0.1", () => {
        s.end();
        resolve(true);
      });
      s.on("error", () => resolve(false));
    });
    if (ok) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`tauri-driver did not listen on ${port}`);
}

let driver;
let port;

before(async () => {
  port = await freePort();
  const nativePort = await freePort();
  driver = spawn(DRIVER, ["--port", String(port), "--native-port", String(nativePort)], {
    stdio: ["ignore", "inherit", "inherit"],
  });
  // SIGKILL would leave WebKitWebDriver holding its port: always SIGTERM.
  process.on("exit", () => driver?.kill("SIGTERM"));
  await waitForPort(port, 20000);
});

after(async () => {
  if (driver && driver.exitCode === null) {
    const gone = new Promise((r) => driver.once("exit", r));
    driver.kill("SIGTERM");
    await Promise.race([gone, new Promise((r) => setTimeout(r, 5000))]);
  }
});

async function openApp() {
  return remote({
    hostname: "127.0.0.1",
    port,
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
    console.log(`first paint (first-run screen): ${Date.now() - t0} ms`);
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
    await b.waitUntil(async () => /bientôt disponible/.test(await b.$("#counter-message").getText()));
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
      assert.match(caseText, /Date de naissance[^\n]*\n?\s*24\/02\/1984/);
      await shot(b, "12-clerk-case");
      await b.execute(() => document.querySelector(".content").scrollTo(0, 1e6));
      await shot(b, "12b-clerk-case-end");
      await b.$("button.back").click();
      await b.$("table.cases").waitForDisplayed({ timeout: 10000 });
      await logout(b);

      // Manager: the same list, read-only.
      await login(b, "carole", "motdepasse-carole");
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
    console.log(`first paint (login screen, from process start): ${ms} ms`);
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
