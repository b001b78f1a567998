// The console's other pages and promises: the key pair lives in the tab's sessionStorage only, the API's errors are
// shown as it gives them, tiers, edits, imports and exports with their progress, the report rules, the keyboard,
// and no serious axe-core violation on any page.
import { test, expect } from "@playwright/test";
import { apiCall, expectAccessible, signIn, unique, APP_ID, APP_TOKEN } from "./helpers.js";

test("the key pair is kept for the tab only, and a wrong one is refused with the API's error", async ({ page, context, browser }) => {
  await page.goto("./");
  await expectAccessible(page, "the sign-in page");
  await page.getByLabel("Application id (X-App-Id)").fill(APP_ID);
  await page.getByLabel("Secret key (X-App-Token)").fill("not-the-token");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toContainText("Unauthorized");
  await expect(page.getByRole("alert")).toContainText("HTTP 401");
  await expectAccessible(page, "the sign-in page with an error");

  await page.getByLabel("Secret key (X-App-Token)").fill(APP_TOKEN);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Programs" })).toBeVisible();
  const stored = await page.evaluate(() => ({
    session: Object.keys(sessionStorage).map((k) => sessionStorage.getItem(k)).join(""),
    local: localStorage.length,
    cookie: document.cookie,
    url: window.location.href,
  }));
  expect(stored.session).toContain(APP_TOKEN);
  expect(stored.local).toBe(0);
  expect(stored.cookie).toBe("");
  expect(stored.url).not.toContain(APP_TOKEN);
  expect((await context.cookies()).length).toBe(0);

  // another tab (a new browsing context) starts signed out; signing out forgets the pair
  const other = await browser.newContext({ baseURL: process.env.CONSOLE_URL });
  const otherPage = await other.newPage();
  await otherPage.goto("./");
  await expect(otherPage.getByRole("heading", { name: "Sign in" })).toBeVisible();
  await other.close();
  await page.getByRole("button", { name: "Sign out" }).click();
  await expect(page.getByRole("heading", { name: "Sign in" })).toBeVisible();
  expect(await page.evaluate(() => sessionStorage.length)).toBe(0);
});

test("keyboard only: sign in and move through the sections", async ({ page }) => {
  await page.goto("./");
  await expect(page.getByRole("heading", { level: 1, name: "Sign in" })).toBeFocused(); // each page focuses its heading
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("API base URL (empty: this site)")).toBeFocused();
  await page.keyboard.press("Tab");
  await page.keyboard.type(APP_ID);
  await page.keyboard.press("Tab");
  await page.keyboard.type(APP_TOKEN);
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { level: 1, name: "Programs" })).toBeFocused();
  const nav = page.getByRole("navigation", { name: "Sections" });
  await nav.getByRole("link", { name: "Rewards" }).focus();
  await page.keyboard.press("Enter");
  await expect(page.getByRole("heading", { level: 1, name: "Rewards" })).toBeFocused();
  await expect(nav.getByRole("link", { name: "Rewards" })).toHaveAttribute("aria-current", "page");
});

test("every section passes axe-core", async ({ page }) => {
  await signIn(page);
  for (const name of ["Programs", "Card definitions", "Earning rules", "Rewards", "Tier structures", "Benefits", "Members", "Reports", "Exports"]) {
    await page.getByRole("navigation", { name: "Sections" }).getByRole("link", { name, exact: true }).click();
    await expect(page.getByRole("heading", { level: 1, name })).toBeVisible();
    await expectAccessible(page, `the ${name} page`);
  }
});

