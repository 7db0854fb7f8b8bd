// tauri-driver for the desktop tests and the first-paint measure.
// It runs in a process group of its own, with WebKitWebDriver and the app
// that it starts, and writes to a log file, never to our output: a
// WebKitWebDriver left behind holding the test's output would keep the run
// from ever ending. `stop()` sends SIGTERM (tauri-driver then stops
// WebKitWebDriver itself), waits up to 5 s, then kills what is left of the group.
import { spawn } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import net from "node:net";

export async function startDriver(driverPath, logFile) {
  const port = await freePort();
  const nativePort = await freePort();
  const log = openSync(logFile, "a");
  const child = spawn(driverPath, ["--port", String(port), "--native-port", String(nativePort)], {
    stdio: ["ignore", log, log],
    detached: true,
  });
  closeSync(log);
  const exited = new Promise((resolve) => child.once("exit", resolve));
  const group = (signal) => {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // the group is already gone
    }
  };
  process.on("exit", () => group("SIGKILL"));
  await waitForPort(port, 20000);
  // tauri-driver listens before the WebKitWebDriver it started does: a
  // session asked for in between fails ("client error (Connect)"), as seen
  // on a fresh machine where WebKit loads slowly.
  await waitForPort(nativePort, 20000);
  return {
    port,
    async stop() {
      group("SIGTERM");
      await Promise.race([exited, new Promise((r) => setTimeout(r, 5000))]);
      group("SIGKILL");
    },
  };
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
  throw new Error(`nothing listens on ${port}: see tauri-driver's log`);
}
