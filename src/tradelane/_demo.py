"""The flagship trade `tradelane demo` runs (the same as scenarios/usdc_cif_milestone.yaml)."""

DEMO_FILE = "scenarios/usdc_cif_milestone.yaml"

DEMO_SCENARIO = """\
# The flagship: USDC, CIF Shanghai to Hamburg, 30% released at export clearance, 1%
# platform fee, funded from a signed quote with an EIP-2612 permit (one transaction).
name: Shanghai to Hamburg, CIF, USDC with a 30% milestone
platform: {fee: 1%}
parties: {alice: buyer, bob: seller, dhl: carrier, cn_customs: customs, de_customs: customs, \
judge1: arbitrator}
tokens: {USDC: {decimals: 6, mint: {alice: 100000}}}
orders:
  po-1: {buyer: alice, seller: bob, carrier: dhl, price: 12000 USDC, incoterm: CIF,
         ship_within: 7d, deliver_within: 40d, inspection: 3d,
         milestones: {export_cleared: 30%}, document: "PO-2026-0042 (40 cartons of bicycle parts)"}
steps:
  - {do: quote, by: bob, order: po-1}
  - {do: fund, by: alice, order: po-1, permit: true}
  - {expect: {order: po-1, status: funded, locked: 12000 USDC}}
  - {expect: {balance: {alice: 88000 USDC}}}
  - {do: checkpoint, by: dhl, order: po-1, stage: picked_up, location: CNSHA, document: BL-0042}
  - {do: checkpoint, by: cn_customs, order: po-1, stage: export_cleared, location: CNSHA, \
document: EXP-88231}
  # 30% of 12000 = 3600, less the 1% fee: 3564 to bob, at once
  - {expect: {order: po-1, seller_received: 3564 USDC, fee: 36 USDC, locked: 8400 USDC}}
  - {expect: {balance: {bob: 3564 USDC}}}
  - {do: checkpoint, by: dhl, order: po-1, stage: loaded, location: CNSHA}
  - {do: checkpoint, by: dhl, order: po-1, stage: departed, location: CNSHA}
  - {wait: 30d}
  - {do: checkpoint, by: dhl, order: po-1, stage: arrived, location: DEHAM}
  - {do: checkpoint, by: dhl, order: po-1, stage: unloaded, location: DEHAM}
  - {do: checkpoint, by: de_customs, order: po-1, stage: import_cleared, location: DEHAM, \
signed: true}
  - {do: checkpoint, by: dhl, order: po-1, stage: out_for_delivery, location: DEHAM}
  - {do: checkpoint, by: dhl, order: po-1, stage: delivered, location: DEHAM, document: POD-0042}
  - {do: confirm, by: alice, order: po-1}
  - {expect: {order: po-1, status: completed, seller_received: 11880 USDC, fee: 120 USDC, \
buyer_refunded: 0 USDC, locked: 0 USDC}}
  - {expect: {balance: {bob: 11880 USDC, alice: 88000 USDC}, owed: {treasury: 120 USDC}}}
  - {expect: {reputation: {bob: {completed: 1, on_time: 1}, alice: {completed: 1}}}}
"""
