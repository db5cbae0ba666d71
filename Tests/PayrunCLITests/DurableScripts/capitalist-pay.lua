-- Pays a CSV (reference,recipient,amount) through Capitalist in batches of ten, each batch a step
-- whose lookup finds its payments by number: a batch sent just before a crash is found, not sent
-- again; one that never arrived is sent when the run resumes.
local capitalist = payrun.provider("capitalist")
local rows = {}
for row in payrun.csv.file(1) do rows[#rows + 1] = row end
local paid = 0
for first = 1, #rows, 10 do
  local batch = {}
  for i = first, math.min(first + 9, #rows) do
    local row = rows[i]
    batch[#batch + 1] = { account = "U0100651", amount = payrun.decimal.new(row.amount) / 100, currency = "USD",
                          number = row.reference, description = "payout " .. row.reference }
  end
  local sent = payrun.step("batch:" .. batch[1].number, function()
    capitalist:import_batch(batch)
    return #batch
  end, { lookup = function()
    for _, payment in ipairs(batch) do
      if capitalist:find_payment(payment.number) then return #batch end
    end
  end })
  paid = paid + sent
end
print(paid .. " paid")