test("a tier structure with tiers, a benefit, edits and the API's refusals", async ({ page }) => {
  page.on("dialog", (dialog) => dialog.accept());
  await signIn(page);
  const wallet = (await apiCall("POST", "/v2/loyalties/card-definitions", { name: unique("Tier wallet"), type: "INDIVIDUAL", status: "ACTIVE" })).body;

  const levels = unique("Levels");
  await page.getByRole("link", { name: "Tier structures" }).click();
  let form = page.getByRole("form", { name: "New tier structure" });
  await form.getByLabel("Name").fill(levels);
  await form.getByLabel("Card definition (wallet)").selectOption(wallet.id);
  await form.getByRole("button", { name: "Create tier structure" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(levels);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("DRAFT");
  const add = page.getByRole("form", { name: "Add a tier" });
  await add.getByLabel("Tier name").fill("Silver");
  await add.getByLabel("From points").fill("0");
  await add.getByLabel("To points (empty: no upper bound)").fill("299");
  await add.getByRole("button", { name: "Add tier" }).click();
  await expect(page.getByRole("status")).toContainText("Tier Silver added.");
  await add.getByLabel("Tier name").fill("Gold");
  await add.getByLabel("From points").fill("300");
  await add.getByRole("button", { name: "Add tier" }).click();
  const tiers = page.getByRole("table", { name: `Tiers of ${levels}` });
  await expect(tiers.getByRole("row", { name: /Gold .* 300 ∞/ })).toBeVisible();
  await tiers.getByRole("button", { name: "Edit tier Gold" }).click();
  const edit = page.getByRole("form", { name: "Edit a tier" });
  await expect(edit.getByLabel("Tier name")).toHaveValue("Gold");
  await edit.getByLabel("From points").fill("400");
  await edit.getByRole("button", { name: "Save tier" }).click();
  await expect(page.getByRole("status")).toContainText("Tier Gold saved.");
  await expect(tiers.getByRole("row", { name: /Gold .* 400 ∞/ })).toBeVisible();
  await tiers.getByRole("button", { name: "Edit tier Silver" }).click();
  await page.getByRole("form", { name: "Edit a tier" }).getByLabel("To points (empty: no upper bound)").fill("399");
  await page.getByRole("button", { name: "Save tier" }).click();
  await expect(tiers.getByRole("row", { name: /Silver .* 0 399/ })).toBeVisible();
  await expectAccessible(page, "a tier structure's page");
  await page.getByRole("button", { name: "Activate", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("ACTIVE");
  const structureId = decodeURIComponent(page.url().split("/tier-structures/")[1]);
  const apiTiers = (await apiCall("GET", `/v2/loyalties/tier-structures/${structureId}/tiers`)).body.data;
  expect(apiTiers.map((t) => [t.name, t.qualification_rules.points.min_value]).sort()).toEqual([["Gold", 400], ["Silver", 0]]);

  // an edit the API refuses shows its error; one it takes is saved
  const editor = page.getByLabel("Editable fields (JSON, sent as the update body)");
  await editor.fill('{"name": ');
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByRole("alert")).toContainText("not valid JSON");
  await editor.fill(JSON.stringify({ name: `${levels} renamed`, unknown_field: 1 }));
  await page.getByRole("button", { name: "Save changes" }).click();
  const refused = await apiCall("PUT", `/v2/loyalties/tier-structures/${structureId}`, { name: `${levels} renamed`, unknown_field: 1 });
  expect(refused.status).toBe(400);
  await expect(page.getByRole("alert")).toContainText(refused.body.message);
  await expect(page.getByRole("alert")).toContainText(refused.body.details);
  await editor.fill(JSON.stringify({ name: `${levels} renamed` }));
  await page.getByRole("button", { name: "Save changes" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(`${levels} renamed`);
  expect((await apiCall("GET", `/v2/loyalties/tier-structures/${structureId}`)).body.name).toBe(`${levels} renamed`);

  // a benefit through the JSON body
  const benefit = unique("Welcome gift");
  await page.getByRole("link", { name: "Benefits" }).click();
  form = page.getByRole("form", { name: "New benefit" });
  await form.getByLabel("Name").fill(benefit);
  await form.getByLabel("Card definition (wallet)").selectOption(wallet.id);
  await form.getByRole("button", { name: "Edit the request body as JSON" }).click();
  const body = form.getByLabel("Request body (JSON)");
  const parsed = JSON.parse(await body.inputValue());
  expect(parsed).toMatchObject({ name: benefit, type: "POINTS", points: { value: 50, card_definition_id: wallet.id } });
  await body.fill(JSON.stringify({ ...parsed, points: { ...parsed.points, value: 75 } }));
  await form.getByRole("button", { name: "Create benefit" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(benefit);
  const benefitId = decodeURIComponent(page.url().split("/benefits/")[1]);
  expect((await apiCall("GET", `/v2/loyalties/benefits/${benefitId}`)).body.points.value).toBe(75);
  await expectAccessible(page, "a benefit's page");
  await page.getByRole("button", { name: "Delete" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Benefits" })).toBeVisible();
  expect((await apiCall("GET", `/v2/loyalties/benefits/${benefitId}`)).status).toBe(404);
});

/** An ACTIVE program with a wallet, an earning rule of 10 points per paid order and a 2-tier structure, built by API. */
async function programWithTiers() {
  const wallet = (await apiCall("POST", "/v2/loyalties/card-definitions", { name: unique("W"), type: "INDIVIDUAL", status: "ACTIVE" })).body;
  const rule = (await apiCall("POST", "/v2/loyalties/earning-rules", { name: unique("Paid"), status: "ACTIVE", trigger: { event: "customer.order.paid" },
    earnings: [{ effects: [{ type: "POINTS", points: { value: 10, card_definition_id: wallet.id } }] }] })).body;
  const levels = (await apiCall("POST", "/v2/loyalties/tier-structures", { name: unique("L"), type: "POINT_BALANCE",
    point_balance: { card_definition_id: wallet.id }, downgrade: { type: "MULTI_LEVEL" } })).body;
  await apiCall("POST", `/v2/loyalties/tier-structures/${levels.id}/tiers`, { name: "Bronze", qualification_rules: { type: "POINTS", points: { min_value: 0, max_value: 99 } } });
  await apiCall("POST", `/v2/loyalties/tier-structures/${levels.id}/tiers`, { name: "Gold", qualification_rules: { type: "POINTS", points: { min_value: 100 } } });
  await apiCall("POST", `/v2/loyalties/tier-structures/${levels.id}/activate`);
  const program = (await apiCall("POST", "/v2/loyalties/programs", { name: unique("Tiers club"), status: "ACTIVE",
    card_definitions: [{ id: wallet.id }], earning_rules: [{ id: rule.id }], tier_structures: [{ id: levels.id }] })).body;
  return { wallet, rule, levels, program };
}

test("a member's tier, earned points, filtered transactions, and the earnings report", async ({ page }) => {
  const { program, rule } = await programWithTiers();
  const source = unique("tia").replace(" ", "-");
  const customer = (await apiCall("POST", "/v1/customers", { source_id: source, name: "Tia" })).body;
  const member = (await apiCall("POST", `/v2/loyalties/programs/${program.id}/members`, { customer_id: customer.id })).body;
  for (let i = 0; i < 12; i++) {
    const order = await apiCall("POST", "/v1/orders", { source_id: `${source}-${i}`, status: "PAID", amount: 1000, customer: { id: customer.id } });
    expect(order.status).toBe(200);
  }
  await signIn(page);
  await page.getByRole("link", { name: "Members" }).click();
  await page.getByLabel("Find by").selectOption("customer_source_id");
  await page.getByLabel("Value").fill(source);
  await page.getByRole("button", { name: "Find" }).click();
  await page.getByRole("link", { name: member.id }).click();
  const cardId = member.cards[0].card.id;
  await expect.poll(async () => {
    await page.reload();
    return page.getByTestId(`balance-${cardId}`).textContent();
  }, { timeout: 60_000 }).toBe("120");
  await expect(page.getByTestId("tier")).toHaveText("Gold");
  const table = page.getByRole("table", { name: /^Transactions of card/ });
  const pages = page.getByRole("group", { name: "Pages of the transactions" });
  await expect(table.getByRole("row", { name: /POINTS_EARNED 10 APPROVED/ })).toHaveCount(10);
  await pages.getByRole("button", { name: "Next page" }).click();
  await expect(table.getByRole("row", { name: /POINTS_EARNED 10 APPROVED/ })).toHaveCount(2);
  await expect(pages.getByRole("button", { name: "Next page" })).toBeDisabled();
  await pages.getByRole("button", { name: "First page" }).click();
  await expect(table.getByRole("row", { name: /POINTS_EARNED 10 APPROVED/ })).toHaveCount(10);
  const tomorrow = new Date(Date.now() + 86400000).toISOString().slice(0, 10);
  await page.getByLabel("Created from").fill(tomorrow);
  await page.getByRole("button", { name: "Filter transactions" }).click();
  await expect(table).toContainText("No transactions.");
  await page.getByLabel("Created from").fill("");
  await page.getByLabel("Created until").fill(tomorrow);
  await page.getByRole("button", { name: "Filter transactions" }).click();
  await expect(table.getByRole("row", { name: /POINTS_EARNED 10 APPROVED/ })).toHaveCount(10);
  await expect(page.getByRole("table", { name: "Tier changes" })).toContainText("Bronze → Gold");
  await expectAccessible(page, "a member's page with tiers");

  // an INACTIVE member's points are refused, with the API's error
  await page.getByRole("button", { name: "Deactivate member" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("INACTIVE");
  await page.getByLabel("Points", { exact: true }).fill("5");
  await page.getByRole("button", { name: "Adjust points" }).click();
  const refused = await apiCall("POST", `/v2/loyalties/programs/${program.id}/members/${member.id}/cards/${cardId}/points`, { points: 5 });
  expect(refused.status).toBe(423);
  await expect(page.getByRole("alert")).toContainText(refused.body.message);
  await expect(page.getByRole("alert")).toContainText(refused.body.key);
  await page.getByRole("button", { name: "Activate member" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("ACTIVE");
  await expect(page.getByTestId(`balance-${cardId}`)).toHaveText("120");

  // the earnings report, and a range the API refuses for its resolution
  await page.getByRole("link", { name: "Reports" }).click();
  await page.getByLabel("Program", { exact: true }).selectOption(program.id);
  await page.getByLabel("Report", { exact: true }).selectOption("points-earnings");
  const start = await page.getByLabel("From", { exact: true }).inputValue();
  const end = await page.getByLabel("To", { exact: true }).inputValue();
  const path = `/v2/loyalties/programs/${program.id}/reports/points-earnings/daily?start_date=${start}&end_date=${end}&resolution=day`;
  await expect.poll(async () => (await apiCall("GET", path)).body.data.reduce((s, r) => s + r.points, 0), { timeout: 60_000 }).toBe(120);
  await page.getByRole("button", { name: "Show report" }).click();
  const series = JSON.parse(await page.getByTestId("report-chart").getAttribute("data-series"));
  expect(series.datasets.map((d) => d.label)).toEqual([rule.name]);
  expect(series.datasets[0].data.reduce((a, b) => a + b, 0)).toBe(120);
  await page.getByLabel("From", { exact: true }).fill("2025-01-01");
  await page.getByRole("button", { name: "Show report" }).click();
  const tooLong = await apiCall("GET", `/v2/loyalties/programs/${program.id}/reports/points-earnings/daily?start_date=2025-01-01&end_date=${end}&resolution=day`);
  expect(tooLong.status).toBe(400);
  await expect(page.getByRole("alert")).toContainText(tooLong.body.details || tooLong.body.message);
  await page.getByLabel("Resolution").selectOption("month");
  await page.getByLabel("From", { exact: true }).fill(`${end.slice(0, 7)}-01`);
  await page.getByRole("button", { name: "Show report" }).click();
  const monthly = JSON.parse(await page.getByTestId("report-chart").getAttribute("data-series"));
  expect(monthly.labels).toEqual([`${end.slice(0, 7)}-01`]);
  expect(monthly.datasets[0].data).toEqual([120]);
});

test("a batch import and an export show their progress to the end", async ({ page }) => {
  const { program } = await programWithTiers();
  const sources = [0, 1, 2].map((i) => unique(`imp${i}`).replace(" ", "-"));
  for (const s of sources) expect((await apiCall("POST", "/v1/customers", { source_id: s })).status).toBe(200);
  await signIn(page);
  await page.getByRole("link", { name: "Members" }).click();
  const form = page.getByRole("form", { name: "Import members" });
  await form.getByLabel("Program").selectOption(program.id);
  await form.getByLabel("Customers").fill([...sources, "nobody-knows-this-one"].join("\n"));
  await form.getByRole("button", { name: "Import" }).click();
  await expect(form.getByText("Import: DONE")).toBeVisible({ timeout: 60_000 });
  await expect(form.locator("progress")).toHaveAttribute("value", "100");
  await expect(form.getByRole("table", { name: "Entries the import refused" }).getByRole("row")).toHaveCount(2);
  await expect(form).toContainText("3 member(s) created");
  const listed = (await apiCall("GET", `/v2/loyalties/programs/${program.id}/members?limit=10`)).body.data;
  expect(listed).toHaveLength(3);
  await expectAccessible(page, "the members page after an import");

  // a v1 campaign's transactions exported to CSV
  const campaign = (await apiCall("POST", "/v1/loyalties", { name: unique("Export campaign"), type: "AUTO_UPDATE",
    voucher: { type: "LOYALTY_CARD", loyalty_card: { points: 0 }, code_config: { pattern: "X-########" } } })).body;
  const { code, id: voucherId } = (await apiCall("POST", `/v1/loyalties/${campaign.id}/members`, { customer: { source_id: sources[0] } })).body;
  expect((await apiCall("POST", `/v1/loyalties/${campaign.id}/members/${code}/balance`, { points: 40 })).status).toBe(200);
  await page.getByRole("link", { name: "Exports" }).click();
  await page.getByLabel("v1 loyalty campaign").selectOption(campaign.id);
  await page.getByRole("button", { name: "Export" }).click();
  const link = page.getByRole("link", { name: "Download the CSV" });
  await expect(link).toBeVisible({ timeout: 60_000 });
  await expect(page.getByText(/: DONE/)).toBeVisible();
  const csv = await (await fetch(await link.getAttribute("href"))).text();
  expect(csv.split("\n")[0]).toContain("voucher_id");
  expect(csv).toContain(voucherId);
  await expectAccessible(page, "the exports page");
});
