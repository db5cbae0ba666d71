-- Prints the Particeep transactions from usr_1 of each payout reference, as JSON: {reference: [ids...]}.
local particeep = payrun.provider("particeep")
local found = {}
for transaction in particeep:paginate("/transaction/search", { issuer_id = "usr_1" }) do
  local reference = transaction.custom and transaction.custom.payout_ref
  if reference then
    local list = found[reference] or {}
    list[#list + 1] = transaction.id
    found[reference] = list
  end
end
print(payrun.json.encode(found))
