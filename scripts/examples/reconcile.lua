-- Reconcile a day's transactions: the provider's export against our own ledger.
--
--   payrun run scripts/examples/reconcile.lua [--json]
--
-- Both documents are inline here so the example runs anywhere; in a real workflow the export
-- comes from the provider's API (payrun's provider bindings) and the ledger from your own.

local json = payrun.json
local as_json = arg[1] == "--json"

local export = json.decode([[
{
  "date": "2026-11-20",
  "transactions": [
    {"id": "tx_1001", "amount": "120.00", "currency": "EUR", "status": "settled"},
    {"id": "tx_1002", "amount": "75.50",  "currency": "EUR", "status": "settled"},
    {"id": "tx_1003", "amount": "19.99",  "currency": "USD", "status": "failed", "reason": null},
    {"id": "tx_1004", "amount": "250.00", "currency": "EUR", "status": "settled"},
    {"id": "tx_1006", "amount": "5000",   "currency": "XAF", "status": "pending"}
  ]
}
]])

local ledger = json.decode([[
[
  {"reference": "tx_1001", "amount_minor": 12000, "currency": "EUR"},
  {"reference": "tx_1002", "amount_minor": 7550,  "currency": "EUR"},
  {"reference": "tx_1004", "amount_minor": 25900, "currency": "EUR"},
  {"reference": "tx_1005", "amount_minor": 4200,  "currency": "GBP"},
  {"reference": "tx_1006", "amount_minor": 5000,  "currency": "XAF"}
]
]])

-- Currencies without minor units (XAF) count in whole units.
local minor_digits = { EUR = 2, USD = 2, GBP = 2, XAF = 0 }
local powers_of_ten = { [0] = 1, 10, 100, 1000 }

-- "250.00" EUR -> 25000, exactly: amounts never pass through floating point.
local function to_minor(amount, currency)
  local digits = minor_digits[currency] or error("unknown currency " .. currency)
  local whole, fraction = amount:match("^(%d+)%.?(%d*)$")
  if not whole or #fraction > digits then
    error(("malformed %s amount %q"):format(currency, amount))
  end
  fraction = fraction .. ("0"):rep(digits - #fraction)
  return tonumber(whole) * powers_of_ten[digits] + (tonumber(fraction) or 0)
end

local ours = {}
for _, entry in ipairs(ledger) do ours[entry.reference] = entry end

local report = { date = export.date, matched = 0, mismatched = json.array(), missing_in_ledger = json.array(),
                 missing_at_provider = json.array(), settled = {} }
local seen = {}
for _, tx in ipairs(export.transactions) do
  seen[tx.id] = true
  local entry = ours[tx.id]
  local minor = to_minor(tx.amount, tx.currency)
  if tx.status == "settled" then
    report.settled[tx.currency] = (report.settled[tx.currency] or 0) + minor
  end
  if not entry then
    if tx.status ~= "failed" then table.insert(report.missing_in_ledger, tx.id) end
  elseif entry.amount_minor ~= minor or entry.currency ~= tx.currency then
    table.insert(report.mismatched, { id = tx.id, provider = minor, ledger = entry.amount_minor, currency = tx.currency })
  else
    report.matched = report.matched + 1
  end
end
for _, entry in ipairs(ledger) do
  if not seen[entry.reference] then table.insert(report.missing_at_provider, entry.reference) end
end

if as_json then
  print(json.encode(report, { indent = 2, sort_keys = true }))
else
  print(("Reconciliation of %s: %d matched, %d mismatched, %d missing in our ledger, %d missing at the provider")
    :format(report.date, report.matched, #report.mismatched, #report.missing_in_ledger, #report.missing_at_provider))
  for _, problem in ipairs(report.mismatched) do print("  mismatch: " .. payrun.inspect(problem)) end
  for _, id in ipairs(report.missing_at_provider) do print("  not at provider: " .. id) end
  print("Settled totals (minor units): " .. payrun.inspect(report.settled))
end
