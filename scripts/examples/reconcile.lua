-- Reconciles a day of settled Particeep transactions against our own ledger, for real: the ledger
-- is a CSV, the provider's side is paged from its API, amounts are compared exactly.
--
--   payrun run --out reports scripts/examples/reconcile.lua scripts/examples/ledger-2023-11-15.csv [DAY]
--
-- Writes four CSV reports into the --out folder (matched, mismatched, missing-in-ledger,
-- missing-at-provider) and prints a summary. The sample ledger matches the built-in simulator's
-- transactions of 2023-11-15: two match, one differs, one is missing on each side.
--
-- With a chat webhook configured (see chat.lua), the summary is posted there too:
--   payrun run --allow-host hooks.slack.com --out reports scripts/examples/reconcile.lua LEDGER

local D = payrun.decimal.new
local day = arg[2] or "2023-11-15"
local year, month, date = day:match("^(%d%d%d%d)%-(%d%d)%-(%d%d)$")
if not year then error(("DAY must look like 2023-11-15, not %s"):format(day), 0) end

-- The day after, for the search's end (exclusive).
local function next_day(y, m, d)
  local lengths = { 31, (y % 4 == 0 and (y % 100 ~= 0 or y % 400 == 0)) and 29 or 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 }
  if d < lengths[m] then return y, m, d + 1 end
  if m < 12 then return y, m + 1, 1 end
  return y + 1, 1, 1
end
local after = ("%04d-%02d-%02d"):format(next_day(tonumber(year), tonumber(month), tonumber(date)))

-- Our side: reference, amount (major units, as written), currency.
local ledger, order = {}, {}
for row, line in payrun.csv.file(1) do
  if ledger[row.reference] then error(("ledger line %d: %s appears twice"):format(line, row.reference), 0) end
  ledger[row.reference] = { amount = D(row.amount), currency = row.currency, line = line }
  order[#order + 1] = row.reference
end

-- Their side: the day's settled transactions, amounts in minor units.
local reports = {
  matched = payrun.csv.writer(payrun.output("matched.csv"), { columns = { "reference", "amount", "currency" } }),
  mismatched = payrun.csv.writer(payrun.output("mismatched.csv"),
    { columns = { "reference", "provider_amount", "provider_currency", "ledger_amount", "ledger_currency" } }),
  missing_in_ledger = payrun.csv.writer(payrun.output("missing-in-ledger.csv"), { columns = { "reference", "amount", "currency" } }),
  missing_at_provider = payrun.csv.writer(payrun.output("missing-at-provider.csv"),
    { columns = { "reference", "amount", "currency", "ledger_line" } }),
}
local counts = { matched = 0, mismatched = 0, missing_in_ledger = 0, missing_at_provider = 0 }
local function report(kind, row)
  reports[kind]:write(row)
  counts[kind] = counts[kind] + 1
end

local seen, settled = {}, {}
local query = { status = "SUCCEEDED", created_after = day .. "T00:00:00Z", created_before = after .. "T00:00:00Z" }
for t in payrun.provider("particeep"):paginate("/transaction/search", query, { page_size = 200, progress = "transactions" }) do
  local amount = payrun.decimal.units(t.amount, 2)
  seen[t.id] = true
  settled[t.currency] = (settled[t.currency] or D(0)) + amount
  local ours = ledger[t.id]
  if not ours then
    report("missing_in_ledger", { reference = t.id, amount = amount, currency = t.currency })
  elseif ours.amount ~= amount or ours.currency ~= t.currency then
    report("mismatched", { reference = t.id, provider_amount = amount, provider_currency = t.currency,
                           ledger_amount = ours.amount, ledger_currency = ours.currency })
  else
    report("matched", { reference = t.id, amount = amount, currency = t.currency })
  end
end
for _, reference in ipairs(order) do
  if not seen[reference] then
    local ours = ledger[reference]
    report("missing_at_provider", { reference = reference, amount = ours.amount, currency = ours.currency, ledger_line = ours.line })
  end
end

print(("Reconciliation of %s: Particeep's settled transactions against %s"):format(day, arg[1]))
payrun.stdout:write(payrun.table({
  { outcome = "matched", count = counts.matched, report = "matched.csv" },
  { outcome = "mismatched", count = counts.mismatched, report = "mismatched.csv" },
  { outcome = "missing in our ledger", count = counts.missing_in_ledger, report = "missing-in-ledger.csv" },
  { outcome = "missing at Particeep", count = counts.missing_at_provider, report = "missing-at-provider.csv" },
}, { columns = { "outcome", "count", "report" } }))
local totals = {}
for currency, total in pairs(settled) do totals[#totals + 1] = { currency = currency, settled = total } end
table.sort(totals, function(a, b) return a.currency < b.currency end)
payrun.stdout:write(payrun.table(totals, { columns = { "currency", "settled" } }))

-- The team's chat, when a webhook is configured (see chat.lua): the URL stays in Swift.
local parts = {}
for _, t in ipairs(totals) do parts[#parts + 1] = ("%s %s"):format(t.currency, t.settled) end
local posted = require("chat").post(
  ("Reconciliation of %s: %d matched, %d mismatched, %d missing in our ledger, %d missing at Particeep. Settled: %s.")
    :format(day, counts.matched, counts.mismatched, counts.missing_in_ledger, counts.missing_at_provider,
            #parts > 0 and table.concat(parts, ", ") or "nothing"))
if posted then print("Summary posted to chat.") end
