-- Pays out a CSV of beneficiaries through Capitalist as one signed batch, follows it until every
-- line is processed or declined, and prints a summary. Re-running it pays nobody twice: each
-- payment number is looked up first (documents_search), and only the ones Capitalist has never
-- seen go into the batch.
--
--   payrun run scripts/examples/capitalist-payout.lua scripts/examples/payouts.csv
--
-- The CSV: a header line `beneficiary,amount,currency,number,description`, then one payment a
-- line; `number` is your own payment number, unique per payment. The batch is signed with the
-- `capitalist.certificate` (or `certificate_file`) key; the sandbox has its own.

local capitalist = payrun.provider("capitalist")

local payments = {}
for row in payrun.csv.file(1) do
  payments[#payments + 1] = {
    account = row.beneficiary, amount = payrun.decimal.new(row.amount), currency = row.currency,
    number = row.number, description = row.description,
  }
end

-- Payments an earlier run already sent are not sent again.
local fresh, earlier = {}, {}
for _, payment in ipairs(payments) do
  local found = capitalist:find_payment(payment.number)
  if found then earlier[#earlier + 1] = found else fresh[#fresh + 1] = payment end
end

local records = {}
-- The batch is a step: if a run was killed after sending it and before hearing back, the resumed
-- run asks Capitalist for its payments by number instead of sending it blind (or stopping).
local batch
if #fresh > 0 then
  batch = payrun.step("batch:" .. fresh[1].number, function()
    return capitalist:import_batch(fresh)
  end, { lookup = function()
    for _, payment in ipairs(fresh) do
      if capitalist:find_payment(payment.number) then return false end
    end
  end })
end
if batch == false then
  -- Sent by the attempt that was killed: reported with the earlier ones.
  for _, payment in ipairs(fresh) do earlier[#earlier + 1] = capitalist:find_payment(payment.number) end
elseif batch and payrun.dry_run then
  -- Described on standard error, not uploaded: there is no batch to follow.
  print(string.format("dry run: a batch of %d payments, not uploaded", #fresh))
elseif batch then
  print(string.format("batch %s: %d payments", batch.id, #fresh))
  -- Followed until no line is NEW or INPROCESS.
  local delay = 0.1
  repeat
    payrun.sleep(delay)
    delay = math.min(delay * 2, 5)
    records = {}
    local pending = 0
    for record in capitalist:batch_records(batch.id) do
      records[#records + 1] = record
      if record.state == "NEW" or record.state == "INPROCESS" then pending = pending + 1 end
    end
  until pending == 0
else
  print("nothing new to pay")
end

local totals, declined, report = {}, 0, {}
for _, record in ipairs(records) do
  local line = { outcome = "PAID", number = record.customNumber, amount = payrun.decimal.new(record.amount),
                 currency = record.currency, to = record.beneficiary, note = "" }
  if record.state == "PROCESSED" then
    totals[record.currency] = (totals[record.currency] or payrun.decimal.new(0)) + record.amount
  else
    declined = declined + 1
    line.outcome, line.note = "DECLINED", record.errorDetails
  end
  report[#report + 1] = line
end
for _, found in ipairs(earlier) do
  report[#report + 1] = { outcome = "EARLIER", number = found.customNumber, amount = payrun.decimal.new(found.amount),
                          currency = found.currency, to = found.beneficiary, note = found.state }
end
if #report > 0 then
  payrun.stdout:write(payrun.table(report, { columns = { "outcome", "number", "amount", "currency", "to", "note" } }))
end
local currencies = {}
for currency, total in pairs(totals) do currencies[#currencies + 1] = total:tostring() .. " " .. currency end
table.sort(currencies)
print(string.format("%d paid (%s), %d declined, %d sent by an earlier run", #records - declined,
  #currencies > 0 and table.concat(currencies, ", ") or "nothing", declined, #earlier))
