-- Prints the Tradevest transfers of each reference, as JSON: {reference: [ids...]}.
local tradevest = payrun.provider("tradevest", { headers = { ["Requestor-ID"] = "3f1b6c1e-0000-4000-8000-000000000001" } })
local found = {}
for transfer in tradevest:paginate("/transfers") do
  if transfer.reference then
    local list = found[transfer.reference] or {}
    list[#list + 1] = transfer.transferId
    found[transfer.reference] = list
  end
end
print(payrun.json.encode(found))
