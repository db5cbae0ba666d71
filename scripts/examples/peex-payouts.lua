-- Sends the mobile payouts of a CSV file through Peex, waits for each to finish, and reports
-- which were paid and which failed, with Peex's reason. Re-running it (after a crash, say) sends
-- nothing twice: each payout's track_id is its reference, and a track_id Peex already has is
-- followed instead of sent again.
--
--   payrun run scripts/examples/peex-payouts.lua scripts/examples/mobile-payouts.csv
--
-- The CSV: a header line `reference,phone,amount,first_name,last_name,purpose`, then one payout a
-- line; `phone` in E.164 (+237...), `amount` in XAF. Runs against the built-in Peex simulator
-- unless --env says otherwise.

local peex = payrun.provider("peex")
local sender = { sender_mobile_phone = "+33612345678", sender_country = "FR", sender_first_name = "Payrun", sender_last_name = "Ops" }

local payouts = {}
for row in payrun.csv.file(1) do payouts[#payouts + 1] = row end

-- Sent one by one, each only if Peex does not know its track_id yet.
local sent, known = 0, 0
for _, row in ipairs(payouts) do
  if peex:find(row.reference) then
    known = known + 1
  else
    local payment = {
      track_id = row.reference, mobile_phone = row.phone, amount = tonumber(row.amount), from_currency = "XAF",
      to_currency = "XAF", aml_cft = true, first_name = row.first_name, last_name = row.last_name, to_country = "CM",
      purpose = row.purpose, fund_origin = "salary",
    }
    for name, value in pairs(sender) do payment[name] = value end
    peex:request_payment(payment)
    sent = sent + 1
  end
end
print(string.format("%d %s, %d already with Peex", sent, payrun.dry_run and "described, not sent" or "sent", known))
-- Described on standard error, not sent: there is nothing to wait for.
if payrun.dry_run then return end

local paid, failed, waiting, lines = 0, 0, 0, {}
for _, row in ipairs(payouts) do
  local request, reason = peex:wait_for(row.reference, { timeout = 60 })
  local line = { reference = row.reference, XAF = payrun.decimal.new(row.amount), to = row.phone, note = "" }
  if not request then
    waiting = waiting + 1
    line.status, line.note = "WAITING", reason
  elseif request.status == "paid" then
    paid = paid + 1
    line.status = "PAID"
  else
    failed = failed + 1
    line.status, line.note = request.status:upper(), tostring(request.payment_proof)
  end
  lines[#lines + 1] = line
end
payrun.stdout:write(payrun.table(lines, { columns = { "status", "reference", "XAF", "to", "note" } }))
print(string.format("%d paid, %d failed or rejected, %d still waiting", paid, failed, waiting))
