// A customer's activity, activities and redeemables, bulk and metadata updates, CSV import through the JS SDK (needs those routes).
import assert from 'node:assert/strict'
import { writeFileSync, mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { test } from 'node:test'
import { Sdk, eventually } from './lib.mjs'

test('customer activity, redeemables, bulk updates and CSV import', async () => {
  const sdk = new Sdk()
  const campaign = await sdk.campaign('customers more')
  const card = await sdk.member(campaign.id, 'js-cmore')
  await sdk.loyalties.addOrRemoveCardBalance(card.code, { points: 10 })
  const activity = await sdk.customers.listActivity(card.holder_id, { limit: 10 })
  assert.equal(activity.object, 'list')
  assert.ok(activity.data.length >= 1)
  const activities = await sdk.customers.listActivities(card.holder_id, { limit: 10 })
  assert.equal(activities.object, 'list')
  const redeemables = await sdk.customers.listRedeemables(card.holder_id, { limit: 10 })
  assert.ok(redeemables.data.some(r => [card.id, card.code].includes(r.redeemable_id)), JSON.stringify(redeemables))
  const bulk = await sdk.customers.updateInBulk([{ source_id: `js-bulk-${sdk.tag}`, name: 'Bulk' }])
  const metadata = await sdk.customers.updateMetadataInBulk({ source_ids: [`js-bulk-${sdk.tag}`], metadata: { imported: true } })
  const csv = join(mkdtempSync(join(tmpdir(), 'sdk-js-')), 'customers.csv')
  writeFileSync(csv, `source_id,name\njs-csv-${sdk.tag},Csv User\n`)
  const imported = await sdk.customers.importCSV(csv)
  for (const action of [bulk, metadata, imported]) {
    assert.match(action.async_action_id, /^aa_/)
    await eventually(async () => (await sdk.raw('GET', `/v1/async-actions/${action.async_action_id}`)).status === 'DONE')
  }
  assert.equal((await sdk.customers.get(`js-csv-${sdk.tag}`)).name, 'Csv User')
  sdk.done('customers_more')
})
