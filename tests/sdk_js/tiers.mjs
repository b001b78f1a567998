// A campaign's tiers through the JS SDK (needs the v1 tier routes).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Sdk, eventually } from './lib.mjs'

test('tiers, a member\'s tier, tier earning rules and rewards', async () => {
  const sdk = new Sdk()
  const campaign = await sdk.campaign('tiers')
  const [silver, gold] = await sdk.loyalties.createTiers(campaign.id, [
    { name: 'Silver', points: { from: 0, to: 99 } }, { name: 'Gold', points: { from: 100, to: 1000 } }])
  assert.match(silver.id, /^ltr_/)
  assert.deepEqual([silver.name, gold.points.from], ['Silver', 100])
  assert.deepEqual((await sdk.loyalties.listTiers(campaign.id)).data.map(t => t.id), [silver.id, gold.id])
  assert.equal((await sdk.loyalties.getTier(campaign.id, gold.id)).name, 'Gold')
  const card = await sdk.member(campaign.id, 'js-tiers')
  await sdk.loyalties.addOrRemoveCardBalance(card.code, { points: 150 })
  // the stream consumer ranks the card Silver on joining, then Gold once it sees the 150 points: wait for Gold
  const tiers = await eventually(async () => { const found = (await sdk.loyalties.listMemberLoyaltyTiers(card.code)).data; return found.length && found[0].id === gold.id ? found : null })
  assert.deepEqual(tiers.map(t => t.id), [gold.id])
  assert.equal((await sdk.loyalties.listLoyaltyTierEarningRules(campaign.id, gold.id)).object, 'list')
  assert.equal((await sdk.loyalties.listLoyaltyTierRewards(campaign.id, gold.id)).object, 'list')
  sdk.done('tiers')
})
