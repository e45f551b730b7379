// Render the Spotifreak dashboard of a running Home Assistant in Debian's Chromium (puppeteer-core
// drives it; no browser is downloaded) and check what a user would see: every card rendered, no
// error card, and the playlist count and cache age showing the values Home Assistant's API reports.
//
//   node render_dashboard.cjs --modules DIR --session FILE --screenshot FILE
//
// FILE (written by scripts/devtools/e2e.py) holds the Home Assistant URL, the dashboard path, the
// login tokens, the number of cards and the entity ids to check. Prints one line per check and,
// last, "N passed, M failed"; exits 1 when a check failed.
"use strict";

const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { createRequire } = require("node:module");

const args = Object.fromEntries(
  process.argv.slice(2).reduce((pairs, value, index, all) => {
    if (value.startsWith("--")) pairs.push([value.slice(2), all[index + 1]]);
    return pairs;
  }, []),
);
const puppeteer = createRequire(path.join(args.modules, "noop.js"))("puppeteer-core");
const session = JSON.parse(fs.readFileSync(args.session, "utf-8"));
const CHROMIUM = process.env.SPOTIFREAK_CHROMIUM || "/usr/bin/chromium";
const RENDER_SECONDS = 90;

let passed = 0;
let failed = 0;
function check(name, ok, detail = "") {
  if (ok) {
    passed += 1;
    console.log(`  PASS ${name}`);
  } else {
    failed += 1;
    console.log(`  FAIL ${name}: ${String(detail).slice(0, 800)}`);
  }
  return ok;
}

// In the page: every element, through every shadow root (Home Assistant's frontend is made of
// web components), as {tag, entity, text} for the cards and entity rows.
function inspectDashboard() {
  const found = [];
  const walk = (root) => {
    for (const element of root.querySelectorAll("*")) {
      const tag = element.tagName.toLowerCase();
      if (tag.startsWith("hui-") || tag === "ha-alert") {
        const text = (node) => {
          let out = "";
          const visit = (n) => {
            if (n.nodeType === Node.TEXT_NODE) out += n.textContent + " ";
            for (const child of n.shadowRoot ? [...n.shadowRoot.childNodes, ...n.childNodes] : n.childNodes) visit(child);
          };
          visit(node);
          return out.replace(/\s+/g, " ").trim();
        };
        found.push({
          tag,
          entity: (element.config && element.config.entity) || null,
          text: text(element).slice(0, 400),
        });
      }
      if (element.shadowRoot) walk(element.shadowRoot);
    }
  };
  walk(document);
  return found;
}

const isCard = (tag) => tag.endsWith("-card") && tag !== "hui-card" && !tag.startsWith("hui-card-");
const digits = (text) => (text.match(/\d[\d,.\s]*/g) || []).map((n) => Number(n.replace(/[,\s]/g, "")));

async function states(session) {
  const response = await fetch(`${session.ha_url}/api/states`, {
    headers: { Authorization: `Bearer ${session.tokens.access_token}` },
  });
  const all = await response.json();
  return Object.fromEntries(all.map((state) => [state.entity_id, state]));
}

async function main() {
  if (!fs.existsSync(CHROMIUM)) {
    check(`Chromium is installed (${CHROMIUM})`, false, "install Debian's chromium package");
    return;
  }
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), "spotifreak-chromium-"));
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    userDataDir: profile,
    // As root, without a sandbox; and without the background traffic a closed network refuses.
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--window-size=1280,2000",
    ],
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1280, height: 2000 });
    const pageErrors = [];
    page.on("pageerror", (error) => pageErrors.push(String(error)));
    // Log in as the frontend does after its login flow: the tokens in localStorage.
    await page.goto(`${session.ha_url}/auth/authorize`, { waitUntil: "domcontentloaded" });
    await page.evaluate((tokens) => {
      localStorage.setItem("hassTokens", JSON.stringify(tokens));
    }, session.browser_tokens);
    await page.goto(`${session.ha_url}/${session.dashboard_path}`, { waitUntil: "networkidle2", timeout: 60000 });

    // Wait for the page instead of a fixed screenshot delay: every card of the view rendered.
    const deadline = Date.now() + RENDER_SECONDS * 1000;
    let found = [];
    for (;;) {
      found = await page.evaluate(inspectDashboard);
      const cards = found.filter((item) => isCard(item.tag));
      const rowsReady = session.entities.every((entity) => found.some((item) => item.entity === entity && item.text));
      if ((cards.length >= session.cards && rowsReady) || Date.now() > deadline) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    await page.screenshot({ path: args.screenshot, fullPage: true });
    console.log(`     screenshot: ${args.screenshot}`);

    const cards = found.filter((item) => isCard(item.tag));
    check(
      `every card of the dashboard rendered (${session.cards} configured)`,
      cards.length >= session.cards,
      cards.map((card) => card.tag).join(", "),
    );
    const errors = found.filter(
      (item) =>
        item.tag === "hui-error-card" ||
        item.tag === "hui-warning" ||
        /Configuration error|Entity not available|Entity not found/i.test(item.tag === "ha-alert" ? item.text : ""),
    );
    check("no error card (Configuration error, Entity not available)", errors.length === 0, JSON.stringify(errors));
    const now = await states(session);
    for (const [label, entity] of Object.entries(session.values)) {
      const row = found.find((item) => item.entity === entity && item.text);
      const expected = Number(now[entity] && now[entity].state);
      const shown = row ? digits(row.text) : [];
      // The cache age may tick by a minute between the page and this read.
      const tolerance = label === "cache age" ? 1 : 0;
      check(
        `the dashboard shows the ${label} the API reports (${expected})`,
        row !== undefined && shown.some((value) => Math.abs(value - expected) <= tolerance),
        row ? row.text : `no row for ${entity}`,
      );
    }
    check("the page raised no script error", pageErrors.length === 0, pageErrors.join(" | "));
  } finally {
    await browser.close();
    fs.rmSync(profile, { recursive: true, force: true });
  }
}

main()
  .catch((error) => check("the dashboard could be rendered", false, error && error.stack ? error.stack : error))
  .finally(() => {
    console.log(`${passed} passed, ${failed} failed`);
    process.exitCode = failed || !passed ? 1 : 0;
  });
