// Measures the window's first paint: from asking tauri-driver for a session
// (which starts the process) to the login or first-run screen painted, N
// times, and prints each figure and the median.
//   PARCOURS_APP=… TAURI_DRIVER=… PARCOURS_DB=… xvfb-run -a node tests/desktop/first-paint.mjs [N]
// run.sh sets the same environment for the journeys; use a scratch database.
import { remote } from "webdriverio";
import { startDriver } from "./driver.mjs";

for (const v of ["PARCOURS_APP", "TAURI_DRIVER", "PARCOURS_DB"]) {
  if (!process.env[v]) throw new Error(`${v} is not set`);
}
const runs = Number(process.argv[2] || 5);

const driver = await startDriver(process.env.TAURI_DRIVER, process.env.DRIVER_LOG || "/tmp/tauri-driver.log");
try {
  const times = [];
  for (let i = 0; i < runs; i++) {
    const t0 = Date.now();
    const b = await remote({
      hostname: "127.0.0.1",
      port: driver.port,
      logLevel: "error",
      capabilities: { "tauri:options": { application: process.env.PARCOURS_APP }, "wdio:enforceWebDriverClassic": true },
    });
    try {
      await b.$("#login-title, #first-title").waitForDisplayed({ timeout: 30000, interval: 20 });
      await b.executeAsync((done) => requestAnimationFrame(() => requestAnimationFrame(() => done())));
      times.push(Date.now() - t0);
      // When the page started loading, and when the screen was up, in the page's clock.
      // App.svelte marks the frame that drew the first screen.
      const [origin, shown, script, drawn] = await b.execute(() => [
        performance.timeOrigin,
        performance.now(),
        performance.getEntriesByName("parcours:script")[0]?.startTime,
        performance.getEntriesByName("parcours:first-screen")[0]?.startTime,
      ]);
      const nav = Math.round(origin - t0);
      const inPage = drawn == null ? `seen ${Math.round(shown)} ms later` : `script at ${Math.round(script)} ms, screen drawn at ${Math.round(drawn)} ms, seen by WebDriver at ${Math.round(shown)} ms`;
      console.log(`run ${i + 1}: ${times.at(-1)} ms (page load started at ${nav} ms; then ${inPage})`);
    } finally {
      await b.deleteSession();
    }
  }
  times.sort((a, b) => a - b);
  console.log(`first paint, median of ${runs}: ${times[Math.floor(runs / 2)]} ms (min ${times[0]}, max ${times.at(-1)})`);
} finally {
  await driver.stop();
}
