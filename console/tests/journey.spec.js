// The program manager's journey through the console, against `make serve`'s runtime: sign in with the development
// key, build a program from nothing to ACTIVE, enrol a member, add points and watch the balance once the worker has
// settled them, buy a reward, refund it, and read the reports, whose chart must carry the API's own figures.
import { test, expect } from "@playwright/test";
import { apiCall, expectAccessible, signIn, unique } from "./helpers.js";

test("a program from nothing to ACTIVE, a member, points, a purchase, a refund and the reports", async ({ page }) => {
  page.on("dialog", (dialog) => dialog.accept());
  await signIn(page);
  await expectAccessible(page, "the programs page");

  // card definition
  const wallet = unique("Wallet");
  await page.getByRole("link", { name: "Card definitions" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Card definitions" })).toBeVisible();
  await expectAccessible(page, "the card definitions page");
  let form = page.getByRole("form", { name: "New card definition" });
  await form.getByLabel("Name").fill(wallet);
  await form.getByLabel("Card code prefix").fill("CC-");
  await form.getByRole("button", { name: "Create card definition" }).click();
  await expect(page.getByRole("heading", { level: 1, name: wallet })).toBeVisible();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("ACTIVE");
  await expectAccessible(page, "a card definition's page");

  // earning rule on that wallet
  const rule = unique("Orders");
  await page.getByRole("link", { name: "Earning rules" }).click();
  form = page.getByRole("form", { name: "New earning rule" });
  await form.getByLabel("Name").fill(rule);
  await form.getByLabel("Card definition (wallet)").selectOption({ label: `${wallet} (ACTIVE)` });
  await form.getByLabel("Points per trigger").fill("25");
  await form.getByRole("button", { name: "Create earning rule" }).click();
  await expect(page.getByRole("heading", { level: 1, name: rule })).toBeVisible();

  // reward costing 100 points of that wallet
  const reward = unique("Mug");
  await page.getByRole("link", { name: "Rewards" }).click();
  form = page.getByRole("form", { name: "New reward" });
  await form.getByLabel("Name").fill(reward);
  await form.getByLabel("Card definition (wallet)").selectOption({ label: `${wallet} (ACTIVE)` });
  await form.getByLabel("Cost in points").fill("100");
  await form.getByRole("button", { name: "Create reward" }).click();
  await expect(page.getByRole("heading", { level: 1, name: reward })).toBeVisible();

  // program: DRAFT, refused activation shown as the API says it, components assigned, then ACTIVE
  const programName = unique("Console club");
  await page.getByRole("link", { name: "Programs" }).click();
  await page.getByLabel("Program name").fill(programName);
  await page.getByRole("button", { name: "Create program" }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText(programName);
  await expect(page.getByRole("heading", { level: 1 })).toContainText("DRAFT");
  const programId = decodeURIComponent(page.url().split("/programs/")[1]);
  await page.getByRole("button", { name: "Activate", exact: true }).click();
  const refused = await apiCall("POST", `/v2/loyalties/programs/${programId}/activate`);
  expect(refused.status).toBe(423);
  await expect(page.getByRole("alert")).toContainText(refused.body.message);
  await expect(page.getByRole("alert")).toContainText(refused.body.key);
  await expectAccessible(page, "a program's page with an error");

  await page.getByLabel("Assign a card definition").selectOption({ label: `${wallet} (ACTIVE)` });
  await page.getByRole("button", { name: "Assign card definition" }).click();
  await expect(page.getByRole("button", { name: `Unassign ${wallet}` })).toBeVisible();
  await page.getByLabel("Assign a earning rule").selectOption({ label: `${rule} (ACTIVE)` });
  await page.getByRole("button", { name: "Assign earning rule" }).click();
  await expect(page.getByRole("button", { name: `Unassign ${rule}` })).toBeVisible();
  await page.getByLabel("Assign a reward").selectOption({ label: `${reward} (ACTIVE)` });
  await page.getByLabel("Stock in this program (empty: unlimited)").fill("5");
  await page.getByRole("button", { name: "Assign reward" }).click();
  await expect(page.getByRole("button", { name: `Unassign ${reward}` })).toBeVisible();
  await page.getByRole("button", { name: "Activate", exact: true }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("ACTIVE");
  expect((await apiCall("GET", `/v2/loyalties/programs/${programId}`)).body.status).toBe("ACTIVE");

  // enrol a member
  await page.getByRole("link", { name: "Find or enrol a member of this program" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Members" })).toBeVisible();
  await expectAccessible(page, "the members page");
  const sourceId = unique("erin").replace(" ", "-");
  const enrol = page.getByRole("form", { name: "Enrol a member" });
  await enrol.getByLabel("Program").selectOption(programId);
  await enrol.getByLabel("Customer source id").fill(sourceId);
  await enrol.getByLabel("Customer name (optional)").fill("Erin");
  await enrol.getByRole("button", { name: "Enrol" }).click();
  await enrol.getByRole("link", { name: /^member lmbr_/ }).click();
  await expect(page.getByRole("heading", { level: 1 })).toContainText("Member Erin");
  const memberId = decodeURIComponent(page.url().split("/members/")[1]);
  const member = (await apiCall("GET", `/v2/loyalties/programs/${programId}/members/${memberId}`)).body;
  const cardId = member.cards[0].card.id;
  const balance = page.getByTestId(`balance-${cardId}`);
  await expect(balance).toHaveText("0");
  await expectAccessible(page, "a member's page");

  // add points: the balance changes once the worker has approved the credit
  await page.getByLabel("Points", { exact: true }).fill("500");
  await page.getByLabel("Reason").fill("Welcome bonus");
  await page.getByRole("button", { name: "Adjust points" }).click();
  await expect(page.getByRole("status")).toContainText("ADMIN_CREDIT APPROVED", { timeout: 70_000 });
  await expect(balance).toHaveText("500");
  const table = page.getByRole("table", { name: /^Transactions of card/ });
  await expect(table.getByRole("row", { name: /ADMIN_CREDIT 500 APPROVED Welcome bonus/ })).toBeVisible();

  // buy the reward, then refund it
  await page.getByLabel("Reward", { exact: true }).selectOption({ label: reward });
  await page.getByRole("button", { name: "Buy reward" }).click();
  await expect(page.getByRole("status")).toContainText("Purchase APPROVED", { timeout: 70_000 });
  await expect(balance).toHaveText("400");
  const purchases = page.getByRole("table", { name: "Reward purchases" });
  await expect(purchases.getByRole("row", { name: /PURCHASE 100 APPROVED/ })).toBeVisible();
  await purchases.getByRole("button", { name: "Refund" }).click();
  await expect(page.getByRole("status")).toContainText("Refund APPROVED", { timeout: 70_000 });
  await expect(balance).toHaveText("500");
  const card = (await apiCall("GET", `/v2/loyalties/programs/${programId}/members/${memberId}`)).body.cards[0].card;
  expect(card.balance.points).toBe(500);

  // find the member again by the card's code
  await page.getByRole("link", { name: "Members" }).click();
  await page.getByLabel("Find by").selectOption("card_code");
  await page.getByLabel("Value").fill(card.code);
  await page.getByRole("button", { name: "Find" }).click();
  await expect(page.getByRole("link", { name: memberId })).toBeVisible();

  // the reports: the chart carries the API's figures
  await page.getByRole("link", { name: "Reports" }).click();
  await expect(page.getByRole("heading", { level: 1, name: "Reports" })).toBeVisible();
  await page.getByLabel("Program", { exact: true }).selectOption(programId);
  await page.getByLabel("Report", { exact: true }).selectOption("spending");
  await page.getByLabel("Figure", { exact: true }).selectOption("points");
  const start = await page.getByLabel("From", { exact: true }).inputValue();
  const end = await page.getByLabel("To", { exact: true }).inputValue();
  const path = `/v2/loyalties/programs/${programId}/reports/spending/daily?start_date=${start}&end_date=${end}&resolution=day`;
  // the aggregator counts from the table's stream: wait until the API's report has the purchase
  await expect.poll(async () => (await apiCall("GET", path)).body.data.reduce((s, r) => s + r.points, 0), { timeout: 60_000 }).toBe(100);
  const report = (await apiCall("GET", path)).body.data;
  await page.getByRole("button", { name: "Show report" }).click();
  const figure = page.getByTestId("report-chart");
  await expect(figure).toBeVisible();
  const series = JSON.parse(await figure.getAttribute("data-series"));
  expect(series.datasets).toHaveLength(1);
  expect(series.datasets[0].label).toBe(wallet);
  const shown = Object.fromEntries(series.labels.map((day, i) => [day, series.datasets[0].data[i]]));
  for (const row of report) expect(shown[row.date]).toBe(row.points);
  expect(Object.values(shown).reduce((a, b) => a + b, 0)).toBe(report.reduce((a, r) => a + r.points, 0));
  expect(series.labels[0]).toBe(start);
  expect(series.labels.at(-1)).toBe(end);
  await expectAccessible(page, "the reports page with a chart");
});
