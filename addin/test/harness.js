// Load the add-in's files UNMODIFIED into a sandbox with the small shims their hosts provide.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const vm = require("node:vm");
const { spawnSync } = require("node:child_process");

const ROOT = path.resolve(__dirname, "..");
/** The add-in's files as svcalc serves them (GET /addin/functions.js etc.). */
const WEB = path.resolve(ROOT, "..", "svcalc", "addin", "web");
/** Set by test/run.js (npm test), which starts svcalc when it is not given. */
const API_BASE = process.env.SVCALC_API_BASE;

/** The Office.js custom-functions runtime, as far as functions.js uses it. */
class CustomFunctionsError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

/** Run functions.js; returns {registry, requests} where requests logs every fetch. */
function loadExcelFunctions(base = API_BASE) {
  const registry = {};
  const requests = [];
  const countingFetch = (url, init) => {
    requests.push({ url, init });
    return fetch(url, init);
  };
  const sandbox = {
    fetch: countingFetch, setTimeout, clearTimeout, console, Promise, JSON, String, Array,
    SVCALC_API_BASE: base,
    CustomFunctions: {
      associate: (id, fn) => { registry[id] = fn; },
      Error: CustomFunctionsError,
      ErrorCode: { invalidValue: "#VALUE!", notAvailable: "#N/A" },
    },
  };
  sandbox.globalThis = sandbox;
  vm.runInNewContext(fs.readFileSync(path.join(WEB, "functions.js"), "utf8"), sandbox,
                     { filename: "functions.js" });
  return { registry, requests };
}

/** A synchronous UrlFetchApp (Apps Script's is synchronous) built on a child node process. */
function urlFetchApp(log) {
  return {
    fetch(url, options) {
      log.push({ url, options });
      const script = `
        const [url, o] = JSON.parse(process.argv[1]);
        fetch(url, { method: (o.method || "get").toUpperCase(),
                     headers: o.contentType ? { "Content-Type": o.contentType } : {},
                     body: o.payload })
          .then(async (r) => process.stdout.write(JSON.stringify({ code: r.status, text: await r.text() })))
          .catch((e) => { process.stderr.write(String(e)); process.exit(2); });`;
      const run = spawnSync(process.execPath, ["-e", script, JSON.stringify([url, options || {}])],
                            { encoding: "utf8", timeout: 20000 });
      if (run.status !== 0) {
        throw new Error(`UrlFetchApp shim: ${run.stderr}`);
      }
      const { code, text } = JSON.parse(run.stdout);
      if (code >= 400 && !(options && options.muteHttpExceptions)) {
        throw new Error(`Request failed with code ${code}`);
      }
      return { getResponseCode: () => code, getContentText: () => text };
    },
  };
}

/** Run svcalc.gs; returns {fns, fetches}. */
function loadAppsScript() {
  const fetches = [];
  const sandbox = {
    JSON, String, Array, Error,
    UrlFetchApp: urlFetchApp(fetches),
    PropertiesService: {
      getScriptProperties: () => ({ getProperty: (k) => (k === "SVCALC_API_BASE" ? API_BASE : null) }),
    },
  };
  vm.runInNewContext(fs.readFileSync(path.join(ROOT, "gsheets", "svcalc.gs"), "utf8"), sandbox,
                     { filename: "svcalc.gs" });
  return { fns: sandbox, fetches };
}

/** GET a JSON document from the live API (for figures the test compares against). */
async function getJson(pathAndQuery) {
  const response = await fetch(`${API_BASE}${pathAndQuery}`);
  return { status: response.status, body: await response.json() };
}

module.exports = { ROOT, WEB, API_BASE, loadExcelFunctions, loadAppsScript, getJson };
