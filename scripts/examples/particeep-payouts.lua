-- Pays each row of a CSV as a Particeep transaction, one step per payout, and prints what was
-- paid. A run killed part-way resumes when run again: payouts already answered are not sent
-- again, and one sent just before the crash is looked up by the reference it carries in `custom`
-- instead of stopping the run (Particeep itself cannot say whether a create arrived).
--
--   payrun sandbox &                          # simulators that outlive each run
--   PAYRUN_SANDBOX_URL=http://127.0.0.1:8080 payrun run scripts/examples/particeep-payouts.lua \
--     scripts/examples/particeep-payouts.csv
--
-- The CSV: a header line `reference,payer,recipient,amount,currency`, then one payout a line;
-- `reference` is yours, unique per payout; `amount` in minor units (cents).
--
-- With a chat webhook configured (see chat.lua), the summary is posted there once per run.

local chat = require("chat")

local particeep = payrun.provider("particeep")

---@param row { reference: string, payer: string, recipient: string, amount: string, currency: string }
local function pay(row)
  return payrun.step("payout:" .. row.reference, function()
    local transaction = particeep:put("/transaction", {
      issuer_id = row.payer, recipient_id = row.recipient, amount = math.tointeger(tonumber(row.amount)),
      currency = row.currency, custom = { payout_ref = row.reference },
    })
    return { id = transaction.id, status = transaction.status }
  end, { lookup = function()
    -- Sent by an attempt that was killed before it heard back: find it by its reference.
    for transaction in particeep:paginate("/transaction/search", { recipient_id = row.recipient, issuer_id = row.payer }) do
      if transaction.custom and transaction.custom.payout_ref == row.reference then
        return { id = transaction.id, status = transaction.status }
      end
    end
  end })
end

local total, count, lines = payrun.decimal.new(0), 0, {}
for row in payrun.csv.file(1) do
  local paid = pay(row)
  local amount = payrun.decimal.units(tonumber(row.amount), 2)   -- the CSV has minor units
  count, total = count + 1, total + amount
  lines[#lines + 1] = { reference = row.reference, transaction = paid.id, amount = amount, currency = row.currency,
                        to = row.recipient, status = paid.status }
end
payrun.stdout:write(payrun.table(lines, { columns = { "reference", "transaction", "amount", "currency", "to", "status" } }))
local summary = string.format("%d payouts, %s in all", count, total:tostring())
print(summary)
-- A step, so a run resumed after this point does not post again.
if payrun.step("chat summary", function() return chat.post("Particeep payouts: " .. summary) end) then
  print("Summary posted to chat.")
end
