// The try-it page: a worked example in a form and a JSON editor, sent to the API like any client.
// POST /v1/appraisals gives the verdict (or the 422 problem, whose JSON pointers name the fields
// to mark); POST /v1/reports gives the report shown below it and its PDF. No other host is used.
"use strict";

(function () {
  const RATINGS = {
    robust: ["\u2714", "Robust"],
    viable_with_cautions: ["!", "Viable with cautions"],
    over_bullish: ["\u2716", "Over-bullish"],
    not_viable: ["\u2716", "Not viable"],
  };
  const form = document.getElementById("proposal");
  const rest = document.getElementById("rest");
  const picker = document.getElementById("example");
  const status = document.getElementById("status");
  const verdict = document.getElementById("verdict");
  const report = document.getElementById("report");
  const pdf = document.getElementById("pdf");
  const examples = JSON.parse(document.getElementById("examples").textContent);
  const inputs = Array.from(form.querySelectorAll("[data-path]"));
  let sent = null; // the body of the last appraisal, for the PDF link

  function get(obj, path) {
    return path.split(".").reduce((o, k) => (o && typeof o === "object" ? o[k] : undefined), obj);
  }

  function set(obj, path, value) {
    const keys = path.split(".");
    let o = obj;
    for (const k of keys.slice(0, -1)) {
      if (typeof o[k] !== "object" || o[k] === null || Array.isArray(o[k])) o[k] = {};
      o = o[k];
    }
    o[keys[keys.length - 1]] = value;
  }

  function drop(obj, path) {
    const keys = path.split(".");
    const parents = [obj];
    for (const k of keys.slice(0, -1)) {
      const next = parents[parents.length - 1][k];
      if (typeof next !== "object" || next === null) return;
      parents.push(next);
    }
    delete parents[parents.length - 1][keys[keys.length - 1]];
    for (let i = parents.length - 1; i > 0; i--) {  // remove objects left empty
      if (Object.keys(parents[i]).length === 0) delete parents[i - 1][keys[i - 1]];
    }
  }

  function show(value) {
    if (value === undefined || value === null) return "";
    return Array.isArray(value) ? value.join(", ") : String(value);
  }

  // A form value as JSON: a number, a list of numbers, or the text as typed (the API then
  // answers 422 at that field's pointer, which the page shows beside it).
  function read(input) {
    const text = input.value.trim();
    if (input.tagName === "SELECT" || input.dataset.kind === undefined) return text || undefined;
    if (text === "") return undefined;
    const number = (t) => (t !== "" && Number.isFinite(Number(t)) ? Number(t) : t);
    if (input.dataset.kind === "yearly" && text.includes(",")) {
      return text.split(",").map((t) => number(t.trim()));
    }
    return number(text);
  }

  function load(example) {
    const proposal = JSON.parse(JSON.stringify(example.proposal));
    for (const input of inputs) {
      input.value = show(get(proposal, input.dataset.path));
      drop(proposal, input.dataset.path);
    }
    rest.value = JSON.stringify(proposal, null, 2);
    document.getElementById("story").textContent = example.story;
  }

  function clearErrors() {
    for (const box of form.querySelectorAll(".error")) box.textContent = "";
    for (const field of form.querySelectorAll(".field.invalid")) field.classList.remove("invalid");
  }

  // The form field whose pointer names the error (a list's items belong to their field), or
  // the JSON editor for everything else.
  function fieldFor(pointer) {
    let best = null;
    for (const field of form.querySelectorAll(".field[data-pointer]")) {
      const p = field.dataset.pointer;
      if (p !== "#" && (pointer === p || pointer.startsWith(p + "/"))) best = field;
    }
    return best || form.querySelector('.field[data-pointer="#"]');
  }

  function markErrors(problem) {
    const errors = problem.errors && problem.errors.length
      ? problem.errors : [{ pointer: "#", detail: problem.detail }];
    for (const e of errors) {
      const field = fieldFor(e.pointer || "#");
      field.classList.add("invalid");
      const box = field.querySelector(".error");
      const pointer = e.pointer || "#";
      let where = "";
      if (field.dataset.pointer === "#" && pointer !== "#") {
        where = pointer + ": ";
      } else if (pointer !== field.dataset.pointer) { // an item of a list: say which
        where = "value " + (Number(pointer.split("/").pop()) + 1) + ": ";
      }
      box.textContent += (box.textContent ? " " : "") + where + e.detail;
    }
    status.textContent = problem.title + ": " + problem.detail + " See the fields marked below.";
  }

  function proposalFromPage() {
    let proposal;
    try {
      proposal = rest.value.trim() ? JSON.parse(rest.value) : {};
    } catch (err) {
      markErrors({ title: "Not valid JSON", detail: "The JSON editor's text is not valid JSON.",
                   errors: [{ pointer: "#", detail: String(err.message) }] });
      return null;
    }
    if (typeof proposal !== "object" || proposal === null || Array.isArray(proposal)) {
      markErrors({ title: "Not a JSON object", detail: "The JSON editor must hold an object.",
                   errors: [] });
      return null;
    }
    for (const input of inputs) {
      const value = read(input);
      if (value !== undefined) set(proposal, input.dataset.path, value);
    }
    return proposal;
  }

  async function post(path, body) {
    return fetch(path, { method: "POST", headers: { "Content-Type": "application/json" }, body });
  }

  async function appraise() {
    clearErrors();
    const proposal = proposalFromPage();
    if (proposal === null) return;
    const body = JSON.stringify(proposal);
    status.textContent = "Appraising\u2026";
    report.srcdoc = ""; // never an old report under a new verdict
    const answer = await post("/v1/appraisals", body);
    const json = await answer.json();
    if (!answer.ok) {
      verdict.hidden = true;
      markErrors(json);
      return;
    }
    sent = body;
    const [mark, words] = RATINGS[json.verdict.rating];
    document.getElementById("mark").textContent = mark;
    document.getElementById("rating").textContent = words;
    document.getElementById("headline").textContent = json.verdict.headline;
    verdict.className = "verdict verdict-" + json.verdict.rating;
    verdict.dataset.rating = json.verdict.rating;
    verdict.hidden = false;
    status.textContent = "";
    const page = await post("/v1/reports?format=html", body);
    report.srcdoc = await page.text();
  }

  report.addEventListener("load", () => {
    const doc = report.contentDocument;
    if (doc && doc.documentElement) {
      report.style.height = doc.documentElement.scrollHeight + 20 + "px";
    }
  });

  pdf.addEventListener("click", async (event) => {
    if (pdf.dataset.ready === sent) return; // the link already holds this proposal's PDF
    event.preventDefault();
    if (sent === null) return;
    const body = sent;
    pdf.textContent = "Making the PDF\u2026";
    const answer = await post("/v1/reports?format=pdf", body);
    pdf.textContent = "Download the PDF report";
    if (!answer.ok) {
      markErrors(await answer.json());
      return;
    }
    if (pdf.href.startsWith("blob:")) URL.revokeObjectURL(pdf.href);
    pdf.href = URL.createObjectURL(await answer.blob());
    pdf.dataset.ready = body;
    pdf.click();
  });

  function run() {
    appraise().catch((err) => {
      status.textContent = "svcalc did not answer: " + err.message;
    });
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    run();
  });

  picker.addEventListener("change", () => {
    load(examples.find((e) => e.key === picker.value));
    run();
  });

  load(examples[0]);
  run();
})();
