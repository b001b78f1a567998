// Redeeming a reward with a member's points through the JS SDK (needs the v1 redemption routes).
import assert from 'node:assert/strict'
import { test } from 'node:test'
import { Sdk, rejects } from './lib.mjs'

test('a member redeems a reward', async () => {
  const sdk = new Sdk()
  const campaign = await sdk.campaign('redemption')
  const card = await sdk.member(campaign.id, 'js-redeem')
  await sdk.loyalties.addOrRemoveCardBalance(card.code, { points: 150 })
  const reward = await sdk.rewards.create({ name: 'Mug', type: 'MATERIAL', parameters: { product: { id: 'prod_0b15f6b9f650c16990' } } })
  await sdk.rewards.createAssignment(reward.id, { campaign: campaign.id, parameters: { loyalty: { points: 100 } } })
  const redeemed = await sdk.loyalties.redeemReward(campaign.id, card.code, { reward: { id: reward.id } })
  assert.deepEqual([redeemed.result, redeemed.voucher.code, redeemed.voucher.loyalty_card.balance], ['SUCCESS', card.code, 50])
  await rejects(sdk.loyalties.redeemReward(campaign.id, card.code, { reward: { id: reward.id } }), 400)
  sdk.done('redemption')
})
