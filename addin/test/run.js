// `npm test`: the add-in's tests against a live svcalc, started here when none is given.
//
// With SVCALC_API_BASE set (http://127.0.0.1:8000), the tests use that server. Without it, this
// starts svcalc itself: the repository's own gunicorn (../.venv/bin/gunicorn, which `make
// install` at the repository root creates) on a free loopback port, waits for /healthz, runs
// `node --test test/*.test.js` against it and stops it, whatever the outcome.
"use strict";
const fs = require("node:fs");
const net = require("node:net");
const os = require("node:os");
const path = require("node:path");
const { spawn } = require("node:child_process");

const ADDIN = path.resolve(__dirname, "..");
const REPO = path.resolve(ADDIN, "..");
const START_SECONDS = 60;

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

function gunicorn() {
  const venv = path.join(REPO, ".venv", "bin", "gunicorn");
  if (fs.existsSync(venv)) {
    return venv;
  }
  console.error("npm test needs a running svcalc. Either run `make install` in the repository "
    + `root (${REPO}), which creates .venv with gunicorn, and npm test starts svcalc itself; `
    + "or start one (`make run`) and run SVCALC_API_BASE=http://127.0.0.1:8000 npm test.");
  process.exit(2);
}

async function waitHealthy(base, server) {
  const deadline = Date.now() + START_SECONDS * 1000;
  while (Date.now() < deadline) {
    if (server.exitCode !== null) {
      throw new Error(`svcalc exited with ${server.exitCode}`);
    }
    try {
      const response = await fetch(`${base}/healthz`);
      if (response.ok) {
        return;
      }
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  throw new Error(`svcalc did not answer ${base}/healthz within ${START_SECONDS} s`);
}

function runTests(base) {
  const files = fs.readdirSync(__dirname).filter((f) => f.endsWith(".test.js")).sort()
    .map((f) => path.join(__dirname, f));
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ["--test", ...files], {
      cwd: ADDIN, stdio: "inherit", env: { ...process.env, SVCALC_API_BASE: base } });
    child.on("exit", (code, signal) => resolve(code === null ? 1 : code));
  });
}

async function main() {
  if (process.env.SVCALC_API_BASE) {
    process.exit(await runTests(process.env.SVCALC_API_BASE));
  }
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  let log = "";
  // a database of the run's own, removed after it (the tests save nothing; /healthz checks it)
  const data = fs.mkdtempSync(path.join(os.tmpdir(), "svcalc-npm-test-"));
  const server = spawn(gunicorn(), [
    "--config", path.join(REPO, "gunicorn.conf.py"), "--chdir", REPO,
    "--bind", `127.0.0.1:${port}`, "--workers", "2", "wsgi:app"], {
    cwd: REPO, env: { ...process.env, SVCALC_LOG_LEVEL: "WARNING",
                      SVCALC_DATABASE_URL: `sqlite:///${path.join(data, "svcalc.db")}` },
    stdio: ["ignore", "pipe", "pipe"] });
  server.stdout.on("data", (d) => { log += d; });
  server.stderr.on("data", (d) => { log += d; });
  let code = 1;
  try {
    await waitHealthy(base, server);
    console.log(`# svcalc started for the tests at ${base}`);
    code = await runTests(base);
  } catch (err) {
    console.error(`${err.message}\n${log.slice(-3000)}`);
  } finally {
    if (server.exitCode === null) {
      const exited = new Promise((resolve) => server.once("exit", resolve));
      server.kill("SIGTERM");
      const timer = setTimeout(() => server.kill("SIGKILL"), 30000);
      await exited;
      clearTimeout(timer);
    }
    fs.rmSync(data, { recursive: true, force: true });
  }
  process.exit(code);
}

main();
