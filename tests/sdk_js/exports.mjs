// Exporting a card's transactions through the JS SDK, by campaign and without (needs the export routes).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Sdk, eventually } from './lib.mjs'

test('a card\'s transactions exported', async () => {
  const sdk = new Sdk()
  const campaign = await sdk.campaign('exports')
  const card = await sdk.member(campaign.id, 'js-exports')
  await sdk.loyalties.addOrRemoveCardBalance(card.code, { points: 50 })
  const exports = [await sdk.loyalties.exportCardTransactions(card.code, campaign.id, { parameters: { order: '-created_at' } }),
    await sdk.loyalties.exportCardTransactions(card.code, null)]
  for (const exported of exports) {
    assert.match(exported.id, /^exp_/)
    assert.deepEqual([exported.object, exported.exported_object], ['export', 'voucher_transactions'])
    await eventually(async () => (await sdk.raw('GET', `/v1/exports/${exported.id}`)).status === 'DONE')
  }
  sdk.done('exports')
})
